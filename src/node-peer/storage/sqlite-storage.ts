// The node database on SQLite (better-sqlite3) for a node in Node.js (ADR 0022): the core's storage
// port with Dexie's semantics (runStorageContract). Two connections to one WAL file: the writer holds
// the one write transaction, across awaits; the reader answers everyone else from the last commit.
import Database from "better-sqlite3";
import { assert } from "../../core/shared/assert.ts";
import { nodeError } from "../../core/shared/errors.ts";
import type { JsonValue } from "../../core/shared/json.ts";
import { err, ok, type Result } from "../../core/shared/result.ts";
import {
  AbortWrite,
  type AppRow,
  type CursorRow,
  type SequenceRepair,
  type EnvelopeRow,
  type ForkRow,
  type IdentityRow,
  type NodeStorage,
  type ObjectRow,
  type PendingRow,
  type StubRow,
  type VersionRow,
  type WriteTx,
} from "../../core/storage/index.ts";
import { SqliteIntegrity } from "./sqlite-integrity.ts";
import { SqliteQueries, Statements } from "./sqlite-queries.ts";
import { configure, migrate } from "./sqlite-schema.ts";
import { SqliteWrites } from "./sqlite-writes.ts";
import { GLOBAL_SEQ, SequenceConflict, settled, SqliteWriteScope, STORED_BYTES, storageFailure } from "./sqlite-write-tx.ts";

type Connections = {
  readonly writer: Database.Database;
  readonly writerSql: Statements;
  readonly reader: SqliteQueries;
  readonly readerDb: Database.Database;
  readonly readerSql: Statements;
};

/** The audit log's newest signed checkpoint (ADR 0017): in meta beside global_seq, as on Dexie. */
const AUDIT_CHECKPOINT = "audit_checkpoint";
const PAIRING_STATE = "pairing_state";

export class SqliteStorage implements NodeStorage {
  #connections: Connections | undefined;
  #globalSeq = 0;
  #storedBytes = 0;
  /** Set from runWrite's call to its end: one write transaction at a time. */
  #writing = false;
  /** Settles when the current write transaction ends: writes outside it wait for it (one writer). */
  #writeEnded: Promise<void> = Promise.resolve();
  #sequenceRepair: SequenceRepair | null = null;
  /** Scans and the repair transaction of the integrity check (ADR 0018). */
  readonly integrity = new SqliteIntegrity({
    read: (query) => settled(() => query(this.#open().readerSql)),
    write: (write) => this.#writeAloneSql(write),
  });

  /**
   * `path`: the database file; its -wal and -shm files sit beside it. `maxBytes`: the file's size cap
   * (SQLite's max_page_count), a headless peer's quota; a write past it fails as ERR_STORAGE_QUOTA.
   */
  constructor(
    readonly path: string,
    private readonly options: { readonly maxBytes?: number } = {},
  ) {}

  open(): Promise<Result<{ globalSeq: number }>> {
    return settled(() => this.#openNow());
  }

  #openNow(): Result<{ globalSeq: number }> {
    try {
      const writer = new Database(this.path);
      configure(writer);
      if (this.options.maxBytes !== undefined) {
        const pageSize = writer.pragma("page_size", { simple: true }) as number;
        writer.pragma(`max_page_count = ${Math.max(1, Math.floor(this.options.maxBytes / pageSize))}`);
      }
      const migrated = migrate(writer);
      if (!migrated.ok) {
        writer.close();
        return err(
          nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The node database was written by a newer version.", {
            reason: "schema_newer",
            found: migrated.found,
          }),
        );
      }
      const readerDb = new Database(this.path);
      configure(readerDb);
      // The reader never writes: only the writer connection does, so there is one writer.
      readerDb.pragma("query_only = ON");
      const readerSql = new Statements(readerDb);
      const connections = { writer, writerSql: new Statements(writer), readerDb, readerSql, reader: new SqliteQueries(readerSql) };
      this.#globalSeq = connections.reader.meta(GLOBAL_SEQ) ?? 0;
      this.#storedBytes = connections.reader.meta(STORED_BYTES) ?? 0;
      this.#sequenceRepair = null;
      try {
        const newest = Math.max(connections.reader.lastSeq(), connections.reader.lastQuarantinedSeq());
        if (newest !== this.#globalSeq) this.#repairSequence(connections, newest);
      } catch (cause) {
        writer.close();
        readerDb.close();
        throw cause;
      }
      this.#connections = connections;
      return ok({ globalSeq: this.#globalSeq });
    } catch (cause) {
      return err(
        nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The node database could not be opened.", { reason: "open_failed", cause: String(cause) }),
      );
    }
  }

  /**
   * ADR 0018, as on Dexie: a global_seq that disagrees with the newest envelope (the newest row
   * deleted, the counter edited) is repaired, not refused. The larger number is kept, so no seq a peer
   * may have seen is used twice (digest 2.2), and the cursors are forgotten, so the next sync brings
   * back whatever was lost. Both in one transaction; if it fails, open fails.
   */
  #repairSequence(connections: Connections, newest: number): void {
    const repaired = { storedSeq: this.#globalSeq, newestEnvelopeSeq: newest, globalSeq: Math.max(newest, this.#globalSeq) };
    connections.writer
      .transaction(() => {
        new SqliteWrites(connections.writerSql).putMeta(GLOBAL_SEQ, repaired.globalSeq);
        connections.writerSql.get("DELETE FROM cursors").run();
      })
      .immediate();
    this.#globalSeq = repaired.globalSeq;
    this.#sequenceRepair = repaired;
  }

  /** What open() repaired of global_seq, or null when it was consistent. */
  get sequenceRepair(): SequenceRepair | null {
    return this.#sequenceRepair;
  }

  close(): void {
    const connections = this.#connections;
    this.#connections = undefined;
    connections?.readerDb.close();
    connections?.writer.close();
  }

  get globalSeq(): number {
    return this.#globalSeq;
  }

  get storedBytes(): number {
    return this.#storedBytes;
  }

  #open(): Connections {
    assert(this.#connections !== undefined, "the node database is open");
    return this.#connections;
  }

  /** Reads outside a write: the reader connection, which sees only committed rows. */
  #read<T>(query: (queries: SqliteQueries) => T): Promise<T> {
    return settled(() => query(this.#open().reader));
  }

  /** A write outside runWrite: after the current write transaction, as its own transaction. */
  #writeAlone(write: (writes: SqliteWrites) => void): Promise<void> {
    return this.#writeAloneSql((sql) => write(new SqliteWrites(sql)));
  }

  async #writeAloneSql(write: (sql: Statements) => void): Promise<void> {
    while (this.#writing) await this.#writeEnded;
    const { writer, writerSql } = this.#open();
    writer.transaction(() => write(writerSql)).immediate();
  }

  /**
   * Runs `work` in one write transaction (BEGIN IMMEDIATE on the writer connection), held open across
   * its awaits. If anything throws, or any write of it failed, nothing of the batch is written and
   * global_seq does not move; an AbortWrite rolls back with its coded error.
   */
  async runWrite<T>(work: (tx: WriteTx) => Promise<T>): Promise<Result<T>> {
    assert(!this.#writing, "one write transaction at a time: the Graph serializes writers");
    const { writer, writerSql } = this.#open();
    this.#writing = true;
    let ended!: () => void;
    this.#writeEnded = new Promise((resolve) => (ended = resolve));
    let scope: SqliteWriteScope | undefined;
    try {
      writer.exec("BEGIN IMMEDIATE");
      scope = new SqliteWriteScope(writerSql, { globalSeq: this.#globalSeq, storedBytes: this.#storedBytes });
      const value = await work(scope);
      if (scope.failure !== undefined) throw scope.failure;
      scope.finish();
      writer.exec("COMMIT");
      // Published only now that the transaction committed.
      this.#globalSeq = scope.globalSeq;
      this.#storedBytes = scope.storedBytes;
      return ok(value);
    } catch (cause) {
      if (writer.inTransaction) writer.exec("ROLLBACK");
      if (cause instanceof AbortWrite) return err(cause.error);
      if (cause instanceof SequenceConflict) {
        return err(
          nodeError("ERR_MNG_GRAPH_SEQUENCE_CONFLICT", "Another writer moved the sequence.", {
            expected: cause.expected,
            stored: cause.stored,
          }),
        );
      }
      return err(storageFailure(cause, "commit_failed"));
    } finally {
      scope?.close();
      this.#writing = false;
      ended();
    }
  }

  // ---- the audit log's anchor (ADR 0017) ----
  /** The audit log's signed checkpoint, kept beside global_seq; untrusted until the Log manager checks it. */
  async auditCheckpoint(): Promise<unknown> {
    try {
      const text = await this.#read((q) => q.metaText(AUDIT_CHECKPOINT));
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    } catch {
      return undefined;
    }
  }

  /** Its own small transaction; it waits for a running write and never joins one. */
  putAuditCheckpoint(value: JsonValue): Promise<void> {
    return this.#writeAlone((w) => w.putMetaText(AUDIT_CHECKPOINT, JSON.stringify(value)));
  }

  // ---- pairing state (ADR 0031) ----
  async pairingState(): Promise<unknown> {
    const text = await this.#read((q) => q.metaText(PAIRING_STATE));
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  putPairingState(value: JsonValue): Promise<void> {
    return this.#writeAlone((w) => w.putMetaText(PAIRING_STATE, JSON.stringify(value)));
  }

  // ---- envelopes (history) ----
  getEnvelope(id: string): Promise<EnvelopeRow | undefined> {
    return this.#read((q) => q.envelopes([id])[0]);
  }

  getEnvelopes(ids: readonly string[]): Promise<(EnvelopeRow | undefined)[]> {
    return this.#read((q) => q.envelopes(ids));
  }

  getStubs(ids: readonly string[]): Promise<(StubRow | undefined)[]> {
    return this.#read((q) => q.stubs(ids));
  }

  stubIds(afterId: string, limit: number): Promise<string[]> {
    return this.#read((q) => q.stubIds(afterId, limit));
  }

  countStubs(): Promise<number> {
    return this.#read((q) => q.countStubs());
  }

  envelopeIdsAtKeySeq(authorKey: string, keySeq: number): Promise<string[]> {
    return this.#read((q) => q.envelopeIdsAtKeySeq(authorKey, keySeq));
  }

  envelopesOfKeyFrom(authorKey: string, keySeq: number): Promise<EnvelopeRow[]> {
    return this.#read((q) => q.envelopesOfKeyFrom(authorKey, keySeq));
  }

  dependentsOf(id: string): Promise<EnvelopeRow[]> {
    return this.#read((q) => q.dependentsOf(id));
  }

  lastOfKey(authorKey: string): Promise<EnvelopeRow | undefined> {
    return this.#read((q) => q.lastOfKey(authorKey));
  }

  history(options: { afterSeq?: number; limit: number; app?: string }): Promise<EnvelopeRow[]> {
    return this.#read((q) => q.history(options.afterSeq ?? 0, options.limit, options.app));
  }

  // ---- materialized objects ----
  getObject(id: string): Promise<ObjectRow | undefined> {
    return this.#read((q) => q.objects([id]).get(id));
  }

  getObjects(ids: readonly string[]): Promise<Map<string, ObjectRow>> {
    return this.#read((q) => q.objects(ids));
  }

  objectsOfType(app: string, kind: string, typeKey: string): Promise<ObjectRow[]> {
    return this.#read((q) => q.objectsOfType(app, kind, typeKey));
  }

  objectsOfApp(app: string): Promise<ObjectRow[]> {
    return this.#read((q) => q.objectsOfApp(app));
  }

  childrenOf(app: string, parentId: string): Promise<ObjectRow[]> {
    return this.#read((q) => q.childrenOf(app, parentId));
  }

  /** Every object in id order, in pages, each page its own read (as on Dexie). */
  async forEachObject(visit: (row: ObjectRow) => void, pageSize = 1000): Promise<void> {
    let last: string | undefined;
    for (;;) {
      const page = await this.#read((q) => q.objectPage(last, pageSize));
      for (const row of page) visit(row);
      if (page.length < pageSize) return;
      last = page[page.length - 1]!.id;
    }
  }

  versionsOf(objectId: string): Promise<VersionRow[]> {
    return this.#read((q) => q.versionsOf(objectId));
  }

  versionsOfEnvelopes(envelopeIds: readonly string[]): Promise<VersionRow[]> {
    return this.#read((q) => q.versionsOfEnvelopes(envelopeIds));
  }

  getIdentity(id: string): Promise<IdentityRow | undefined> {
    return this.#read((q) => q.identity(id));
  }

  listIdentities(): Promise<IdentityRow[]> {
    return this.#read((q) => q.identities());
  }

  // ---- sync cursors ----
  async getCursor(peer: string, domain: string): Promise<number> {
    return (await this.#read((q) => q.cursor(peer, domain)))?.seq ?? 0;
  }

  listCursors(peer: string): Promise<CursorRow[]> {
    return this.#read((q) => q.cursors(peer));
  }

  getFork(authorKey: string, keySeq: number): Promise<ForkRow | undefined> {
    return this.#read((q) => q.fork(authorKey, keySeq));
  }

  forkedAtOrBefore(authorKey: string, keySeq: number): Promise<boolean> {
    return this.#read((q) => q.forkedAtOrBefore(authorKey, keySeq));
  }

  listForks(): Promise<ForkRow[]> {
    return this.#read((q) => q.forks());
  }

  // ---- pending set ----
  getPending(id: string): Promise<PendingRow | undefined> {
    return this.#read((q) => q.pending(id));
  }

  pendingWaitingForAny(ids: readonly string[]): Promise<PendingRow[]> {
    return this.#read((q) => q.pendingWaitingForAny(ids));
  }

  countPending(): Promise<number> {
    return this.#read((q) => q.countPending());
  }

  listPending(limit: number): Promise<PendingRow[]> {
    return this.#read((q) => q.listPending(limit));
  }

  deletePending(id: string): Promise<void> {
    return this.#writeAlone((w) => w.deletePending([id]));
  }

  async putPending(row: PendingRow): Promise<Result<void>> {
    try {
      await this.#writeAlone((w) => w.putPending(row));
      return ok(undefined);
    } catch (cause) {
      return err(storageFailure(cause, "pending_write_failed"));
    }
  }

  // ---- app registry (node-local, DESIGN D8) ----
  getApp(slug: string): Promise<AppRow | undefined> {
    return this.#read((q) => q.app(slug));
  }

  listApps(): Promise<AppRow[]> {
    return this.#read((q) => q.apps());
  }

  async putApp(row: AppRow): Promise<Result<void>> {
    try {
      await this.#writeAlone((w) => w.putApp(row));
      return ok(undefined);
    } catch (cause) {
      return err(storageFailure(cause, "app_write_failed"));
    }
  }

  // ---- settings: the Config manager's persistence port ----
  readonly settings = {
    load: async (): Promise<Readonly<Record<string, JsonValue>>> =>
      Object.fromEntries((await this.#read((q) => q.settings())).map((row) => [row.key, JSON.parse(row.value) as JsonValue])),
    save: (entries: Readonly<Record<string, JsonValue>>): Promise<void> => this.#writeAlone((w) => w.putSettings(entries)),
  };
}
