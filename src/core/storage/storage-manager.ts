// The only owner of the node database: opening, typed reads, and one atomic commit per envelope.
// It has no semantics (the Graph decides what to write) and no API that rewrites or deletes history.
import Dexie, { type Table } from "dexie";
import { assert } from "../shared/assert.ts";
import { nodeError, type NodeError } from "../shared/errors.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import type { JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { IntegrityStore, type SequenceRepair } from "./integrity-store.ts";
import { AUDIT_CHECKPOINT, GLOBAL_SEQ, PAIRING_STATE, NodeDatabase, STORED_BYTES, storageError, WRITE_STORES } from "./node-database.ts";
import type { AppRow, CursorRow, EnvelopeRow, ForkRow, IdentityRow, ObjectRow, PendingRow, StubRow, VersionRow } from "./rows.ts";
import { StoreQueries, type StubHint } from "./store-queries.ts";
import { SequenceConflict, WriteScope, type WriteTx } from "./write-tx.ts";

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

export class StorageManager {
  readonly #db: NodeDatabase;
  /** Queries outside a write transaction: each runs in its own read transaction. */
  readonly #queries: StoreQueries;
  #globalSeq = 0;
  #storedBytes = 0;
  /** Read at open, adopted from each committed write (see StubHint). */
  readonly #stubHint: StubHint = { maybeStubs: true };
  /** Set from runWrite's call to its end: one write transaction at a time. */
  #writing = false;
  #sequenceRepair: SequenceRepair | null = null;
  /** Scans and the repair transaction of the integrity check (ADR 0018). */
  readonly integrity: IntegrityStore;

  constructor(name: string, idb: IdbEnvironment) {
    this.#db = new NodeDatabase(`twoway-node-${name}`, idb);
    this.#queries = new StoreQueries(this.#db, this.#stubHint);
    this.integrity = new IntegrityStore(this.#db);
  }

  async open(): Promise<Result<{ globalSeq: number }>> {
    try {
      await this.#db.open();
      this.#globalSeq = (await this.#db.meta.get(GLOBAL_SEQ))?.value ?? 0;
      this.#stubHint.maybeStubs = (await this.#db.stubs.count()) > 0;
      this.#storedBytes = (await this.#db.meta.get(STORED_BYTES))?.value ?? 0;
      const last = await this.#db.envelopes.orderBy("seq").last();
      const newest = Math.max(last?.seq ?? 0, (await this.#db.quarantine.orderBy("seq").last())?.seq ?? 0);
      if (newest !== this.#globalSeq) await this.#repairSequence(newest);
      return ok({ globalSeq: this.#globalSeq });
    } catch (cause) {
      return err(
        nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The node database could not be opened.", { reason: "open_failed", cause: String(cause) }),
      );
    }
  }

  /**
   * ADR 0018: a global_seq that disagrees with the newest envelope (the newest row deleted, the
   * counter edited) is repaired instead of refusing to start. The larger number is kept, so no seq a
   * peer may have seen is used twice (digest 2.2); the cursors are forgotten, so the next sync brings
   * back from peers whatever was lost. The integrity check then drops derived rows nothing backs.
   */
  async #repairSequence(newest: number): Promise<void> {
    const repaired = { storedSeq: this.#globalSeq, newestEnvelopeSeq: newest, globalSeq: Math.max(newest, this.#globalSeq) };
    await this.#db.transaction("rw", [this.#db.meta, this.#db.cursors], async () => {
      await this.#db.meta.put({ key: GLOBAL_SEQ, value: repaired.globalSeq });
      await this.#db.cursors.clear();
    });
    this.#globalSeq = repaired.globalSeq;
    this.#sequenceRepair = repaired;
  }

  /** What open() repaired of global_seq, or null when it was consistent. */
  get sequenceRepair(): SequenceRepair | null {
    return this.#sequenceRepair;
  }

  close(): void {
    this.#db.close();
  }

  /** The last committed global_seq (inside runWrite, `tx.globalSeq` counts the batch's plans too). */
  get globalSeq(): number {
    return this.#globalSeq;
  }

  get storedBytes(): number {
    return this.#storedBytes;
  }

  /**
   * Runs `work` in one read-write transaction over every store: the Graph evaluates and applies a
   * batch of envelopes inside it through `tx`, each later one seeing the earlier ones' rows. `work`
   * may await only `tx`'s (or this manager's) calls: IndexedDB commits a transaction that awaits
   * anything else (DESIGN D5). If anything throws, nothing of the batch is written and global_seq
   * does not move; an AbortWrite rolls back with its coded error.
   */
  async runWrite<T>(work: (tx: WriteTx) => Promise<T>): Promise<Result<T>> {
    assert(!this.#writing, "one write transaction at a time: the Graph serializes writers");
    this.#writing = true;
    const db = this.#db;
    let scope: WriteScope | undefined;
    try {
      const value = await db.transaction(
        "rw",
        WRITE_STORES.map((name) => db[name]),
        // An async function, as `work` is: Dexie keeps its transaction zone across native awaits only then.
        async (dexie) => {
          scope = new WriteScope(dexie, { globalSeq: this.#globalSeq, storedBytes: this.#storedBytes }, this.#stubHint);
          const value = await work(scope);
          await scope.finish();
          return value;
        },
      );
      // Published only now that the transaction committed.
      this.#globalSeq = scope!.globalSeq;
      this.#storedBytes = scope!.storedBytes;
      this.#stubHint.maybeStubs ||= scope!.maybeStubs;
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
      scope?.close();
      this.#writing = false;
    }
  }

  // ---- the audit log's anchor (ADR 0017) ----
  /** The audit log's signed checkpoint, kept beside global_seq; untrusted until the Log manager checks it. */
  async auditCheckpoint(): Promise<unknown> {
    try {
      return (await this.#anchorRows().get(AUDIT_CHECKPOINT))?.value;
    } catch {
      return undefined;
    }
  }

  /** Its own small transaction; it queues behind a running write and never joins one. */
  async putAuditCheckpoint(value: JsonValue): Promise<void> {
    await this.#anchorRows().put({ key: AUDIT_CHECKPOINT, value });
  }

  // ---- pairing state (ADR 0031) ----
  /** What a device pairing needs after a reload; untrusted until the identity module checks it. */
  async pairingState(): Promise<unknown> {
    return (await this.#anchorRows().get(PAIRING_STATE))?.value;
  }

  async putPairingState(value: JsonValue): Promise<void> {
    await this.#anchorRows().put({ key: PAIRING_STATE, value });
  }

  /** meta holds numbers for the Graph, one JSON value for the Log manager's anchor and one for pairing. */
  #anchorRows(): Table<{ readonly key: string; readonly value: JsonValue }, string> {
    return this.#db.meta as unknown as Table<{ readonly key: string; readonly value: JsonValue }, string>;
  }

  // ---- envelopes (history) ----
  getEnvelope(id: string): Promise<EnvelopeRow | undefined> {
    return this.#queries.getEnvelope(id);
  }

  /** Rows for `ids`, in order (undefined where absent); inside runWrite, from its cache. */
  getEnvelopes(ids: readonly string[]): Promise<(EnvelopeRow | undefined)[]> {
    // One read transaction for the lookups (byId): outside one, Dexie opens a transaction per lookup.
    if (ids.length <= 1) return this.#queries.getEnvelopes(ids);
    return this.#db.transaction("r", this.#db.envelopes, () => this.#queries.getEnvelopes(ids));
  }

  /** Stubs held for `ids`, in order (undefined where none); inside runWrite, from its cache. */
  getStubs(ids: readonly string[]): Promise<(StubRow | undefined)[]> {
    return this.#queries.getStubs(ids);
  }

  /** Ids of stubs held, in id order after `afterId`: what a node asks its peers for again when it may read more. */
  async stubIds(afterId: string, limit: number): Promise<string[]> {
    return this.#db.stubs.where("id").above(afterId).limit(limit).primaryKeys();
  }

  countStubs(): Promise<number> {
    return this.#db.stubs.count();
  }

  /** Ids of the envelopes and stubs a key signed at `keySeq`: more than one is a fork (DESIGN §3). */
  envelopeIdsAtKeySeq(authorKey: string, keySeq: number): Promise<string[]> {
    return this.#queries.envelopeIdsAtKeySeq(authorKey, keySeq);
  }

  /** Envelopes of one key from `keySeq` on, for withdrawing a forked key's later envelopes. */
  envelopesOfKeyFrom(authorKey: string, keySeq: number): Promise<EnvelopeRow[]> {
    return this.#queries.envelopesOfKeyFrom(authorKey, keySeq);
  }

  /** Envelopes that name `id` among their `deps` (what relies on it; `prev` is only the chain). */
  dependentsOf(id: string): Promise<EnvelopeRow[]> {
    return this.#queries.dependentsOf(id);
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
    return this.#queries.getObject(id);
  }

  getObjects(ids: readonly string[]): Promise<Map<string, ObjectRow>> {
    if (ids.length <= 1) return this.#queries.getObjects(ids);
    return this.#db.transaction("r", this.#db.objects, () => this.#queries.getObjects(ids)); // as getEnvelopes
  }

  objectsOfType(app: string, kind: string, typeKey: string): Promise<ObjectRow[]> {
    return this.#queries.objectsOfType(app, kind, typeKey);
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
    return this.#queries.versionsOf(objectId);
  }

  versionsOfEnvelopes(envelopeIds: readonly string[]): Promise<VersionRow[]> {
    return this.#queries.versionsOfEnvelopes(envelopeIds);
  }

  getIdentity(id: string): Promise<IdentityRow | undefined> {
    return this.#queries.getIdentity(id);
  }

  listIdentities(): Promise<IdentityRow[]> {
    return this.#queries.listIdentities();
  }

  // ---- sync cursors: moved only with an accepted package, in its transaction (DESIGN §3) ----
  async getCursor(peer: string, domain: string): Promise<number> {
    return (await this.#db.cursors.get([peer, domain]))?.seq ?? 0;
  }

  listCursors(peer: string): Promise<CursorRow[]> {
    return this.#db.cursors.where("peer").equals(peer).toArray();
  }

  getFork(authorKey: string, keySeq: number): Promise<ForkRow | undefined> {
    return this.#db.forks.get([authorKey, keySeq]);
  }

  /** Whether the key forked at or before `keySeq`: from a fork on, the key counts as revoked. */
  forkedAtOrBefore(authorKey: string, keySeq: number): Promise<boolean> {
    return this.#queries.forkedAtOrBefore(authorKey, keySeq);
  }

  listForks(): Promise<ForkRow[]> {
    return this.#db.forks.toArray();
  }

  // ---- pending set (not history: rows leave when their envelope commits) ----
  getPending(id: string): Promise<PendingRow | undefined> {
    return this.#queries.getPending(id);
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
    return this.#queries.countPending();
  }

  listPending(limit: number): Promise<PendingRow[]> {
    return this.#db.pending.limit(limit).toArray();
  }

  deletePending(id: string): Promise<void> {
    return this.#queries.deletePending(id);
  }

  putPending(row: PendingRow): Promise<Result<void>> {
    return this.#queries.putPending(row);
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
