// The difficulty policy as pure functions of time (protocol 09 §4.3, ADR 0007): levels rise with
// abuse and load at once, hold while the cause persists, and fall one bit per quiet `decayMs`.

/** Extra bits and the instant their decay clock started. */
export type Level = { readonly bits: number; readonly since: number };

export const ZERO_LEVEL: Level = { bits: 0, since: 0 };

/** Load (share of the fullest capacity in use) at which the load level is 1, 2 and 3 bits. */
export const LOAD_MARKS = [0.5, 0.75, 0.9] as const;

/**
 * One bit off per full `decayMs` since the level last rose or was held. A clock that went backwards
 * decays nothing: the policy never softens on a time it cannot trust.
 */
export function decayed(level: Level, now: number, decayMs: number): Level {
  if (level.bits === 0) return level;
  const steps = Math.floor((now - level.since) / decayMs);
  if (steps <= 0) return level;
  if (steps >= level.bits) return { bits: 0, since: now };
  return { bits: level.bits - steps, since: level.since + steps * decayMs };
}

/** protocol 09 §1: non-decreasing while the cause persists, so every event restarts the decay clock. */
export function raised(level: Level, now: number, decayMs: number, by: number, cap: number): Level {
  return { bits: Math.min(cap, decayed(level, now, decayMs).bits + by), since: now };
}

/** The load level jumps to the instantaneous level, is held while the load stays there, then decays. */
export function heldAt(level: Level, now: number, decayMs: number, instant: number): Level {
  const current = decayed(level, now, decayMs);
  return instant >= current.bits ? { bits: instant, since: now } : current;
}

export function loadBitsFor(ratio: number): number {
  return LOAD_MARKS.filter((mark) => ratio >= mark).length;
}

/** Abuse events count toward the next bit; a quiet `decayMs` forgets a partial count. */
export type AbuseState = { readonly level: Level; readonly count: number; readonly lastAt: number };

export const NO_ABUSE: AbuseState = { level: ZERO_LEVEL, count: 0, lastAt: Number.NEGATIVE_INFINITY };

export function recordAbuse(
  state: AbuseState,
  now: number,
  policy: { readonly decayMs: number; readonly violationsPerBit: number; readonly cap: number },
): AbuseState {
  const count = (now - state.lastAt >= policy.decayMs ? 0 : state.count) + 1;
  const step = count >= policy.violationsPerBit ? 1 : 0;
  return { level: raised(state.level, now, policy.decayMs, step, policy.cap), count: step === 1 ? 0 : count, lastAt: now };
}

export type Bounds = { readonly baseBits: number; readonly minBits: number; readonly maxBits: number };

/** base + extra, always within [minBits, maxBits] (protocol 09 §4.3: bounded, never trivial). */
export function boundedDifficulty(bounds: Bounds, extraBits: number): number {
  return Math.min(bounds.maxBits, Math.max(bounds.minBits, bounds.baseBits + extraBits));
}
