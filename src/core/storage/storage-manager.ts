// The only owner of the node database: opening, typed reads, and one atomic commit per envelope.
// It has no semantics (the Graph decides what to write) and no API that rewrites or deletes history.
import Dexie, { type Table } from "dexie";
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
};

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
  /** Counters of the write transaction in progress; published only when it commits. */
  #tx: { seq: number; bytes: number } | undefined;

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
    this.#tx = { seq: this.#globalSeq, bytes: this.#storedBytes };
    try {
      const value = await db.transaction(
        "rw",
        [db.envelopes, db.objects, db.versions, db.pending, db.forks, db.identities, db.meta, db.cursors],
        work,
      );
      this.#globalSeq = this.#tx.seq;
      this.#storedBytes = this.#tx.bytes;
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
    const stored = (await db.meta.get(GLOBAL_SEQ))?.value ?? 0;
    if (plan.seq !== stored + 1) throw new SequenceConflict(stored, plan.seq);
    await db.envelopes.add(plan.envelope);
    for (const id of plan.suppressEnvelopes ?? []) await db.envelopes.where("id").equals(id).modify({ status: "suppressed" });
    if (plan.objects.length > 0) await db.objects.bulkPut([...plan.objects]);
    if (plan.versions.length > 0) await db.versions.bulkPut([...plan.versions]);
    if (plan.fork !== undefined) await db.forks.put(plan.fork);
    if (plan.identity !== undefined) await db.identities.put(plan.identity);
    if (plan.removePending !== undefined && plan.removePending.length > 0) await db.pending.bulkDelete([...plan.removePending]);
    await db.meta.bulkPut([
      { key: GLOBAL_SEQ, value: plan.seq },
      { key: STORED_BYTES, value: tx.bytes + bytes },
    ]);
    tx.seq = plan.seq;
    tx.bytes += bytes;
    return ok({ seq: plan.seq });
  }

  // ---- envelopes (history) ----
  getEnvelope(id: string): Promise<EnvelopeRow | undefined> {
    return this.#db.envelopes.where("id").equals(id).first();
  }

  async getEnvelopes(ids: readonly string[]): Promise<(EnvelopeRow | undefined)[]> {
    return this.#db.envelopes
      .where("id")
      .anyOf([...ids])
      .toArray()
      .then((rows) => {
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id));
      });
  }

  envelopesAtKeySeq(authorKey: string, keySeq: number): Promise<EnvelopeRow[]> {
    return this.#db.envelopes.where("[authorKey+keySeq]").equals([authorKey, keySeq]).toArray();
  }

  /** Envelopes of one key from `keySeq` on, for withdrawing a forked key's later envelopes. */
  envelopesOfKeyFrom(authorKey: string, keySeq: number): Promise<EnvelopeRow[]> {
    return this.#db.envelopes.where("[authorKey+keySeq]").between([authorKey, keySeq], [authorKey, Dexie.maxKey]).toArray();
  }

  /** Envelopes that name `id` as their `prev` or among their `deps`. */
  dependentsOf(id: string): Promise<EnvelopeRow[]> {
    return this.#db.envelopes.where("links").equals(id).toArray();
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

  async getObjects(ids: readonly string[]): Promise<Map<string, ObjectRow>> {
    const rows = await this.#db.objects
      .where("id")
      .anyOf([...ids])
      .toArray();
    return new Map(rows.map((r) => [r.id, r]));
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
    for (const id of changes.suppressEnvelopes) await db.envelopes.where("id").equals(id).modify({ status: "suppressed" });
    if (changes.objects.length > 0) await db.objects.bulkPut([...changes.objects]);
    if (changes.versions.length > 0) await db.versions.bulkPut([...changes.versions]);
  }

  getFork(authorKey: string, keySeq: number): Promise<ForkRow | undefined> {
    return this.#db.forks.get([authorKey, keySeq]);
  }

  /** Whether the key forked at or before `keySeq`: from a fork on, the key counts as revoked. */
  async forkedAtOrBefore(authorKey: string, keySeq: number): Promise<boolean> {
    return (await this.#db.forks.where("[authorKey+keySeq]").between([authorKey, 0], [authorKey, keySeq], true, true).count()) > 0;
  }

  listForks(): Promise<ForkRow[]> {
    return this.#db.forks.toArray();
  }

  // ---- pending set (not history: rows leave when their envelope commits) ----
  getPending(id: string): Promise<PendingRow | undefined> {
    return this.#db.pending.get(id);
  }

  pendingWaitingFor(id: string): Promise<PendingRow[]> {
    return this.#db.pending.where("missing").equals(id).toArray();
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
