// The only owner of the node database: opening, typed reads, and one atomic commit per envelope.
// It has no semantics (the Graph decides what to write) and no API that rewrites or deletes history.
import Dexie, { type Table, type Transaction } from "dexie";
import { assert } from "../shared/assert.ts";
import { nodeError, type NodeError } from "../shared/errors.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import type { JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type {
  AppRow,
  CursorRow,
  EnvelopeRow,
  ForkRow,
  IdentityRow,
  MetaRow,
  ObjectRow,
  PendingRow,
  SettingRow,
  StubRow,
  VersionRow,
} from "./rows.ts";

/** Everything one accepted (or suppressed) envelope changes, written as a unit. */
export type CommitPlan = {
  /** Must be the current global_seq + 1: the Graph is the single writer (digest 2.2). */
  readonly seq: number;
  readonly envelope: EnvelopeRow;
  readonly objects: readonly ObjectRow[];
  readonly versions: readonly VersionRow[];
  /** Envelopes withdrawn by this commit (a fork or, later, a revocation): marked, never removed. */
  readonly suppressEnvelopes?: readonly string[];
  readonly fork?: ForkRow;
  readonly identity?: IdentityRow;
  readonly removePending?: readonly string[];
  /** The stub this full envelope replaces (DESIGN §3: a stub is upgraded in place). */
  readonly replacesStub?: string;
};

/** A stub to hold (inside runWrite): its row, and the fork it reveals, if any. */
export type StubPlan = { readonly stub: StubRow; readonly fork?: ForkRow; readonly removePending?: readonly string[] };

export type Budgets = { readonly maxEnvelopes: number; readonly maxBytes: number };

class NodeDatabase extends Dexie {
  envelopes!: Table<EnvelopeRow, number>;
  objects!: Table<ObjectRow, [string, string]>;
  versions!: Table<VersionRow, [string, string, number]>;
  pending!: Table<PendingRow, string>;
  forks!: Table<ForkRow, [string, number]>;
  identities!: Table<IdentityRow, string>;
  apps!: Table<AppRow, string>;
  settings!: Table<SettingRow, string>;
  meta!: Table<MetaRow, string>;
  cursors!: Table<CursorRow, [string, string]>;
  stubs!: Table<StubRow, string>;

  constructor(name: string, idb: IdbEnvironment) {
    // autoOpen off: a database deleted or closed underneath must fail calls, not be silently recreated empty.
    super(name, { indexedDB: idb.indexedDB, IDBKeyRange: idb.IDBKeyRange, chromeTransactionDurability: "strict", autoOpen: false });
    // One fixed schema for every app (DESIGN D5): installing an app never needs a versionchange.
    this.version(1).stores({
      envelopes: "seq, &id, [authorKey+keySeq], [app+seq], authorId, *links",
      objects: "[app+id], &id, [app+kind+typeKey], [app+parent], [app+owner]",
      versions: "[objectId+envelopeId+opIndex], objectId, envelopeId",
      pending: "id, *missing",
      forks: "[authorKey+keySeq]",
      identities: "id, rootKey",
      apps: "slug, &localId",
      settings: "key",
      meta: "key",
      cursors: "[peer+domain], peer",
    });
    // Wire profile v2 (ADR 0013) replaced v1 with no way to read v1 envelopes: the history, and
    // everything derived from it, starts over; settings stay. Stubs get their own store.
    this.version(2)
      .stores({
        envelopes: "seq, &id, [authorKey+keySeq], [app+seq], authorId, *deps",
        stubs: "id, [authorKey+keySeq]",
      })
      .upgrade(async (tx) => {
        for (const table of ["envelopes", "objects", "versions", "pending", "forks", "identities", "apps", "meta", "cursors"])
          await tx.table(table).clear();
      });
  }
}

const GLOBAL_SEQ = "global_seq";
const STORED_BYTES = "stored_bytes";

function storageError(cause: unknown, reason: string): Result<never> {
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return err(nodeError("ERR_MNG_STORAGE_TX_ABORTED", "The database refused the operation.", { reason, cause: message }));
}

export class StorageManager {
  readonly #db: NodeDatabase;
  #globalSeq = 0;
  #storedBytes = 0;
  /** The write transaction in progress: its counters, published only when it commits, and its caches. */
  #tx: WriteScope | undefined;

  constructor(name: string, idb: IdbEnvironment) {
    this.#db = new NodeDatabase(`twoway-node-${name}`, idb);
  }

  async open(): Promise<Result<{ globalSeq: number }>> {
    try {
      await this.#db.open();
      this.#globalSeq = (await this.#db.meta.get(GLOBAL_SEQ))?.value ?? 0;
      this.#storedBytes = (await this.#db.meta.get(STORED_BYTES))?.value ?? 0;
      const last = await this.#db.envelopes.orderBy("seq").last();
      // Fail closed on an inconsistent sequence rather than reuse a number (digest 2.2).
      if ((last?.seq ?? 0) !== this.#globalSeq) {
        return err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The stored sequence is inconsistent.", { reason: "sequence_mismatch" }));
      }
      return ok({ globalSeq: this.#globalSeq });
    } catch (cause) {
      return err(
        nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The node database could not be opened.", { reason: "open_failed", cause: String(cause) }),
      );
    }
  }

  close(): void {
    this.#db.close();
  }

  /** The last committed global_seq; inside runWrite, including the batch's applied plans. */
  get globalSeq(): number {
    return this.#tx?.seq ?? this.#globalSeq;
  }

  get storedBytes(): number {
    return this.#storedBytes;
  }

  /**
   * Runs `work` in one read-write transaction over every store: the Graph evaluates and applies a
   * batch of envelopes inside it, each later one seeing the earlier ones' rows. `work` may await only
   * this manager's calls (IndexedDB commits a transaction that awaits anything else; DESIGN D5).
   * If anything throws, nothing of the batch is written and global_seq does not move.
   */
  async runWrite<T>(work: () => Promise<T>): Promise<Result<T>> {
    assert(this.#tx === undefined, "one write transaction at a time: the Graph serializes writers");
    const db = this.#db;
    const tx: WriteScope = {
      seq: this.#globalSeq,
      bytes: this.#storedBytes,
      storedSeq: undefined,
      envelopes: new Map(),
      stubs: new Map(),
      idsAtKeySeq: new Map(),
      forkSeqs: new Map(),
      dexie: undefined,
    };
    this.#tx = tx;
    try {
      const value = await db.transaction(
        "rw",
        [db.envelopes, db.stubs, db.objects, db.versions, db.pending, db.forks, db.identities, db.meta, db.cursors],
        // An async function, as `work` is: Dexie keeps its transaction zone across native awaits only then.
        async () => {
          tx.dexie = Dexie.currentTransaction;
          const value = await work();
          // global_seq and the byte count are stored once per transaction, with all of its rows: the
          // same committed state as storing them with each plan, for two writes less per envelope.
          if (tx.seq !== this.#globalSeq)
            await db.meta.bulkPut([
              { key: GLOBAL_SEQ, value: tx.seq },
              { key: STORED_BYTES, value: tx.bytes },
            ]);
          return value;
        },
      );
      this.#globalSeq = tx.seq;
      this.#storedBytes = tx.bytes;
      return ok(value);
    } catch (cause) {
      if (cause instanceof AbortWrite) return err(cause.error);
      if (cause instanceof SequenceConflict) {
        return err(
          nodeError("ERR_MNG_GRAPH_SEQUENCE_CONFLICT", "Another writer moved the sequence.", {
            expected: cause.expected,
            stored: cause.stored,
          }),
        );
      }
      return storageError(cause, "commit_failed");
    } finally {
      this.#tx = undefined;
    }
  }

  /**
   * Writes one envelope's plan inside runWrite: all its rows, and global_seq moves with them. Over
   * budget, it writes nothing and says so; the batch goes on without it.
   */
  async apply(plan: CommitPlan, budgets: Budgets): Promise<Result<{ seq: number }>> {
    const tx = this.#tx;
    assert(tx !== undefined, "apply runs inside runWrite");
    const bytes = plan.envelope.text.length;
    if (plan.seq > budgets.maxEnvelopes || tx.bytes + bytes > budgets.maxBytes) {
      return err(
        nodeError("ERR_MNG_STORAGE_BUDGET_EXCEEDED", "The node's storage budget is used up.", {
          reason: plan.seq > budgets.maxEnvelopes ? "max_envelopes" : "max_bytes",
        }),
      );
    }
    const db = this.#db;
    // Another writer (a second tab) can only have moved the stored sequence before this transaction
    // began: inside it, meta is locked and only runWrite writes it, at the end. So read it once.
    tx.storedSeq ??= (await db.meta.get(GLOBAL_SEQ))?.value ?? 0;
    if (plan.seq !== tx.storedSeq + 1) throw new SequenceConflict(tx.storedSeq, plan.seq);
    // The plan's writes go out together: IndexedDB runs a transaction's requests in the order they
    // were made, so this writes exactly what awaiting each in turn did, in one round trip instead of
    // one per write. If any fails, the batch's transaction aborts as before.
    await Promise.all([
      db.envelopes.add(plan.envelope),
      this.#suppress(plan.suppressEnvelopes ?? []),
      plan.objects.length > 0 ? db.objects.bulkPut([...plan.objects]) : undefined,
      plan.versions.length > 0 ? db.versions.bulkPut([...plan.versions]) : undefined,
      plan.fork === undefined ? undefined : db.forks.put(plan.fork),
      plan.identity === undefined ? undefined : db.identities.put(plan.identity),
      plan.removePending !== undefined && plan.removePending.length > 0 ? db.pending.bulkDelete([...plan.removePending]) : undefined,
      plan.replacesStub === undefined ? undefined : db.stubs.delete(plan.replacesStub),
    ]);
    tx.envelopes.set(plan.envelope.id, plan.envelope);
    if (plan.replacesStub !== undefined) tx.stubs.set(plan.replacesStub, null);
    // An upgraded stub was already listed at its key's seq, under the same id.
    const atSeq = tx.idsAtKeySeq.get(keySeqKey(plan.envelope.authorKey, plan.envelope.keySeq));
    if (atSeq !== undefined && !atSeq.includes(plan.envelope.id)) atSeq.push(plan.envelope.id);
    if (plan.fork !== undefined) tx.forkSeqs.get(plan.fork.authorKey)?.push(plan.fork.keySeq);
    tx.storedSeq = plan.seq;
    tx.seq = plan.seq;
    tx.bytes += bytes;
    return ok({ seq: plan.seq });
  }

  /** Holds a stub inside runWrite (no global_seq: a stub has no effects), with the fork it reveals. */
  async holdStub(plan: StubPlan): Promise<void> {
    const tx = this.#tx;
    assert(tx !== undefined, "holdStub runs inside runWrite");
    const db = this.#db;
    await Promise.all([
      db.stubs.add(plan.stub),
      plan.fork === undefined ? undefined : db.forks.put(plan.fork),
      plan.removePending !== undefined && plan.removePending.length > 0 ? db.pending.bulkDelete([...plan.removePending]) : undefined,
    ]);
    tx.stubs.set(plan.stub.id, plan.stub);
    tx.idsAtKeySeq.get(keySeqKey(plan.stub.authorKey, plan.stub.keySeq))?.push(plan.stub.id);
    if (plan.fork !== undefined) tx.forkSeqs.get(plan.fork.authorKey)?.push(plan.fork.keySeq);
  }

  /** Marks envelopes suppressed (inside runWrite), keeping the transaction's envelope cache in step. */
  async #suppress(ids: readonly string[]): Promise<void> {
    const tx = this.#tx;
    assert(tx !== undefined, "envelopes are suppressed only inside runWrite");
    for (const id of ids) {
      const cached = tx.envelopes.get(id);
      if (cached !== undefined && cached !== null) tx.envelopes.set(id, { ...cached, status: "suppressed" });
    }
    await Promise.all(ids.map((id) => this.#db.envelopes.where("id").equals(id).modify({ status: "suppressed" })));
  }

  /**
   * The write transaction's caches, when called from inside it. Only this manager writes envelope and
   * fork rows (apply, #suppress), and it updates the caches as it does, so a cached answer (or a cached
   * absence) is what the database would return. Callers outside the transaction never see them: they
   * must not read its uncommitted rows.
   */
  #cached(): WriteScope | undefined {
    const tx = this.#tx;
    return tx !== undefined && tx.dexie !== undefined && Dexie.currentTransaction === tx.dexie ? tx : undefined;
  }

  /**
   * Inside runWrite: reads at once what the Graph checks each envelope of a batch against (is it here,
   * are its prev and deps, which envelopes hold its key's seq), so evaluating the batch costs no
   * round trip per envelope for them.
   */
  async prefetch(batch: {
    readonly envelopeIds: readonly string[];
    readonly keySeqs: readonly (readonly [string, number])[];
  }): Promise<void> {
    assert(this.#cached() !== undefined, "prefetch runs inside runWrite");
    const reads: Promise<unknown>[] = [
      this.getEnvelopes(batch.envelopeIds),
      this.getStubs(batch.envelopeIds),
      ...batch.keySeqs.map(([key, seq]) => this.envelopeIdsAtKeySeq(key, seq)),
    ];
    await Dexie.Promise.all(reads);
  }

  // ---- envelopes (history) ----
  getEnvelope(id: string): Promise<EnvelopeRow | undefined> {
    return this.getEnvelopes([id]).then((rows) => rows[0]);
  }

  /**
   * Rows for `ids`, in order (undefined where absent). Inside runWrite, the answers are remembered
   * for the rest of the transaction: the Graph asks for each envelope, its prev and its deps, and
   * warms the cache for a whole batch with one call.
   */
  getEnvelopes(ids: readonly string[]): Promise<(EnvelopeRow | undefined)[]> {
    const cache = this.#cached()?.envelopes;
    if (cache === undefined)
      return this.#db.envelopes
        .where("id")
        .anyOf([...ids])
        .toArray()
        .then((rows) => {
          const byId = new Map(rows.map((r) => [r.id, r]));
          return ids.map((id) => byId.get(id));
        });
    // Always a Dexie promise, even when answered from the cache: Dexie keeps the transaction's zone
    // across native awaits only for a bounded number of microtasks after each Dexie promise, so a
    // long run of cached answers as native promises (a package of duplicates) would lose it and the
    // transaction would commit early (PrematureCommitError).
    const answer = () => ids.map((id) => cache.get(id) ?? undefined);
    const wanted = [...new Set(ids)].filter((id) => !cache.has(id));
    if (wanted.length === 0) return Dexie.Promise.resolve(answer());
    // One lookup per id, all sent at once: cheaper than anyOf's cursor walk, on both IndexedDBs.
    return Dexie.Promise.all(wanted.map((id) => this.#db.envelopes.where("id").equals(id).first())).then((rows) => {
      wanted.forEach((id, i) => cache.set(id, rows[i] ?? null));
      return answer();
    });
  }

  /** Stubs held for `ids`, in order (undefined where none); cached inside runWrite like getEnvelopes. */
  getStubs(ids: readonly string[]): Promise<(StubRow | undefined)[]> {
    const cache = this.#cached()?.stubs;
    if (cache === undefined) return this.#db.stubs.bulkGet([...ids]).then((rows) => rows.map((row) => row ?? undefined));
    const answer = () => ids.map((id) => cache.get(id) ?? undefined);
    const wanted = [...new Set(ids)].filter((id) => !cache.has(id));
    if (wanted.length === 0) return Dexie.Promise.resolve(answer());
    return this.#db.stubs.bulkGet(wanted).then((rows) => {
      wanted.forEach((id, i) => cache.set(id, rows[i] ?? null));
      return answer();
    });
  }

  /** Ids of stubs held, in id order after `afterId`: what a node asks its peers for again when it may read more. */
  async stubIds(afterId: string, limit: number): Promise<string[]> {
    return this.#db.stubs.where("id").above(afterId).limit(limit).primaryKeys();
  }

  countStubs(): Promise<number> {
    return this.#db.stubs.count();
  }

  /**
   * Ids of the envelopes and stubs a key signed at `keySeq`: more than one is a fork (DESIGN §3),
   * which links alone reveal.
   */
  envelopeIdsAtKeySeq(authorKey: string, keySeq: number): Promise<string[]> {
    const tx = this.#cached();
    const cached = tx?.idsAtKeySeq.get(keySeqKey(authorKey, keySeq));
    if (cached !== undefined) return Dexie.Promise.resolve([...cached]); // a Dexie promise: see getEnvelopes
    // Cached when asked inside runWrite: apply and holdStub keep the list current.
    const at = [authorKey, keySeq];
    return Dexie.Promise.all([
      this.#db.envelopes.where("[authorKey+keySeq]").equals(at).toArray(),
      this.#db.stubs.where("[authorKey+keySeq]").equals(at).primaryKeys(),
    ]).then(([rows, stubIds]) => {
      const ids = [...new Set([...rows.map((row) => row.id), ...(stubIds)])];
      tx?.idsAtKeySeq.set(keySeqKey(authorKey, keySeq), [...ids]);
      return ids;
    });
  }

  /** Envelopes of one key from `keySeq` on, for withdrawing a forked key's later envelopes. */
  envelopesOfKeyFrom(authorKey: string, keySeq: number): Promise<EnvelopeRow[]> {
    return this.#db.envelopes.where("[authorKey+keySeq]").between([authorKey, keySeq], [authorKey, Dexie.maxKey]).toArray();
  }

  /** Envelopes that name `id` among their `deps` (what relies on it; `prev` is only the chain). */
  dependentsOf(id: string): Promise<EnvelopeRow[]> {
    return this.#db.envelopes.where("deps").equals(id).toArray();
  }

  /** The last envelope a key signed that this node holds (its chain head). */
  lastOfKey(authorKey: string): Promise<EnvelopeRow | undefined> {
    return this.#db.envelopes.where("[authorKey+keySeq]").between([authorKey, Dexie.minKey], [authorKey, Dexie.maxKey]).last();
  }

  /** History in global_seq order, optionally for one app. */
  history(options: { afterSeq?: number; limit: number; app?: string }): Promise<EnvelopeRow[]> {
    const after = options.afterSeq ?? 0;
    const query =
      options.app === undefined
        ? this.#db.envelopes.where("seq").above(after)
        : this.#db.envelopes.where("[app+seq]").between([options.app, after + 1], [options.app, Dexie.maxKey]);
    return query.limit(options.limit).toArray();
  }

  // ---- materialized objects ----
  getObject(id: string): Promise<ObjectRow | undefined> {
    return this.#db.objects.where("id").equals(id).first();
  }

  getObjects(ids: readonly string[]): Promise<Map<string, ObjectRow>> {
    // Most envelopes only create: skip the round trip (a Dexie promise, see getEnvelopes).
    if (ids.length === 0) return Dexie.Promise.resolve(new Map<string, ObjectRow>());
    return this.#db.objects
      .where("id")
      .anyOf([...ids])
      .toArray()
      .then((rows) => new Map(rows.map((r) => [r.id, r])));
  }

  objectsOfType(app: string, kind: string, typeKey: string): Promise<ObjectRow[]> {
    return this.#db.objects.where("[app+kind+typeKey]").equals([app, kind, typeKey]).toArray();
  }

  objectsOfApp(app: string): Promise<ObjectRow[]> {
    return this.#db.objects.where("[app+id]").between([app, Dexie.minKey], [app, Dexie.maxKey]).toArray();
  }

  childrenOf(app: string, parentId: string): Promise<ObjectRow[]> {
    return this.#db.objects.where("[app+parent]").equals([app, parentId]).toArray();
  }

  /** Every object in id order, in pages: the state digest streams instead of loading all at once. */
  async forEachObject(visit: (row: ObjectRow) => void, pageSize = 1000): Promise<void> {
    let last: string | undefined;
    for (;;) {
      const page = await (last === undefined ? this.#db.objects.orderBy("id") : this.#db.objects.where("id").above(last))
        .limit(pageSize)
        .toArray();
      for (const row of page) visit(row);
      if (page.length < pageSize) return;
      last = page[page.length - 1]!.id;
    }
  }

  versionsOf(objectId: string): Promise<VersionRow[]> {
    return this.#db.versions.where("objectId").equals(objectId).toArray();
  }

  versionsOfEnvelopes(envelopeIds: readonly string[]): Promise<VersionRow[]> {
    return this.#db.versions
      .where("envelopeId")
      .anyOf([...envelopeIds])
      .toArray();
  }

  getIdentity(id: string): Promise<IdentityRow | undefined> {
    return this.#db.identities.get(id);
  }

  // ---- sync cursors: moved only with an accepted package, in its transaction (DESIGN §3) ----
  async getCursor(peer: string, domain: string): Promise<number> {
    return (await this.#db.cursors.get([peer, domain]))?.seq ?? 0;
  }

  listCursors(peer: string): Promise<CursorRow[]> {
    return this.#db.cursors.where("peer").equals(peer).toArray();
  }

  /** Inside runWrite only: the cursor moves with the package that moved it. */
  async putCursor(row: CursorRow): Promise<void> {
    assert(this.#tx !== undefined, "a cursor moves only inside the package's transaction");
    await this.#db.cursors.put(row);
  }

  listIdentities(): Promise<IdentityRow[]> {
    return this.#db.identities.toArray();
  }

  /**
   * Extra changes inside runWrite after an applied plan (a revocation's withdrawals): rows and
   * envelope statuses only; global_seq does not move.
   */
  async applyChanges(changes: {
    readonly objects: readonly ObjectRow[];
    readonly versions: readonly VersionRow[];
    readonly suppressEnvelopes: readonly string[];
  }): Promise<void> {
    assert(this.#tx !== undefined, "applyChanges runs inside runWrite");
    const db = this.#db;
    await this.#suppress(changes.suppressEnvelopes);
    if (changes.objects.length > 0) await db.objects.bulkPut([...changes.objects]);
    if (changes.versions.length > 0) await db.versions.bulkPut([...changes.versions]);
  }

  getFork(authorKey: string, keySeq: number): Promise<ForkRow | undefined> {
    return this.#db.forks.get([authorKey, keySeq]);
  }

  /** Whether the key forked at or before `keySeq`: from a fork on, the key counts as revoked. */
  forkedAtOrBefore(authorKey: string, keySeq: number): Promise<boolean> {
    const tx = this.#cached();
    if (tx === undefined)
      return this.#db.forks
        .where("[authorKey+keySeq]")
        .between([authorKey, 0], [authorKey, keySeq], true, true)
        .count()
        .then((n) => n > 0);
    // Inside runWrite, one read per key and transaction: all its forks (there are few), kept current by apply.
    const answer = (seqs: readonly number[]) => seqs.some((s) => s >= 0 && s <= keySeq);
    const cached = tx.forkSeqs.get(authorKey);
    if (cached !== undefined) return Dexie.Promise.resolve(answer(cached)); // a Dexie promise: see getEnvelopes
    return this.#db.forks
      .where("[authorKey+keySeq]")
      .between([authorKey, Dexie.minKey], [authorKey, Dexie.maxKey])
      .primaryKeys()
      .then((keys) => {
        const seqs = keys.map(([, seq]) => seq);
        tx.forkSeqs.set(authorKey, seqs);
        return answer(seqs);
      });
  }

  listForks(): Promise<ForkRow[]> {
    return this.#db.forks.toArray();
  }

  // ---- pending set (not history: rows leave when their envelope commits) ----
  getPending(id: string): Promise<PendingRow | undefined> {
    return this.#db.pending.get(id);
  }

  /** Pending rows waiting for any of `ids`, each once, in id order. */
  async pendingWaitingForAny(ids: readonly string[]): Promise<PendingRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db.pending
      .where("missing")
      .anyOf([...ids])
      .toArray();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  countPending(): Promise<number> {
    return this.#db.pending.count();
  }

  listPending(limit: number): Promise<PendingRow[]> {
    return this.#db.pending.limit(limit).toArray();
  }

  async deletePending(id: string): Promise<void> {
    await this.#db.pending.delete(id);
  }

  async putPending(row: PendingRow): Promise<Result<void>> {
    try {
      await this.#db.pending.put(row);
      return ok(undefined);
    } catch (cause) {
      return storageError(cause, "pending_write_failed");
    }
  }

  // ---- app registry (node-local, DESIGN D8) ----
  getApp(slug: string): Promise<AppRow | undefined> {
    return this.#db.apps.get(slug);
  }

  listApps(): Promise<AppRow[]> {
    return this.#db.apps.orderBy("localId").toArray();
  }

  async putApp(row: AppRow): Promise<Result<void>> {
    try {
      await this.#db.apps.put(row);
      return ok(undefined);
    } catch (cause) {
      return storageError(cause, "app_write_failed");
    }
  }

  // ---- settings: the Config manager's persistence port ----
  readonly settings = {
    load: async (): Promise<Readonly<Record<string, JsonValue>>> =>
      Object.fromEntries((await this.#db.settings.toArray()).map((row) => [row.key, row.value])),
    save: async (entries: Readonly<Record<string, JsonValue>>): Promise<void> => {
      await this.#db.settings.bulkPut(Object.entries(entries).map(([key, value]) => ({ key, value })));
    },
  };
}

/** The idsAtKeySeq key of one key's seq. */
const keySeqKey = (authorKey: string, keySeq: number) => `${authorKey} ${keySeq}`;

/** A write transaction in progress (runWrite). */
type WriteScope = {
  /** global_seq and stored bytes including the plans applied so far. */
  seq: number;
  bytes: number;
  /** global_seq in meta as this transaction leaves it: read at the first apply, then moved by each plan. */
  storedSeq: number | undefined;
  /** Envelope rows by id read or written in this transaction; null records an absence. */
  readonly envelopes: Map<string, EnvelopeRow | null>;
  /** Stub rows by id, the same way. */
  readonly stubs: Map<string, StubRow | null>;
  /** Ids of the envelopes at one key's seq (keySeqKey), read or written in this transaction. */
  readonly idsAtKeySeq: Map<string, string[]>;
  /** The seqs at which a key forked, by key, read or written in this transaction. */
  readonly forkSeqs: Map<string, number[]>;
  /** The Dexie transaction, to tell calls made inside it from concurrent readers outside. */
  dexie: Transaction | undefined;
};

/** Thrown inside runWrite to roll the whole transaction back with a coded reason (an atomic package). */
export class AbortWrite extends Error {
  constructor(readonly error: NodeError) {
    super(error.message);
  }
}

class SequenceConflict extends Error {
  constructor(
    readonly stored: number,
    readonly expected: number,
  ) {
    super("sequence conflict");
  }
}
