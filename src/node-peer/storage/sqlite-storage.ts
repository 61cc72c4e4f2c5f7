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
import { SqliteQueries, Statements } from "./sqlite-queries.ts";
import { configure, migrate } from "./sqlite-schema.ts";
import { SqliteWrites } from "./sqlite-writes.ts";
import { GLOBAL_SEQ, SequenceConflict, settled, SqliteWriteScope, STORED_BYTES, storageFailure } from "./sqlite-write-tx.ts";

type Connections = {
  readonly writer: Database.Database;
  readonly writerSql: Statements;
  readonly reader: SqliteQueries;
  readonly readerDb: Database.Database;
};

export class SqliteStorage implements NodeStorage {
  #connections: Connections | undefined;
  #globalSeq = 0;
  #storedBytes = 0;
  /** Set from runWrite's call to its end: one write transaction at a time. */
  #writing = false;
  /** Settles when the current write transaction ends: writes outside it wait for it (one writer). */
  #writeEnded: Promise<void> = Promise.resolve();

  /** `path`: the database file; its -wal and -shm files sit beside it. */
  constructor(readonly path: string) {}

  open(): Promise<Result<{ globalSeq: number }>> {
    return settled(() => this.#openNow());
  }

  #openNow(): Result<{ globalSeq: number }> {
    try {
      const writer = new Database(this.path);
      configure(writer);
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
      const connections = { writer, writerSql: new Statements(writer), readerDb, reader: new SqliteQueries(new Statements(readerDb)) };
      const globalSeq = connections.reader.meta(GLOBAL_SEQ) ?? 0;
      // Fail closed on an inconsistent sequence rather than reuse a number (digest 2.2).
      if (connections.reader.lastSeq() !== globalSeq) {
        writer.close();
        readerDb.close();
        return err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The stored sequence is inconsistent.", { reason: "sequence_mismatch" }));
      }
      this.#connections = connections;
      this.#globalSeq = globalSeq;
      this.#storedBytes = connections.reader.meta(STORED_BYTES) ?? 0;
      return ok({ globalSeq });
    } catch (cause) {
      return err(
        nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The node database could not be opened.", { reason: "open_failed", cause: String(cause) }),
      );
    }
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
  async #writeAlone(write: (writes: SqliteWrites) => void): Promise<void> {
    while (this.#writing) await this.#writeEnded;
    const { writer, writerSql } = this.#open();
    writer.transaction(() => write(new SqliteWrites(writerSql))).immediate();
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
          nodeError("ERR_MNG_GRAPH_SEQUENCE_CONFLICT", "Another writer moved the sequence.", { expected: cause.expected, stored: cause.stored }),
        );
      }
      return err(storageFailure(cause, "commit_failed"));
    } finally {
      scope?.close();
      this.#writing = false;
      ended();
    }
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
