// Client-puzzle solve time per difficulty (ADR 0007), portable to a browser worker: no Node built-ins.
// Prints medians, never asserts them; every solve is verified so a fast wrong answer cannot hide.
import { createDosGuard, type Challenge } from "../src/core/dos-guard/index.ts";
import { systemClock } from "../src/core/index.ts";

export type PuzzleBenchOptions = { readonly difficulties?: readonly number[]; readonly solves?: number };

const random = { bytes: (length: number) => crypto.getRandomValues(new Uint8Array(length)) };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median solve time over `solves` fresh challenges per difficulty (default 8, 12, 16, 20 bits × 5). */
export async function runPuzzleBench(options: PuzzleBenchOptions = {}): Promise<string> {
  const difficulties = options.difficulties ?? [8, 12, 16, 20];
  const solves = options.solves ?? 5;
  const lines = [`\nClient puzzle (sha256-leading-zero-bits), median of ${solves} solves`];
  for (const bits of difficulties) {
    const guard = createDosGuard({
      clock: systemClock,
      random,
      config: {
        baseBits: bits,
        minBits: bits,
        maxBits: bits,
        decayMs: 60_000,
        puzzleTtlMs: 600_000,
        maxOutstanding: solves,
        maxAdmitted: solves,
      },
    });
    const times: number[] = [];
    let hashes = 0;
    for (let i = 0; i < solves; i++) {
      const connection = { connectionId: `bench-${bits}-${i}` };
      const decision = guard.admit(connection);
      if (decision.kind !== "challenge") throw new Error(`puzzle bench: expected a challenge, got ${decision.kind}`);
      const challenge: Challenge = decision.challenge;
      const start = performance.now();
      const solved = await guard.solve(challenge);
      times.push(performance.now() - start);
      if (!solved.ok) throw new Error(`puzzle bench: ${solved.error.code} ${String(solved.error.data.reason)}`);
      hashes += solved.value.counter + 1;
      const verified = guard.verify(connection, solved.value);
      if (!verified.ok) throw new Error(`puzzle bench: verify ${String(verified.error.data.reason)}`);
    }
    const totalMs = times.reduce((a, b) => a + b, 0);
    const rate = totalMs > 0 ? (hashes / totalMs) * 1000 : 0;
    lines.push(
      `${`${bits} bits (expected ${2 ** bits} hashes)`.padEnd(44)}${median(times).toFixed(1).padStart(10)} ms median${rate.toFixed(0).padStart(12)} hashes/s`,
    );
  }
  return lines.join("\n");
}
