// What the peer sent in full in this session, most recent last (ADR 0026): never offered back, since
// offering it would cost both sides for nothing. Bounded, so a hostile or long session cannot grow it.
import type { IngestOutcome } from "../graph/index.ts";
import { createRecentIds } from "./recent-ids.ts";

/**
 * A package's envelopes are offered back (if at all) by the pump right after they commit, so the
 * recent ones suffice.
 */
const MAX_FROM_PEER = 16_384;

export type FromPeer = {
  has(id: string): boolean;
  /**
   * Every local seq from `from` to `to` holds an envelope the peer sent (ADR 0027): a package over
   * that range carries nothing, so it is sent without reading the rows.
   */
  coversSeqs(from: number, to: number): boolean;
  /** Remembers the envelopes these outcomes ingested in full (a stub is not held in full). */
  remember(outcomes: readonly IngestOutcome[]): void;
};

export function createFromPeer(): FromPeer {
  const ids = createRecentIds(MAX_FROM_PEER);
  const seqs = createRecentIds(MAX_FROM_PEER);
  return {
    has: (id) => ids.has(id),
    coversSeqs(from, to) {
      if (to < from || to - from + 1 > seqs.size) return false;
      for (let seq = from; seq <= to; seq += 1) if (!seqs.has(String(seq))) return false;
      return true;
    },
    remember(outcomes) {
      for (const outcome of outcomes) {
        if (outcome.status === "stub") continue;
        ids.add(outcome.id);
        // A duplicate's seq is the copy this node held before: not one the peer's package brought.
        if (outcome.status === "accepted" || outcome.status === "suppressed") seqs.add(String(outcome.seq));
      }
    },
  };
}
