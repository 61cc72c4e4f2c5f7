// Time and randomness as injected ports, so tests replay exactly (STYLE: inject clock and randomness).
export type Clock = { now(): number };
export type Random = { bytes(length: number): Uint8Array };

export const systemClock: Clock = { now: () => Date.now() };
export const systemRandom: Random = { bytes: (length) => crypto.getRandomValues(new Uint8Array(length)) };

/** RFC 3339 in the one form envelopes accept (`created_at`): UTC with milliseconds. */
export function isoTime(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/** A clock tests move by hand. */
export function manualClock(start = Date.parse("2026-11-21T10:00:00.000Z")): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

/** Deterministic bytes from a seed (mulberry32), for tests and replayable runs. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  };
  return { bytes: (length) => Uint8Array.from({ length }, next) };
}
