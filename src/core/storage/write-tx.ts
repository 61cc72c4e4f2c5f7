// The write transaction's handle (issue 11): everything the Graph reads and writes while it
// evaluates a batch goes through it, so cached reads are the transaction's own and no caller
// sniffs which transaction is current. Made only by StorageManager.runWrite.
import Dexie, { type Transaction } from "dexie";
import { assert } from "../shared/assert.ts";
import { nodeError } from "../shared/errors.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { GLOBAL_SEQ, keySeqKey, STORED_BYTES, type Stores } from "./node-database.ts";
import type { CursorRow, EnvelopeRow, IdentityRow, ObjectRow, PendingRow, StubRow, VersionRow } from "./rows.ts";
import type { Budgets, CommitPlan, StubPlan } from "./storage-manager.ts";
import { PlannedRows } from "./planned-rows.ts";
import { byId, StoreQueries, type StubHint } from "./store-queries.ts";

/** What a batch is checked against; see WriteTx.prefetch. */
export type PrefetchBatch = {
  readonly envelopeIds: readonly string[];
  readonly keySeqs: readonly (readonly [string, number])[];
  readonly own?: readonly { readonly id: string; readonly authorKey: string; readonly keySeq: number }[];
};

export type WriteTx = {
  /** global_seq including the plans this transaction applied so far. */
  readonly globalSeq: number;

  // ---- history, answered from the transaction's cache where it has one ----
  getEnvelopes(ids: readonly string[]): Promise<(EnvelopeRow | undefined)[]>;
  getEnvelope(id: string): Promise<EnvelopeRow | undefined>;
  getStubs(ids: readonly string[]): Promise<(StubRow | undefined)[]>;
  envelopeIdsAtKeySeq(authorKey: string, keySeq: number): Promise<string[]>;
  forkedAtOrBefore(authorKey: string, keySeq: number): Promise<boolean>;
  /**
   * Warms the caches for a batch: each envelope, its prev and deps, and its key's seq. `own` names the
   * batch's envelopes by where they would be stored (their key's seq): one read of a key's seqs then
   * answers whether each is here, instead of one lookup per id (ADR 0033).
   */
  prefetch(batch: PrefetchBatch): Promise<void>;
  envelopesOfKeyFrom(authorKey: string, keySeq: number): Promise<EnvelopeRow[]>;
  dependentsOf(id: string): Promise<EnvelopeRow[]>;

  // ---- materialized state ----
  getObject(id: string): Promise<ObjectRow | undefined>;
  getObjects(ids: readonly string[]): Promise<Map<string, ObjectRow>>;
  objectsOfType(app: string, kind: string, typeKey: string): Promise<ObjectRow[]>;
  versionsOf(objectId: string): Promise<VersionRow[]>;
  versionsOfEnvelopes(envelopeIds: readonly string[]): Promise<VersionRow[]>;
  getIdentity(id: string): Promise<IdentityRow | undefined>;
  listIdentities(): Promise<IdentityRow[]>;

  // ---- the pending set ----
  getPending(id: string): Promise<PendingRow | undefined>;
  countPending(): Promise<number>;
  putPending(row: PendingRow): Promise<Result<void>>;
  deletePending(id: string): Promise<void>;

  // ---- writes ----
  /** One envelope's rows; global_seq moves with them. Over budget: nothing written, a coded error. */
  apply(plan: CommitPlan, budgets: Budgets): Promise<Result<{ seq: number }>>;
  holdStub(plan: StubPlan): Promise<void>;
  /** A revocation's or fork's withdrawals after an applied plan: rows and statuses; global_seq stays. */
  applyChanges(changes: {
    readonly objects: readonly ObjectRow[];
    readonly versions: readonly VersionRow[];
    readonly suppressEnvelopes: readonly string[];
  }): Promise<void>;
  /** A sync cursor moves only with the package that moved it. */
  putCursor(row: CursorRow): Promise<void>;
};

/**
 * The write transaction in progress: its counters, published by runWrite only when it commits, and
 * its caches. Every query goes to the stores bound to this transaction, so a call made after an
 * await that lost Dexie's zone still reads and writes inside it, and a call after the end fails.
 *
 * Only this scope writes envelope, stub and fork rows (apply, holdStub, #suppress), and it updates
 * the caches as it does, so a cached answer (or a cached absence) is what the database would return.
 * Readers outside the transaction never see them: they must not read its uncommitted rows.
 *
 * apply, the hot path, does not write: it adds its plan to the batch's buffer (PlannedRows), which
 * goes out as one bulk write per store when the batch ends (finish), so a batch of n envelopes costs
 * no round trip per envelope (issue 17). A read the caches and the buffer cannot answer, and every
 * other write, sends the buffer first: the database then holds exactly what writing each plan at once
 * would have left, in the same order.
 */
export class WriteScope extends StoreQueries implements WriteTx {
  #seq: number;
  #bytes: number;
  /** global_seq in meta as this transaction leaves it: read at the first apply, then moved by each plan. */
  #storedSeq: number | undefined;
  readonly #startSeq: number;
  /** Envelope rows by id read or written in this transaction; null records an absence. */
  readonly #envelopes = new Map<string, EnvelopeRow | null>();
  /** Stub rows by id, the same way. */
  readonly #stubs = new Map<string, StubRow | null>();
  /** Ids of the envelopes and stubs at one key's seq (keySeqKey), read or written in this transaction. */
  readonly #idsAtKeySeq = new Map<string, string[]>();
  /** The seqs at which a key forked, by key, read or written in this transaction. */
  readonly #forkSeqs = new Map<string, number[]>();
  /** Applied plans not yet sent to the database. */
  #planned = new PlannedRows();
  #open = true;

  constructor(dexie: Transaction & Stores, counters: { readonly globalSeq: number; readonly storedBytes: number }, hint: StubHint) {
    // The transaction's own hint: a stub it holds makes it look for stubs; the manager adopts it on commit.
    super(dexie, { ...hint });
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

  /** Whether this transaction may have left stubs in the database (see StubHint). */
  get maybeStubs(): boolean {
    return this.hint.maybeStubs;
  }

  /**
   * The end of `work`: global_seq and the byte count are stored once per transaction, with all of its
   * rows: the same committed state as storing them with each plan, for two writes less per envelope.
   */
  async finish(): Promise<void> {
    this.#assertOpen();
    // Sent together: IndexedDB runs a transaction's requests in order, and any failure aborts it all.
    await Dexie.Promise.all([
      this.#flush(),
      this.#seq === this.#startSeq
        ? undefined
        : this.stores.meta.bulkPut([
            { key: GLOBAL_SEQ, value: this.#seq },
            { key: STORED_BYTES, value: this.#bytes },
          ]),
    ]);
  }

  /** After commit or rollback: the caches describe a transaction that no longer exists. */
  close(): void {
    this.#open = false;
  }

  #assertOpen(): void {
    assert(this.#open, "a write transaction is used only inside its runWrite");
  }

  // ---- history, cached ----
  /**
   * Inside runWrite: reads at once what the Graph checks each envelope of a batch against (is it here,
   * are its prev and deps, which envelopes hold its key's seq), so evaluating the batch costs no
   * round trip per envelope for them.
   */
  async prefetch(batch: PrefetchBatch): Promise<void> {
    this.#assertOpen();
    // In the same round trip as the key ranges: what apply and the fork check would each read alone.
    const keys = [...new Set(batch.keySeqs.map(([key]) => key))];
    const alongside: Promise<unknown>[] = [this.#readStoredSeq(), ...keys.map((key) => this.#forksOf(key))];
    const [ranged] = await Dexie.Promise.all([this.#prefetchKeyRanges(batch), Dexie.Promise.all(alongside)]);
    const reads: Promise<unknown>[] = [
      this.getEnvelopes(batch.envelopeIds),
      this.getStubs(batch.envelopeIds),
      ...batch.keySeqs.filter(([key, seq]) => !ranged.has(keySeqKey(key, seq))).map(([key, seq]) => this.envelopeIdsAtKeySeq(key, seq)),
    ];
    await Dexie.Promise.all(reads);
  }

  /**
   * One range read per key of the batch (from the seq before its lowest to its highest, when the batch
   * fills most of that range): every seq listing in it, every row found, and the absence of each of the
   * batch's own envelopes there, since a stored envelope sits at its own key's seq. Returns the
   * listings it answered.
   */
  #prefetchKeyRanges(batch: PrefetchBatch): Promise<Set<string>> {
    const ranged = new Set<string>();
    const seqsByKey = new Map<string, number[]>();
    for (const [key, seq] of batch.keySeqs) seqsByKey.set(key, [...(seqsByKey.get(key) ?? []), seq]);
    const ownByKey = new Map<string, { readonly id: string; readonly keySeq: number }[]>();
    for (const own of batch.own ?? []) ownByKey.set(own.authorKey, [...(ownByKey.get(own.authorKey) ?? []), own]);
    const ranges = [...seqsByKey].flatMap(([key, seqs]) => {
      const low = Math.max(0, Math.min(...seqs) - 1);
      const high = Math.max(...seqs);
      // A sparse spread (a few seqs far apart) reads its seqs one by one instead.
      return high - low + 1 <= 2 * seqs.length + 2 ? [{ key, low, high }] : [];
    });
    const withdrawn = this.#planned.suppressStored;
    const stubsToo = this.hint.maybeStubs;
    return Dexie.Promise.all(
      ranges.map(({ key, low, high }) => {
        const range = [
          [key, low],
          [key, high],
        ] as const;
        const envelopes = this.stores.envelopes.where("[authorKey+keySeq]").between(range[0], range[1], true, true).toArray();
        const held = stubsToo ? this.stores.stubs.where("[authorKey+keySeq]").between(range[0], range[1], true, true).toArray() : [];
        return Dexie.Promise.all([envelopes, held]).then(([rows, stubs]) => {
          const idsAt = new Map<number, string[]>();
          for (const row of [...rows, ...stubs]) idsAt.set(row.keySeq, [...new Set([...(idsAt.get(row.keySeq) ?? []), row.id])]);
          for (let seq = low; seq <= high; seq += 1) {
            const at = keySeqKey(key, seq);
            ranged.add(at);
            if (!this.#idsAtKeySeq.has(at))
              this.#idsAtKeySeq.set(at, [...new Set([...(idsAt.get(seq) ?? []), ...this.#planned.idsAtKeySeq(at)])]);
          }
          for (const row of rows)
            if (!this.#envelopes.has(row.id)) this.#envelopes.set(row.id, withdrawn.has(row.id) ? { ...row, status: "suppressed" } : row);
          for (const stub of stubs) if (!this.#stubs.has(stub.id)) this.#stubs.set(stub.id, stub);
          for (const own of ownByKey.get(key) ?? []) {
            if (own.keySeq < low || own.keySeq > high) continue;
            if (!this.#envelopes.has(own.id)) this.#envelopes.set(own.id, null);
            if (stubsToo && !this.#stubs.has(own.id)) this.#stubs.set(own.id, null);
          }
        });
      }),
    ).then(() => ranged);
  }

  /**
   * Rows for `ids`, in order (undefined where absent). The answers are remembered for the rest of the
   * transaction: the Graph asks for each envelope, its prev and its deps, and warms the cache for a
   * whole batch with one call (prefetch).
   */
  override getEnvelopes(ids: readonly string[]): Promise<(EnvelopeRow | undefined)[]> {
    this.#assertOpen();
    const cache = this.#envelopes;
    // Always a Dexie promise, even when answered from the cache: Dexie keeps the transaction's zone
    // across native awaits only for a bounded number of microtasks after each Dexie promise, so a
    // long run of cached answers as native promises (a package of duplicates) would lose it and the
    // transaction would commit early (PrematureCommitError).
    const answer = () => ids.map((id) => cache.get(id) ?? undefined);
    const wanted = [...new Set(ids)].filter((id) => !cache.has(id));
    if (wanted.length === 0) return Dexie.Promise.resolve(answer());
    const withdrawn = this.#planned.suppressStored;
    return byId(this.stores.envelopes, wanted).then((rows) => {
      // A stored row this batch withdrew is still marked accepted in the database until the buffer goes out.
      wanted.forEach((id, i) => {
        const row = rows[i];
        cache.set(id, row === undefined ? null : withdrawn.has(id) ? { ...row, status: "suppressed" } : row);
      });
      return answer();
    });
  }

  /** Stubs held for `ids`, in order (undefined where none); cached like getEnvelopes. */
  override getStubs(ids: readonly string[]): Promise<(StubRow | undefined)[]> {
    this.#assertOpen();
    const cache = this.#stubs;
    const answer = () => ids.map((id) => cache.get(id) ?? undefined);
    const wanted = [...new Set(ids)].filter((id) => !cache.has(id));
    // No stub in the database and none held here yet: every answer is "none" (StubHint).
    if (wanted.length === 0 || !this.hint.maybeStubs) return Dexie.Promise.resolve(answer()); // a Dexie promise: see getEnvelopes
    return this.stores.stubs.bulkGet(wanted).then((rows) => {
      wanted.forEach((id, i) => cache.set(id, rows[i] ?? null));
      return answer();
    });
  }

  /** Cached per key and seq: apply and holdStub keep the list current. */
  override envelopeIdsAtKeySeq(authorKey: string, keySeq: number): Promise<string[]> {
    this.#assertOpen();
    const key = keySeqKey(authorKey, keySeq);
    const cached = this.#idsAtKeySeq.get(key);
    if (cached !== undefined) return Dexie.Promise.resolve([...cached]); // a Dexie promise: see getEnvelopes
    // The database's, and those of this key's seq still in the buffer.
    return super.envelopeIdsAtKeySeq(authorKey, keySeq).then((stored) => {
      const ids = [...new Set([...stored, ...this.#planned.idsAtKeySeq(key)])];
      this.#idsAtKeySeq.set(key, [...ids]);
      return ids;
    });
  }

  /** One read per key and transaction: all its forks (there are few), kept current by apply and holdStub. */
  override forkedAtOrBefore(authorKey: string, keySeq: number): Promise<boolean> {
    this.#assertOpen();
    return this.#forksOf(authorKey).then((seqs) => seqs.some((s) => s >= 0 && s <= keySeq));
  }

  #forksOf(authorKey: string): Promise<readonly number[]> {
    const cached = this.#forkSeqs.get(authorKey);
    if (cached !== undefined) return Dexie.Promise.resolve(cached); // a Dexie promise: see getEnvelopes
    return this.stores.forks
      .where("[authorKey+keySeq]")
      .between([authorKey, Dexie.minKey], [authorKey, Dexie.maxKey])
      .primaryKeys()
      .then((keys) => {
        const seqs = [...keys.map(([, seq]) => seq), ...this.#planned.forks.filter((f) => f.authorKey === authorKey).map((f) => f.keySeq)];
        this.#forkSeqs.set(authorKey, seqs);
        return seqs;
      });
  }

  /**
   * global_seq as stored when this transaction began. Another writer (a second tab) can only have
   * moved it before: inside the transaction, meta is locked and only finish writes it, at the end.
   */
  #readStoredSeq(): Promise<number> {
    if (this.#storedSeq !== undefined) return Dexie.Promise.resolve(this.#storedSeq);
    return this.stores.meta.get(GLOBAL_SEQ).then((row) => (this.#storedSeq ??= row?.value ?? 0));
  }

  // ---- writes ----
  /**
   * Writes one envelope's plan: all its rows, and global_seq moves with them. Over budget, it writes
   * nothing and says so; the batch goes on without it.
   */
  async apply(plan: CommitPlan, budgets: Budgets): Promise<Result<{ seq: number }>> {
    this.#assertOpen();
    const bytes = plan.envelope.text.length;
    if (plan.seq > budgets.maxEnvelopes || this.#bytes + bytes > budgets.maxBytes) {
      return err(
        nodeError("ERR_MNG_STORAGE_BUDGET_EXCEEDED", "The node's storage budget is used up.", {
          reason: plan.seq > budgets.maxEnvelopes ? "max_envelopes" : "max_bytes",
        }),
      );
    }
    const storedSeq = await this.#readStoredSeq();
    if (plan.seq !== storedSeq + 1) throw new SequenceConflict(storedSeq, plan.seq);
    this.#suppressCached(plan.suppressEnvelopes ?? []);
    this.#planned.add(plan);
    this.#envelopes.set(plan.envelope.id, plan.envelope);
    if (plan.replacesStub !== undefined) this.#stubs.set(plan.replacesStub, null);
    // An upgraded stub was already listed at its key's seq, under the same id.
    const atSeq = this.#idsAtKeySeq.get(keySeqKey(plan.envelope.authorKey, plan.envelope.keySeq));
    if (atSeq !== undefined && !atSeq.includes(plan.envelope.id)) atSeq.push(plan.envelope.id);
    if (plan.fork !== undefined) this.#forkSeqs.get(plan.fork.authorKey)?.push(plan.fork.keySeq);
    this.#storedSeq = plan.seq;
    this.#seq = plan.seq;
    this.#bytes += bytes;
    return ok({ seq: plan.seq });
  }

  /** Holds a stub (no global_seq: a stub has no effects), with the fork it reveals. */
  async holdStub(plan: StubPlan): Promise<void> {
    this.#assertOpen();
    await this.#flush();
    this.hint.maybeStubs = true;
    const stores = this.stores;
    await Promise.all([
      stores.stubs.add(plan.stub),
      plan.fork === undefined ? undefined : stores.forks.put(plan.fork),
      plan.removePending !== undefined && plan.removePending.length > 0 ? stores.pending.bulkDelete([...plan.removePending]) : undefined,
    ]);
    this.#stubs.set(plan.stub.id, plan.stub);
    this.#idsAtKeySeq.get(keySeqKey(plan.stub.authorKey, plan.stub.keySeq))?.push(plan.stub.id);
    if (plan.fork !== undefined) this.#forkSeqs.get(plan.fork.authorKey)?.push(plan.fork.keySeq);
  }

  /** Extra changes after an applied plan (a revocation's withdrawals): rows and envelope statuses only. */
  async applyChanges(changes: {
    readonly objects: readonly ObjectRow[];
    readonly versions: readonly VersionRow[];
    readonly suppressEnvelopes: readonly string[];
  }): Promise<void> {
    this.#assertOpen();
    await this.#flush();
    this.#suppressCached(changes.suppressEnvelopes);
    await this.#suppressStored(changes.suppressEnvelopes);
    if (changes.objects.length > 0) await this.stores.objects.bulkPut([...changes.objects]);
    if (changes.versions.length > 0) await this.stores.versions.bulkPut([...changes.versions]);
  }

  /** Protocol (DESIGN §3): the cursor moves with the package that moved it, in its transaction. */
  async putCursor(row: CursorRow): Promise<void> {
    this.#assertOpen();
    await this.#flush();
    await this.stores.cursors.put(row);
  }

  /** Marks envelopes suppressed in the envelope cache and the buffer; #suppressStored marks the database's rows. */
  #suppressCached(ids: readonly string[]): void {
    for (const id of ids) {
      const cached = this.#envelopes.get(id);
      if (cached !== undefined && cached !== null) this.#envelopes.set(id, { ...cached, status: "suppressed" });
      this.#planned.suppress(id);
    }
  }

  #suppressStored(ids: readonly string[]): Promise<unknown> {
    return Dexie.Promise.all(ids.map((id) => this.stores.envelopes.where("id").equals(id).modify({ status: "suppressed" })));
  }

  /** Sends the buffered plans: one bulk write per store, all at once (IndexedDB keeps their order). */
  #flush(): Promise<unknown> {
    const rows = this.#planned;
    if (rows.isEmpty()) return Dexie.Promise.resolve();
    this.#planned = new PlannedRows();
    const stores = this.stores;
    const some = <T>(list: readonly T[], write: (list: T[]) => Promise<unknown>) => (list.length > 0 ? write([...list]) : undefined);
    return Dexie.Promise.all([
      some(rows.envelopes(), (list) => stores.envelopes.bulkAdd(list)),
      this.#suppressStored([...rows.suppressStored]),
      some(rows.objects(), (list) => stores.objects.bulkPut(list)),
      some(rows.versions(), (list) => stores.versions.bulkPut(list)),
      some(rows.forks, (list) => stores.forks.bulkPut(list)),
      some(rows.identities(), (list) => stores.identities.bulkPut(list)),
      some([...rows.pendingDeletes], (list) => stores.pending.bulkDelete(list)),
      some([...rows.stubDeletes], (list) => stores.stubs.bulkDelete(list)),
    ]);
  }

  // ---- reads the buffer answers, or sends the buffer first ----
  override getObject(id: string): Promise<ObjectRow | undefined> {
    return this.getObjects([id]).then((rows) => rows.get(id));
  }

  /** Planned rows first; only the others are read (the buffer holds no other version of them). */
  override getObjects(ids: readonly string[]): Promise<Map<string, ObjectRow>> {
    this.#assertOpen();
    const planned = this.#planned;
    const rest = ids.filter((id) => !planned.hasObject(id));
    return super.getObjects(rest).then((stored) => {
      for (const id of ids) {
        const row = planned.object(id);
        if (row !== undefined) stored.set(id, row);
      }
      return stored;
    });
  }

  override getIdentity(id: string): Promise<IdentityRow | undefined> {
    this.#assertOpen();
    const planned = this.#planned.identity(id);
    return planned !== undefined ? Dexie.Promise.resolve(planned) : super.getIdentity(id);
  }

  override objectsOfType(app: string, kind: string, typeKey: string): Promise<ObjectRow[]> {
    return this.#flushThen(() => super.objectsOfType(app, kind, typeKey));
  }
  override versionsOf(objectId: string): Promise<VersionRow[]> {
    return this.#flushThen(() => super.versionsOf(objectId));
  }
  override versionsOfEnvelopes(envelopeIds: readonly string[]): Promise<VersionRow[]> {
    return this.#flushThen(() => super.versionsOfEnvelopes(envelopeIds));
  }
  override envelopesOfKeyFrom(authorKey: string, keySeq: number): Promise<EnvelopeRow[]> {
    return this.#flushThen(() => super.envelopesOfKeyFrom(authorKey, keySeq));
  }
  override dependentsOf(id: string): Promise<EnvelopeRow[]> {
    return this.#flushThen(() => super.dependentsOf(id));
  }
  override listIdentities(): Promise<IdentityRow[]> {
    return this.#flushThen(() => super.listIdentities());
  }
  override getPending(id: string): Promise<PendingRow | undefined> {
    return this.#flushThen(() => super.getPending(id));
  }
  override countPending(): Promise<number> {
    return this.#flushThen(() => super.countPending());
  }
  override deletePending(id: string): Promise<void> {
    return this.#flushThen(() => super.deletePending(id));
  }
  override putPending(row: PendingRow): Promise<Result<void>> {
    return this.#flushThen(() => super.putPending(row));
  }

  #flushThen<T>(read: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    return this.#flush().then(read);
  }
}

/** Thrown by apply when the stored global_seq is not the plan's predecessor; runWrite reports it coded. */
export class SequenceConflict extends Error {
  constructor(
    readonly stored: number,
    readonly expected: number,
  ) {
    super("sequence conflict");
  }
}
