// The Log manager: the node's mandatory audit sink (architecture 12), an append-only hash chain in its
// own database (DESIGN D5). It records and reads; it never updates or deletes a record.
import { assert } from "../shared/assert.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { nodeError, type NodeError } from "../shared/errors.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { createLogDatabase, type LogDatabase } from "../storage/index.ts";
import { chainRecords, EMPTY_TAIL, linkDefect, type ChainTail, type LinkDefect } from "./audit-chain.ts";
import { checkAuditEntry } from "./audit-entry.ts";
import { checkAuditQuery, runAuditQuery } from "./audit-query.ts";
import { MAX_QUERY_LIMIT, type AuditEntry, type AuditPage, type AuditQuery, type AuditRecord, type ChainHead } from "./types.ts";

export interface LogManager {
  /** Opens the database and checks the newest record; fails closed if it cannot vouch for it. */
  open(): Promise<Result<void>>;
  record(entry: AuditEntry): Promise<Result<AuditRecord>>;
  /** All entries in one transaction, consecutive seqs; one invalid entry writes nothing. */
  recordMany(entries: readonly AuditEntry[]): Promise<Result<readonly AuditRecord[]>>;
  /** Newest first; limit 1..maxQueryLimit, default 100. */
  query(filter: AuditQuery): Promise<Result<AuditPage>>;
  /**
   * Recomputes every hash and link in batches, and checks the chain still reaches the newest record
   * this manager knows (catches truncation and a wholesale rewrite); the first broken seq is `data.at_seq`.
   */
  verifyChain(): Promise<Result<ChainHead>>;
  /** Waits for queued writes, then closes; later calls fail with the sink unavailable. */
  close(): Promise<void>;
}

export type LogManagerOptions = {
  readonly name: string;
  readonly idb: IdbEnvironment;
  readonly clock: Clock;
  /** Config `log.query.max_limit`; at most 1000. */
  readonly maxQueryLimit?: number;
};

/** Rows read per batch by verifyChain: bounded memory whatever the log's length. */
export const VERIFY_BATCH = 512;

function unavailable(reason: string, cause?: unknown): NodeError {
  const detail = cause instanceof Error ? `: ${cause.message}` : typeof cause === "string" ? `: ${cause}` : "";
  return nodeError("ERR_MNG_LOG_MANDATORY_SINK_UNAVAILABLE", `audit log unavailable (${reason})${detail}`, { reason });
}

/** A defect of one row, or of the whole chain against the head this manager wrote. */
type ChainDefect = LinkDefect | "truncated" | "rewritten";

function broken(defect: ChainDefect, atSeq: number): NodeError {
  return nodeError("ERR_MNG_LOG_RECORD_INVALID", `audit chain broken at seq ${atSeq} (${defect})`, { reason: defect, at_seq: atSeq });
}

/** The tail after the newest row, if that row is internally sound (its own shape and hash). */
function soundTail(row: AuditRecord): ChainTail | LinkDefect {
  if (!Number.isSafeInteger(row.seq) || typeof row.prevHash !== "string") return "malformed_record";
  return linkDefect({ seq: row.seq - 1, hash: row.prevHash }, row) ?? { seq: row.seq, hash: row.hash };
}

export function createLogManager(options: LogManagerOptions): LogManager {
  const { name, idb, clock } = options;
  const maxQueryLimit = options.maxQueryLimit ?? MAX_QUERY_LIMIT;
  assert(Number.isSafeInteger(maxQueryLimit) && maxQueryLimit >= 1 && maxQueryLimit <= MAX_QUERY_LIMIT, "maxQueryLimit must be 1..1000");

  let phase: "new" | "opening" | "open" | "closed" = "new";
  let db: LogDatabase<AuditRecord> | undefined;
  // The last record this manager wrote or found at open. Every append checks the store still ends
  // there, so a second writer or a reset database can never fork the chain.
  let tail: ChainTail = EMPTY_TAIL;
  // Writes run one at a time, in call order (the chain has exactly one successor per record).
  let queue: Promise<unknown> = Promise.resolve();

  function database(): Result<LogDatabase<AuditRecord>> {
    assert(phase === "open" || phase === "closed", "log manager used before open() succeeded");
    if (phase !== "open" || db === undefined) return err(unavailable("closed"));
    // Closed underneath, e.g. by a versionchange from another connection (storage/log-database.ts).
    return db.isOpen() ? ok(db) : err(unavailable("database_closed"));
  }

  async function open(): Promise<Result<void>> {
    assert(phase === "new", "log manager opened twice");
    phase = "opening";
    const result = await openDatabase();
    phase = result.ok ? "open" : "new";
    return result;
  }

  async function openDatabase(): Promise<Result<void>> {
    const candidate = createLogDatabase<AuditRecord>(name, idb);
    let last: AuditRecord | undefined;
    try {
      await candidate.open();
      last = await candidate.last();
    } catch (cause) {
      candidate.close();
      return err(unavailable("open_failed", cause));
    }
    if (last !== undefined) {
      const found = soundTail(last);
      if (typeof found === "string") {
        candidate.close();
        return err(broken(found, Number.isSafeInteger(last.seq) ? last.seq : 0));
      }
      tail = found;
    }
    db = candidate;
    return ok(undefined);
  }

  async function append(store: LogDatabase<AuditRecord>, entries: readonly AuditEntry[]): Promise<Result<readonly AuditRecord[]>> {
    try {
      // Only IndexedDB requests and synchronous hashing inside the transaction (DESIGN D5).
      const written = await store.appendAfterLast((last) => {
        if ((last?.seq ?? 0) !== tail.seq || (last?.hash ?? tail.hash) !== tail.hash) return undefined;
        return chainRecords(tail, entries, isoTime(clock));
      });
      if (written === undefined) return err(unavailable("chain_diverged"));
      tail = { seq: written[written.length - 1]!.seq, hash: written[written.length - 1]!.hash };
      return ok(written);
    } catch (cause) {
      return err(unavailable("write_failed", cause));
    }
  }

  function recordMany(entries: readonly AuditEntry[]): Promise<Result<readonly AuditRecord[]>> {
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
    if (checked.length === 0) return Promise.resolve(ok([]));
    // close() waits for this queue before it closes the database, so a queued write still lands.
    const run = queue.then(() => (store.value.isOpen() ? append(store.value, checked) : err(unavailable("database_closed"))));
    queue = run;
    return run;
  }

  async function record(entry: AuditEntry): Promise<Result<AuditRecord>> {
    const result = await recordMany([entry]);
    return result.ok ? ok(result.value[0]!) : result;
  }

  async function query(filter: AuditQuery): Promise<Result<AuditPage>> {
    const store = database();
    if (!store.ok) return store;
    const checked = checkAuditQuery(filter, maxQueryLimit);
    if (!checked.ok) return checked;
    try {
      return ok(await runAuditQuery(store.value, checked.value));
    } catch (cause) {
      return err(unavailable("read_failed", cause));
    }
  }

  async function verifyChain(): Promise<Result<ChainHead>> {
    const store = database();
    if (!store.ok) return store;
    // Everything up to this head was committed before the walk began, so the walk must meet it.
    const committed = tail;
    let at: ChainTail = EMPTY_TAIL;
    for (;;) {
      let batch: unknown[];
      try {
        batch = await store.value.after(at.seq, VERIFY_BATCH);
      } catch (cause) {
        return err(unavailable("read_failed", cause));
      }
      if (batch.length === 0) {
        // Rows cut from the end leave a valid prefix: only the head we remember shows they are gone.
        return at.seq < committed.seq ? err(broken("truncated", at.seq + 1)) : ok({ length: at.seq, head: at.hash });
      }
      for (const row of batch) {
        const defect = linkDefect(at, row);
        if (defect !== undefined) return err(broken(defect, at.seq + 1));
        const { seq, hash } = row as AuditRecord;
        at = { seq, hash };
        // A chain recomputed from some edit onwards is self-consistent; it cannot reproduce our head.
        if (seq === committed.seq && hash !== committed.hash) return err(broken("rewritten", seq));
      }
    }
  }

  async function close(): Promise<void> {
    if (phase !== "open") {
      phase = "closed";
      return;
    }
    phase = "closed";
    await queue;
    db?.close();
    db = undefined;
  }

  return { open, record, recordMany, query, verifyChain, close };
}
