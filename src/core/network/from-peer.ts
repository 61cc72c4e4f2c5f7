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
  /** Remembers the envelopes these outcomes ingested in full (a stub is not held in full). */
  remember(outcomes: readonly IngestOutcome[]): void;
};

export function createFromPeer(): FromPeer {
  const ids = createRecentIds(MAX_FROM_PEER);
  return {
    has: (id) => ids.has(id),
    remember(outcomes) {
      for (const outcome of outcomes) if (outcome.status !== "stub") ids.add(outcome.id);
    },
  };
}
