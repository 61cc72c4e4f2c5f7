// Fault injection for the loopback link: which faults a message suffers, decided from seeded
// randomness alone, so one seed and one sequence of sends give one trace.
import { assert } from "../../shared/assert.ts";
import type { Random } from "../../shared/clock.ts";
import type { TraceFate } from "./trace.ts";

/** Probabilities in [0, 1]; each fault draws from the pair's `random` only when configured. */
export type Faults = {
  readonly drop?: number;
  readonly duplicate?: number;
  /** The message overtakes 1..window earlier undelivered messages of its direction (window 4). */
  readonly reorder?: { readonly probability: number; readonly window?: number };
  /** The message is held 1..maxMs ms longer than `latency` (time moves with `advance` or the clock). */
  readonly delay?: { readonly probability: number; readonly maxMs: number };
  /** One random bit of the message is flipped. */
  readonly corrupt?: number;
  /** The message arrives cut to a random shorter length. */
  readonly truncate?: number;
};

export const DEFAULT_REORDER_WINDOW = 4;

/** Nonsense faults are a test's bug: they throw. */
export function checkFaults(faults: Faults): Faults {
  const probabilities = [
    faults.drop,
    faults.duplicate,
    faults.reorder?.probability,
    faults.delay?.probability,
    faults.corrupt,
    faults.truncate,
  ];
  for (const p of probabilities) assert(p === undefined || (p >= 0 && p <= 1), "fault probabilities lie in [0, 1]");
  const window = faults.reorder?.window;
  assert(window === undefined || (Number.isSafeInteger(window) && window > 0), "the reorder window is a positive integer");
  const maxMs = faults.delay?.maxMs;
  assert(maxMs === undefined || (Number.isSafeInteger(maxMs) && maxMs > 0), "the delay maxMs is a positive integer");
  return faults;
}

/** Uniform draws from a byte source. */
export class Dice {
  constructor(private readonly random: Random) {}

  /** True with `probability`; draws nothing when the fault is off, so adding an unused fault changes no trace. */
  chance(probability: number | undefined): boolean {
    if (probability === undefined || probability === 0) return false;
    return this.unit() < probability;
  }

  /** An integer in [0, max). */
  int(max: number): number {
    return Math.min(max - 1, Math.floor(this.unit() * max));
  }

  private unit(): number {
    const b = this.random.bytes(4);
    return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
  }
}

/** What the link does to one message's bytes and timing (drops, reordering and copies are the queue's). */
export type Damage = {
  readonly bytes: Uint8Array;
  readonly delayMs: number;
  readonly details: readonly string[];
  readonly applied: ReadonlySet<TraceFate>;
};

/** Truncation, then a bit flip, then extra delay; `sent` itself is never changed. */
export function damage(dice: Dice, faults: Faults, sent: Uint8Array): Damage {
  let bytes = sent;
  let delayMs = 0;
  const details: string[] = [];
  const applied = new Set<TraceFate>();
  if (bytes.length > 0 && dice.chance(faults.truncate)) {
    bytes = bytes.slice(0, dice.int(bytes.length));
    details.push(`truncated to ${bytes.length} B`);
    applied.add("truncated");
  }
  if (bytes.length > 0 && dice.chance(faults.corrupt)) {
    const bit = dice.int(bytes.length * 8);
    bytes = bytes === sent ? bytes.slice() : bytes;
    bytes[bit >> 3]! ^= 1 << (bit & 7);
    details.push(`bit ${bit} flipped`);
    applied.add("corrupted");
  }
  if (faults.delay !== undefined && dice.chance(faults.delay.probability)) {
    delayMs = 1 + dice.int(faults.delay.maxMs);
    details.push(`delayed ${delayMs} ms`);
    applied.add("delayed");
  }
  return { bytes, delayMs, details, applied };
}

/** The fate a damaged message shows in the trace. */
export function fateOf(applied: ReadonlySet<TraceFate>): TraceFate {
  return (["corrupted", "truncated", "reordered", "delayed"] as const).find((f) => applied.has(f)) ?? "delivered";
}
