// The full walk of the audit chain (ADR 0017): every link and hash in seq order, in bounded batches,
// against the newest signed anchor. It collects every break (bounded) instead of stopping at the
// first, skips the breaks a sealed repair record already owns, and never trusts a row it reads.
import { linkDefect, EMPTY_TAIL, type ChainTail } from "./audit-chain.ts";
import type { ChainBreak } from "./checkpoint.ts";

/** At most this many breaks are listed; the rest fold into one range to the end of the walk. */
export const MAX_LISTED_BREAKS = 32;

export type WalkReport = {
  readonly length: number;
  readonly head: string;
  /** Breaks no repair owns: the log does not verify while this is not empty. */
  readonly breaks: readonly ChainBreak[];
};

export type WalkSource = {
  after(seq: number, limit: number): Promise<unknown[]>;
  readonly batch: number;
};

/** Is this break one a sealed repair record already recorded? */
export type Excused = (brk: ChainBreak) => boolean;

function rowSeq(row: unknown): number | undefined {
  const seq = (row as { seq?: unknown } | null)?.seq;
  return Number.isSafeInteger(seq) ? (seq as number) : undefined;
}

/**
 * Walks the chain from seq 1. `anchor` is the newest head the node vouches for (signed checkpoint or
 * the tail it wrote itself): the chain must reach it with the same hash (else `truncated` or
 * `rewritten`). Reads may throw; the caller reports that as the log being unavailable.
 */
export async function walkChain(source: WalkSource, anchor: ChainTail | null, excused: Excused): Promise<WalkReport> {
  const breaks: ChainBreak[] = [];
  const note = (brk: ChainBreak) => {
    if (excused(brk)) return;
    if (breaks.length < MAX_LISTED_BREAKS) breaks.push(brk);
    else
      breaks[MAX_LISTED_BREAKS - 1] = {
        ...breaks[MAX_LISTED_BREAKS - 1]!,
        to: Math.max(brk.to, breaks[MAX_LISTED_BREAKS - 1]!.to),
        defect: "many",
      };
  };
  let at: ChainTail = EMPTY_TAIL;
  for (;;) {
    const batch = await source.after(at.seq, source.batch);
    if (batch.length === 0) break;
    for (const row of batch) {
      const seq = rowSeq(row) ?? at.seq + 1;
      if (seq > at.seq + 1) note({ seq: at.seq + 1, to: seq - 1, defect: "missing" });
      const defect = linkDefect({ seq: seq - 1, hash: seq === at.seq + 1 ? at.hash : linkHashOf(row) }, row);
      if (defect !== undefined && defect !== "seq_gap") note({ seq, to: seq, defect });
      // Resynchronise on the row's own stored hash, so one bad row is one break, not all after it.
      const hash = (row as { hash?: unknown }).hash;
      at = { seq, hash: typeof hash === "string" ? hash : "" };
      if (anchor !== null && seq === anchor.seq && at.hash !== anchor.hash) note({ seq: 1, to: seq, defect: "rewritten" });
    }
  }
  if (anchor !== null && at.seq < anchor.seq) note({ seq: at.seq + 1, to: anchor.seq, defect: "truncated" });
  return { length: at.seq, head: at.hash, breaks };
}

/** After a gap the predecessor is gone: judge the row by its own hash alone, with its own prevHash. */
function linkHashOf(row: unknown): string {
  const prev = (row as { prevHash?: unknown }).prevHash;
  return typeof prev === "string" ? prev : "";
}

/** Does a recorded break own this one? Same defect over a covering range, or an "unvouched" range. */
export function covers(recorded: readonly ChainBreak[], brk: ChainBreak): boolean {
  return recorded.some(
    (r) => r.seq <= brk.seq && brk.to <= r.to && (r.defect === brk.defect || r.defect === "unvouched" || r.defect === "many"),
  );
}
