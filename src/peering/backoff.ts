// How long to wait before the next try at something that failed (a relay room, a dropped link):
// capped exponential with full jitter, so a room of nodes that lost one relay at once does not come
// back in lockstep and a long outage costs at most one try per cap.

export type BackoffPolicy = {
  /** The first pause's upper bound. */
  readonly baseMs: number;
  /** No pause is longer than this, however many tries failed. */
  readonly capMs: number;
};

export const RELAY_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };
export const LINK_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 15_000 };

/**
 * The pause before try `attempt` (1 for the first retry): a uniform pick in [ceiling/2, ceiling],
 * where the ceiling doubles per try up to the cap. Half-jitter keeps a floor so a failing relay is
 * never hammered; `random` in [0, 1) is injectable for tests.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const tries = Math.max(1, Math.floor(attempt));
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(tries - 1, 30));
  const pick = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * pick);
}
