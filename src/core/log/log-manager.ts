// The Log manager: the node's mandatory audit sink (architecture 12), an append-only hash chain in its
// own database (DESIGN D5), anchored by checkpoints signed with the node key (ADR 0017). It records,
// reads, verifies and repairs by appending; it never updates or deletes a record. When its database
// cannot write it says so at once (the node then refuses writes) and recovers by itself.
import { assert } from "../shared/assert.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { nodeError, type NodeError } from "../shared/errors.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { createLogDatabase, type LogDatabase } from "../storage/index.ts";
import { chainRecords, EMPTY_TAIL, linkDefect, type ChainTail } from "./audit-chain.ts";
import { checkAuditEntry } from "./audit-entry.ts";
import { checkAuditQuery, runAuditQuery } from "./audit-query.ts";
import { excusedBy, nextPosition, repairEntry, report, sealedRepairs, type ChainReport } from "./chain-repair.ts";
import { walkChain } from "./chain-walk.ts";
import { checkCheckpoint, signCheckpoint, type LogAnchor, type SignedCheckpoint } from "./checkpoint.ts";
import { createRejectionCounter } from "./rejection-counter.ts";
import { MAX_QUERY_LIMIT, type AuditEntry, type AuditPage, type AuditQuery, type AuditRecord, type ChainHead } from "./types.ts";

export interface LogManager {
  /** Opens the database and reads the newest record; a damaged one waits for anchor() to repair it. */
  open(): Promise<Result<void>>;
  /**
   * Binds the chain to the node key (ADR 0017): checks the signed checkpoint kept beside global_seq,
   * repairs what no longer meets it, names commits that lack outcome records, and from now on signs
   * a checkpoint after every write. Returns the repair it made, if any.
   */
  anchor(anchor: LogAnchor): Promise<Result<ChainReport | null>>;
  record(entry: AuditEntry): Promise<Result<AuditRecord>>;
  /** All entries in one transaction, consecutive seqs; one invalid entry writes nothing. Rejection floods are counted. */
  recordMany(entries: readonly AuditEntry[], options?: RecordOptions): Promise<Result<readonly AuditRecord[]>>;
  /** Newest first; limit 1..maxQueryLimit, default 100. */
  query(filter: AuditQuery): Promise<Result<AuditPage>>;
  /** verify() as a head or ERR_MNG_LOG_RECORD_INVALID naming the first break (`data.at_seq`). */
  verifyChain(): Promise<Result<ChainHead>>;
  /** Every hash and link, in batches, against the newest signed anchor; breaks a sealed repair owns are listed under repairs. */
  verify(): Promise<Result<ChainReport>>;
  /** Appends one signed record naming every break found, so the log verifies again; changes no record. */
  repair(): Promise<Result<ChainReport>>;
  /** False from a failed write until the log has written again. */
  isWritable(): boolean;
  /** Settles once the log can write (at once when it can); used by tests and by Health. */
  whenWritable(): Promise<void>;
  onAvailability(listener: (writable: boolean, error: NodeError | null) => void): void;
  /** Writes the counts of rejection windows that are still open. */
  flushCounts(): Promise<Result<void>>;
  /** Waits for queued writes and the last checkpoint, then closes; later calls fail. */
  close(): Promise<void>;
}

export type LogManagerOptions = {
  readonly name: string;
  readonly idb: IdbEnvironment;
  /** Another adapter of the log database port than Dexie over `idb` (SQLite in Node.js: ADR 0028). */
  readonly database?: () => LogDatabase<AuditRecord>;
  readonly clock: Clock;
  /** Config `log.query.max_limit`; at most 1000. */
  readonly maxQueryLimit?: number;
};

/** Rows read per batch by verify: bounded memory whatever the log's length. */
export const VERIFY_BATCH = 512;

const RETRY_MS = [100, 250, 500, 1000, 2000, 5000] as const;

/**
 * A checkpoint is signed this long after the first write it covers (issue 17): it is a write to the
 * node database, and one per write made every next commit wait for it. A checkpoint may lag the
 * tail (the walk at start meets the older one), so a burst signs once; close() signs at once.
 */
export const CHECKPOINT_DELAY_MS = 250;

/**
 * A record asked to be written soon waits at most this long for the next append (issue 17, ADR
 * 0038): a write's outcome records then share the next write's intent transaction instead of the
 * intent queueing behind them. A crash in that window loses them; the reconcile names the commits.
 */
export const SOON_MS = 20;

export type RecordOptions = {
  /** Write with the next append, or after SOON_MS: for outcome records nothing waits on. */
  readonly soon?: boolean;
};

function unavailable(reason: string, cause?: unknown): NodeError {
  const detail = cause instanceof Error ? `: ${cause.message}` : typeof cause === "string" ? `: ${cause}` : "";
  return nodeError("ERR_MNG_LOG_UNAVAILABLE", `The audit log cannot write right now (${reason})${detail}.`, { reason });
}

function broken(defect: string, atSeq: number): NodeError {
  return nodeError("ERR_MNG_LOG_RECORD_INVALID", `audit chain broken at seq ${atSeq} (${defect})`, { reason: defect, at_seq: atSeq });
}

/** The tail after the newest row, if that row is internally sound (its own shape and hash). */
function soundTail(row: AuditRecord): ChainTail | undefined {
  if (!Number.isSafeInteger(row.seq) || typeof row.prevHash !== "string") return undefined;
  return linkDefect({ seq: row.seq - 1, hash: row.prevHash }, row) === undefined ? { seq: row.seq, hash: row.hash } : undefined;
}

export function createLogManager(options: LogManagerOptions): LogManager {
  const { name, idb, clock } = options;
  const maxQueryLimit = options.maxQueryLimit ?? MAX_QUERY_LIMIT;
  assert(Number.isSafeInteger(maxQueryLimit) && maxQueryLimit >= 1 && maxQueryLimit <= MAX_QUERY_LIMIT, "maxQueryLimit must be 1..1000");

  let phase: "new" | "opening" | "open" | "closed" = "new";
  let db: LogDatabase<AuditRecord> | undefined;
  // The last record this manager wrote or vouched for. Every append checks the store still ends there.
  let tail: ChainTail = EMPTY_TAIL;
  /** The tail is one this manager appended (or vouched for against the checkpoint), not just read. */
  let tailWritten = false;
  /** The newest row was found damaged: no append until a repair links past it. */
  let tailDamaged = false;
  let anchor: LogAnchor | null = null;
  let checkpoint: SignedCheckpoint | null = null;
  /** The highest global_seq an appended record names: commits above it lack outcome records. */
  let auditedGlobalSeq = 0;
  let writable = true;
  let lastError: NodeError | null = null;
  let recovering: Promise<void> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  let waiters: (() => void)[] = [];
  const listeners: ((writable: boolean, error: NodeError | null) => void)[] = [];
  const counter = createRejectionCounter();
  // Writes run one at a time, in call order (the chain has exactly one successor per record).
  let queue: Promise<unknown> = Promise.resolve();
  let checkpointing: Promise<void> | undefined;
  let checkpointDirty = false;
  let checkpointTimer: ReturnType<typeof setTimeout> | undefined;
  /** Records to be written soon: they join the next append's transaction, or go alone after SOON_MS. */
  let waiting: { readonly entries: readonly AuditEntry[]; readonly settle: (r: Result<readonly AuditRecord[]>) => void }[] = [];
  let waitingTimer: ReturnType<typeof setTimeout> | undefined;

  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  }

  function database(): Result<LogDatabase<AuditRecord>> {
    assert(phase === "open" || phase === "closed", "log manager used before open() succeeded");
    if (phase !== "open" || db === undefined) return err(unavailable("closed"));
    return ok(db);
  }

  function setWritable(next: boolean, error: NodeError | null): void {
    if (writable === next && (next || lastError?.data["reason"] === error?.data["reason"])) return;
    writable = next;
    lastError = error;
    for (const listener of listeners) listener(next, error);
    if (next) {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    }
  }

  /** A write failed: refuse further writes and try to reopen in the background (ADR 0017). */
  function markDown(error: NodeError): void {
    setWritable(false, error);
    startRecovery();
  }

  /** The first attempt runs at once; later ones back off, so a log that keeps failing costs little. */
  function startRecovery(): void {
    if (recovering !== undefined || retry !== undefined || phase !== "open" || writable) return;
    const delay = attempts === 0 ? 0 : RETRY_MS[Math.min(attempts - 1, RETRY_MS.length - 1)]!;
    attempts += 1;
    const run = () => {
      retry = undefined;
      recovering = recover().finally(() => {
        recovering = undefined;
        if (!writable) startRecovery();
      });
    };
    if (delay === 0) run();
    else retry = setTimeout(run, delay);
  }

  async function open(): Promise<Result<void>> {
    assert(phase === "new", "log manager opened twice");
    phase = "opening";
    const candidate = options.database?.() ?? createLogDatabase<AuditRecord>(name, idb);
    let last: AuditRecord | undefined;
    try {
      await candidate.open();
      last = await candidate.last();
    } catch (cause) {
      candidate.close();
      phase = "new";
      return err(unavailable("open_failed", cause));
    }
    adoptTail(last);
    db = candidate;
    phase = "open";
    return ok(undefined);
  }

  function adoptTail(last: AuditRecord | undefined): void {
    const sound = last === undefined ? EMPTY_TAIL : soundTail(last);
    tailDamaged = sound === undefined;
    tail = sound ?? { seq: last!.seq, hash: typeof last!.hash === "string" ? last!.hash : "" };
  }

  /** The anchor a walk must meet: the tail this manager vouches for, else the signed checkpoint. */
  function vouchedHead(): ChainTail | null {
    // A tail read from disk is the attacker's as much as ours: only a tail this manager wrote outranks the checkpoint.
    if (checkpoint !== null && (!tailWritten || checkpoint.seq > tail.seq)) return { seq: checkpoint.seq, hash: checkpoint.hash };
    if (tail.seq === 0) return null;
    return tail;
  }

  async function walk(store: LogDatabase<AuditRecord>, head: ChainTail | null): Promise<ChainReport> {
    const repairRows = await store.newestFirst({
      index: { field: "kind", value: "chain_repaired" },
      beforeSeq: undefined,
      keep: () => true,
      limit: 1000,
    });
    const repairs = await sealedRepairs(anchor, name, repairRows);
    const walked = await walkChain({ after: (seq, limit) => store.after(seq, limit), batch: VERIFY_BATCH }, head, excusedBy(repairs));
    const cp = checkpoint === null ? null : { seq: checkpoint.seq, at: checkpoint.at };
    return report(walked, cp, repairs);
  }

  async function anchorLog(given: LogAnchor): Promise<Result<ChainReport | null>> {
    const store = database();
    if (!store.ok) return store;
    assert(anchor === null, "log anchored twice");
    anchor = given;
    return serial(async () => {
      try {
        const verdict = await checkCheckpoint(given, name, await given.store.read());
        checkpoint = verdict.kind === "valid" ? verdict.checkpoint : null;
        auditedGlobalSeq = checkpoint?.globalSeq ?? given.globalSeq();
        // No checkpoint under a non-empty log: older than ADR 0017, or removed. Say so once.
        const missing = verdict.kind !== "valid" && tail.seq > 0;
        const found = await checkHead(store.value, missing ? (verdict.kind === "forged" ? verdict.reason : "checkpoint_missing") : null);
        await reconcile();
        scheduleCheckpoint();
        return ok(found);
      } catch (cause) {
        return err(unavailable("anchor_failed", cause));
      }
    });
  }

  /**
   * At start and after a reopen: does the stored chain still meet the anchor? A cheap check of the
   * newest row and the anchored row; anything off runs the full walk and a repair.
   */
  async function checkHead(store: LogDatabase<AuditRecord>, anchorProblem: string | null): Promise<ChainReport | null> {
    const head = vouchedHead();
    const last = await store.last();
    const sound = last === undefined ? EMPTY_TAIL : soundTail(last);
    const atHead = head === null ? undefined : (await store.after(head.seq - 1, 1))[0];
    const meets = head === null ? last === undefined || anchorProblem === null : atHead?.seq === head.seq && atHead.hash === head.hash;
    if (sound !== undefined && meets && anchorProblem === null) {
      tail = sound;
      tailDamaged = false;
      tailWritten = true;
      return null;
    }
    return repairNow(store, anchorProblem);
  }

  async function repairNow(store: LogDatabase<AuditRecord>, anchorProblem: string | null): Promise<ChainReport> {
    if (anchor === null) throw new Error("the log does not meet its head and has no node key to seal a repair");
    const found = await walk(store, vouchedHead());
    const breaks = [...found.breaks];
    if (anchorProblem !== null && breaks.length === 0 && found.length > 0) breaks.push({ seq: 1, to: found.length, defect: "unvouched" });
    if (breaks.length === 0) return found;
    const last = await store.last();
    const position = nextPosition(last);
    if (position.ownBreak !== null) breaks.push(position.ownBreak);
    const entry = await repairEntry(anchor, name, position, breaks);
    const written = await store.appendAfterLast((current) =>
      (current?.seq ?? 0) === (last?.seq ?? 0)
        ? chainRecords({ seq: position.seq - 1, hash: position.prevHash }, [entry], isoTime(clock))
        : undefined,
    );
    if (written === undefined) throw new Error("the log moved during its repair");
    const record = written[0]!;
    tail = { seq: record.seq, hash: record.hash };
    tailDamaged = false;
    tailWritten = true;
    checkpoint = null; // superseded: the repair is the new anchor, signed next
    scheduleCheckpoint();
    return walk(store, tail);
  }

  /** Commits above what the log names (its outcome write failed, or a crash came between). */
  async function reconcile(): Promise<void> {
    const current = anchor?.globalSeq() ?? 0;
    if (anchor === null || current <= auditedGlobalSeq || db === undefined) return;
    const entry: AuditEntry = {
      kind: "write_reconciled",
      traceId: null,
      code: null,
      actor: null,
      app: null,
      envelopeId: null,
      globalSeq: current,
      message: `Commits ${auditedGlobalSeq + 1}–${current} have no outcome record: the log could not take it then. They are in the history.`,
      data: { from_global_seq: auditedGlobalSeq + 1, to_global_seq: current },
    };
    const written = await append(db, [entry]);
    if (!written.ok) throw new Error(written.error.message);
  }

  async function recover(): Promise<void> {
    const old = db;
    db = undefined;
    old?.close();
    const candidate = options.database?.() ?? createLogDatabase<AuditRecord>(name, idb);
    try {
      await candidate.open(); // waits while another connection holds an upgrade (the log "blocked")
      if (phase !== "open") return candidate.close();
      db = candidate;
      await serial(async () => {
        await checkHead(candidate, null);
        await reconcile();
      });
      setWritable(true, null);
      scheduleCheckpoint();
    } catch (cause) {
      if (db === candidate) db = undefined;
      candidate.close();
      if (phase === "open") lastError = unavailable("reopen_failed", cause);
    }
  }

  async function append(store: LogDatabase<AuditRecord>, entries: readonly AuditEntry[]): Promise<Result<readonly AuditRecord[]>> {
    if (tailDamaged)
      return err(
        nodeError("ERR_MNG_LOG_CHAIN_BROKEN", "The newest audit record is damaged; repair the log first.", { reason: "tail_damaged" }),
      );
    try {
      if (!store.isOpen()) throw new Error("the database was closed underneath");
      // Only IndexedDB requests and synchronous hashing inside the transaction (DESIGN D5).
      const written = await store.appendAfterLast((last) => {
        if ((last?.seq ?? 0) !== tail.seq || (last?.hash ?? tail.hash) !== tail.hash) return undefined;
        return chainRecords(tail, entries, isoTime(clock));
      });
      if (written === undefined) {
        const error = unavailable("chain_diverged");
        markDown(error);
        return err(error);
      }
      tail = { seq: written[written.length - 1]!.seq, hash: written[written.length - 1]!.hash };
      tailWritten = true;
      attempts = 0;
      for (const r of written) if (r.globalSeq !== null && r.globalSeq > auditedGlobalSeq) auditedGlobalSeq = r.globalSeq;
      scheduleCheckpoint();
      return ok(written);
    } catch (cause) {
      const error = unavailable(store.isOpen() ? "write_failed" : "database_closed", cause);
      markDown(error);
      return err(error);
    }
  }

  /** Signs the newest head CHECKPOINT_DELAY_MS after a write; writes coalesce, so a burst signs once. */
  function scheduleCheckpoint(): void {
    if (anchor === null || tail.seq === 0) return;
    if (checkpointing !== undefined) {
      checkpointDirty = true;
      return;
    }
    if (checkpointTimer !== undefined) return;
    checkpointTimer = setTimeout(checkpointNow, CHECKPOINT_DELAY_MS);
    (checkpointTimer as { unref?: () => void }).unref?.();
  }

  function checkpointNow(): void {
    if (checkpointTimer !== undefined) clearTimeout(checkpointTimer);
    checkpointTimer = undefined;
    if (anchor === null || checkpointing !== undefined) return;
    const given = anchor;
    checkpointing = (async () => {
      do {
        checkpointDirty = false;
        const head = tail;
        if (checkpoint?.seq === head.seq && checkpoint.hash === head.hash) continue;
        try {
          const signed = await signCheckpoint(given.signer, {
            log: name,
            seq: head.seq,
            hash: head.hash,
            globalSeq: auditedGlobalSeq,
            at: isoTime(clock),
          });
          await given.store.write(signed);
          checkpoint = signed;
        } catch {
          // The node database refused (full, closing): the records are in the log, only their anchor
          // lags. The next write signs again; the write path meets a full disk with its own code.
          return;
        }
      } while (checkpointDirty);
    })().finally(() => {
      checkpointing = undefined;
      // A write that landed while the last signature was on its way still needs its own.
      if (checkpointDirty) scheduleCheckpoint();
    });
  }

  function recordMany(entries: readonly AuditEntry[], options: RecordOptions = {}): Promise<Result<readonly AuditRecord[]>> {
    const store = database();
    if (!store.ok) return Promise.resolve(store);
    if (!Array.isArray(entries))
      return Promise.resolve(err(nodeError("ERR_MNG_LOG_RECORD_INVALID", "audit entries must be an array", { reason: "expected_array" })));
    // Validate everything before anything is queued or written (architecture 12: validate -> route).
    const checked: AuditEntry[] = [];
    for (const [index, entry] of entries.entries()) {
      const result = checkAuditEntry(entry);
      if (!result.ok) return Promise.resolve(err({ ...result.error, data: { ...result.error.data, index } }));
      checked.push(result.value);
    }
    if (!writable) {
      startRecovery();
      return Promise.resolve(err(lastError ?? unavailable("recovering")));
    }
    const admitted = counter.admit(checked, clock.now());
    if (admitted.length === 0) return Promise.resolve(ok([]));
    if (options.soon !== true) return appendQueued(admitted);
    return new Promise((settle) => {
      waiting.push({ entries: admitted, settle });
      waitingTimer ??= setTimeout(() => void appendQueued([]), SOON_MS);
      (waitingTimer as { unref?: () => void }).unref?.();
    });
  }

  /**
   * Appends `admitted` in call order, after the records waiting to be written soon, in one
   * transaction. close() waits for this queue before it closes the database, so a queued write lands.
   */
  function appendQueued(admitted: readonly AuditEntry[]): Promise<Result<readonly AuditRecord[]>> {
    return serial(async () => {
      const carried = waiting;
      waiting = [];
      if (waitingTimer !== undefined) clearTimeout(waitingTimer);
      waitingTimer = undefined;
      const all = [...carried.flatMap((w) => w.entries), ...admitted];
      const written: Result<readonly AuditRecord[]> =
        all.length === 0 ? ok([]) : db === undefined ? err(unavailable("database_closed")) : await append(db, all);
      let at = 0;
      for (const w of carried) {
        w.settle(written.ok ? ok(written.value.slice(at, at + w.entries.length)) : written);
        at += w.entries.length;
      }
      return written.ok ? ok(written.value.slice(at)) : written;
    });
  }

  async function record(entry: AuditEntry): Promise<Result<AuditRecord>> {
    const result = await recordMany([entry]);
    if (!result.ok) return result;
    // A counted rejection writes nothing now: its record is the window's count.
    return result.value.length > 0
      ? ok(result.value[result.value.length - 1]!)
      : err(nodeError("ERR_MNG_LOG_BACKPRESSURE_ACTIVE", "Counted, not recorded one by one.", { reason: "counted" }));
  }

  async function flushCounts(): Promise<Result<void>> {
    const due = counter.due(Infinity);
    if (due.length === 0) return ok(undefined);
    const store = database();
    if (!store.ok) return store;
    const written = await serial(() => append(store.value, due));
    return written.ok ? ok(undefined) : written;
  }

  async function query(filter: AuditQuery): Promise<Result<AuditPage>> {
    const store = database();
    if (!store.ok) return store;
    const checked = checkAuditQuery(filter, maxQueryLimit);
    if (!checked.ok) return checked;
    // A query sees every record queued before it: the write path does not wait for its outcome records.
    await appendQueued([]);
    if (db === undefined) return err(unavailable("recovering"));
    try {
      return ok(await runAuditQuery(db, checked.value));
    } catch (cause) {
      return err(unavailable("read_failed", cause));
    }
  }

  async function verify(): Promise<Result<ChainReport>> {
    const store = database();
    if (!store.ok) return store;
    // Everything up to this head was committed before the walk began, so the walk must meet it.
    const head = vouchedHead();
    try {
      return ok(await walk(store.value, head));
    } catch (cause) {
      return err(unavailable("read_failed", cause));
    }
  }

  async function verifyChain(): Promise<Result<ChainHead>> {
    const found = await verify();
    if (!found.ok) return found;
    const first = found.value.breaks[0];
    if (first === undefined) return ok({ length: found.value.length, head: found.value.head });
    const atSeq = first.defect === "rewritten" ? first.to : first.seq;
    return err(broken(first.defect === "missing" ? "seq_gap" : first.defect, atSeq));
  }

  async function repair(): Promise<Result<ChainReport>> {
    const store = database();
    if (!store.ok) return store;
    if (anchor === null)
      return err(
        nodeError("ERR_MNG_LOG_CHAIN_BROKEN", "A repair is signed with the node key; this log has none.", { reason: "no_anchor" }),
      );
    return serial(async () => {
      try {
        return ok(await repairNow(store.value, null));
      } catch (cause) {
        return err(unavailable("repair_failed", cause));
      }
    });
  }

  async function close(): Promise<void> {
    if (phase !== "open") {
      phase = "closed";
      return;
    }
    await appendQueued([]);
    await flushCounts();
    phase = "closed";
    if (retry !== undefined) clearTimeout(retry);
    await queue;
    if (checkpointTimer !== undefined) checkpointNow();
    while (checkpointing !== undefined) await checkpointing;
    db?.close();
    db = undefined;
    setWritable(false, unavailable("closed"));
  }

  return {
    open,
    anchor: anchorLog,
    record,
    recordMany,
    query,
    verifyChain,
    verify,
    repair,
    isWritable: () => writable && phase === "open",
    whenWritable: () => (writable ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    onAvailability: (listener) => void listeners.push(listener),
    flushCounts,
    close,
  };
}
