// The write transaction's handle on SQLite (the core's WriteTx): every read and write of a batch on
// the writer connection, inside its one open transaction, so reads see the batch's own rows without
// caches. Made only by SqliteStorage.runWrite; it neither begins nor ends the transaction.
import { assert } from "../../core/shared/assert.ts";
import { nodeError } from "../../core/shared/errors.ts";
import { err, ok, type Result } from "../../core/shared/result.ts";
import type {
  Budgets,
  CommitPlan,
  CursorRow,
  EnvelopeRow,
  IdentityRow,
  ObjectRow,
  PendingRow,
  StubPlan,
  StubRow,
  VersionRow,
  WriteTx,
} from "../../core/storage/index.ts";
import { SqliteQueries, type Statements } from "./sqlite-queries.ts";
import { SqliteWrites } from "./sqlite-writes.ts";

export const GLOBAL_SEQ = "global_seq";
export const STORED_BYTES = "stored_bytes";

/** Thrown by apply when the stored global_seq is not the plan's predecessor; runWrite reports it coded. */
export class SequenceConflict extends Error {
  constructor(
    readonly stored: number,
    readonly expected: number,
  ) {
    super("sequence conflict");
  }
}

export class SqliteWriteScope implements WriteTx {
  readonly #queries: SqliteQueries;
  readonly #writes: SqliteWrites;
  #seq: number;
  #bytes: number;
  readonly #startSeq: number;
  #open = true;
  /**
   * The first write that failed. IndexedDB aborts a transaction whose request failed even if the
   * caller caught the error; SQLite only undoes the statement. Kept so runWrite rolls back all the same.
   */
  #failure: Error | undefined;

  constructor(sql: Statements, counters: { readonly globalSeq: number; readonly storedBytes: number }) {
    this.#queries = new SqliteQueries(sql);
    this.#writes = new SqliteWrites(sql);
    this.#seq = counters.globalSeq;
    this.#startSeq = counters.globalSeq;
    this.#bytes = counters.storedBytes;
  }

  get globalSeq(): number {
    return this.#seq;
  }

  get storedBytes(): number {
    return this.#bytes;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  /** The end of `work`: global_seq and the byte count are stored once, with the batch's rows. */
  finish(): void {
    this.#assertOpen();
    if (this.#seq !== this.#startSeq)
      this.#write(() => {
        this.#writes.putMeta(GLOBAL_SEQ, this.#seq);
        this.#writes.putMeta(STORED_BYTES, this.#bytes);
      });
  }

  close(): void {
    this.#open = false;
  }

  #assertOpen(): void {
    assert(this.#open, "a write transaction is used only inside its runWrite");
  }

  /** A read: refused at once (not as a rejection) after the end, as the Dexie scope refuses it. */
  #read<T>(query: (queries: SqliteQueries) => T): Promise<T> {
    this.#assertOpen();
    return Promise.resolve(query(this.#queries));
  }

  /** A write call: runs now, and a refusal (a closed handle included) is its promise's rejection. */
  #call<T>(run: () => T): Promise<T> {
    return settled(() => {
      this.#assertOpen();
      return run();
    });
  }

  #write(write: () => void): void {
    try {
      write();
    } catch (cause) {
      this.#failure ??= cause instanceof Error ? cause : new Error(String(cause));
      throw cause;
    }
  }

  // ---- reads ----
  getEnvelopes(ids: readonly string[]): Promise<(EnvelopeRow | undefined)[]> {
    return this.#read((q) => q.envelopes(ids));
  }

  getEnvelope(id: string): Promise<EnvelopeRow | undefined> {
    return this.#read((q) => q.envelopes([id])[0]);
  }

  getStubs(ids: readonly string[]): Promise<(StubRow | undefined)[]> {
    return this.#read((q) => q.stubs(ids));
  }

  envelopeIdsAtKeySeq(authorKey: string, keySeq: number): Promise<string[]> {
    return this.#read((q) => q.envelopeIdsAtKeySeq(authorKey, keySeq));
  }

  forkedAtOrBefore(authorKey: string, keySeq: number): Promise<boolean> {
    return this.#read((q) => q.forkedAtOrBefore(authorKey, keySeq));
  }

  /** Nothing to warm: a lookup on the open transaction costs microseconds, not a round trip. */
  prefetch(): Promise<void> {
    return this.#read(() => undefined);
  }

  envelopesOfKeyFrom(authorKey: string, keySeq: number): Promise<EnvelopeRow[]> {
    return this.#read((q) => q.envelopesOfKeyFrom(authorKey, keySeq));
  }

  dependentsOf(id: string): Promise<EnvelopeRow[]> {
    return this.#read((q) => q.dependentsOf(id));
  }

  getObject(id: string): Promise<ObjectRow | undefined> {
    return this.#read((q) => q.objects([id]).get(id));
  }

  getObjects(ids: readonly string[]): Promise<Map<string, ObjectRow>> {
    return this.#read((q) => q.objects(ids));
  }

  objectsOfType(app: string, kind: string, typeKey: string): Promise<ObjectRow[]> {
    return this.#read((q) => q.objectsOfType(app, kind, typeKey));
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

  getPending(id: string): Promise<PendingRow | undefined> {
    return this.#read((q) => q.pending(id));
  }

  countPending(): Promise<number> {
    return this.#read((q) => q.countPending());
  }

  // ---- writes ----
  /** Like putPending on the manager: a refused row is a coded failure, and rolls the batch back. */
  putPending(row: PendingRow): Promise<Result<void>> {
    return this.#call(() => {
      try {
        this.#write(() => this.#writes.putPending(row));
        return ok(undefined);
      } catch (cause) {
        return err(storageFailure(cause, "pending_write_failed"));
      }
    });
  }

  deletePending(id: string): Promise<void> {
    return this.#call(() => this.#write(() => this.#writes.deletePending([id])));
  }

  /** One envelope's rows; global_seq moves with them. Over budget: nothing written, a coded error. */
  apply(plan: CommitPlan, budgets: Budgets): Promise<Result<{ seq: number }>> {
    return this.#call(() => this.#apply(plan, budgets));
  }

  #apply(plan: CommitPlan, budgets: Budgets): Result<{ seq: number }> {
    const bytes = plan.envelope.text.length;
    if (plan.seq > budgets.maxEnvelopes || this.#bytes + bytes > budgets.maxBytes) {
      return err(
        nodeError("ERR_MNG_STORAGE_BUDGET_EXCEEDED", "The node's storage budget is used up.", {
          reason: plan.seq > budgets.maxEnvelopes ? "max_envelopes" : "max_bytes",
        }),
      );
    }
    // BEGIN IMMEDIATE holds the write lock: only this transaction moves the stored sequence now,
    // and its finish stores it; so the count it left is this transaction's own #seq.
    const stored = this.#seq === this.#startSeq ? (this.#queries.meta(GLOBAL_SEQ) ?? 0) : this.#seq;
    if (plan.seq !== stored + 1) throw new SequenceConflict(stored, plan.seq);
    this.#write(() => {
      this.#writes.addEnvelope(plan.envelope);
      for (const id of plan.suppressEnvelopes ?? []) this.#writes.suppressEnvelope(id);
      this.#writes.putObjects(plan.objects);
      this.#writes.putVersions(plan.versions);
      if (plan.fork !== undefined) this.#writes.putFork(plan.fork);
      if (plan.identity !== undefined) this.#writes.putIdentity(plan.identity);
      this.#writes.deletePending(plan.removePending ?? []);
      if (plan.replacesStub !== undefined) this.#writes.deleteStub(plan.replacesStub);
    });
    this.#seq = plan.seq;
    this.#bytes += bytes;
    return ok({ seq: plan.seq });
  }

  holdStub(plan: StubPlan): Promise<void> {
    return this.#call(() =>
      this.#write(() => {
        this.#writes.addStub(plan.stub);
        if (plan.fork !== undefined) this.#writes.putFork(plan.fork);
        this.#writes.deletePending(plan.removePending ?? []);
      }),
    );
  }

  applyChanges(changes: {
    readonly objects: readonly ObjectRow[];
    readonly versions: readonly VersionRow[];
    readonly suppressEnvelopes: readonly string[];
  }): Promise<void> {
    return this.#call(() =>
      this.#write(() => {
        for (const id of changes.suppressEnvelopes) this.#writes.suppressEnvelope(id);
        this.#writes.putObjects(changes.objects);
        this.#writes.putVersions(changes.versions);
      }),
    );
  }

  /** Protocol (DESIGN §3): the cursor moves with the package that moved it, in its transaction. */
  putCursor(row: CursorRow): Promise<void> {
    return this.#call(() => this.#write(() => this.#writes.putCursor(row)));
  }
}

/** `run`'s value as a promise, or its throw as the promise's rejection (what an async function does). */
export function settled<T>(run: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(run()));
}

/** A refusal of the database as the node's coded storage error. */
export function storageFailure(cause: unknown, reason: string) {
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  // The file reached its size cap or the disk is full: the same code as IndexedDB's quota on Dexie.
  if ((cause as { code?: unknown } | null)?.code === "SQLITE_FULL")
    return nodeError("ERR_STORAGE_QUOTA", "This device has no room left for 2WAY's data; nothing of the write was kept.", {
      reason: "quota_exceeded",
      cause: message,
    });
  return nodeError("ERR_MNG_STORAGE_TX_ABORTED", "The database refused the operation.", { reason, cause: message });
}
