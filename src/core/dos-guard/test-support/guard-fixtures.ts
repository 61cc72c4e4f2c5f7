// Test fixtures for the DoS Guard: a guard on a manual clock and seeded randomness, and helpers that
// issue and solve challenges at small difficulties so every test runs in milliseconds.
import { fromBase64url } from "../../shared/bytes.ts";
import { manualClock, seededRandom } from "../../shared/clock.ts";
import {
  createDosGuard,
  leadingZeroBits,
  puzzleHash,
  type Challenge,
  type DosGuard,
  type DosGuardConfig,
  type Solution,
} from "../index.ts";

export const TEST_CONFIG = { baseBits: 8, maxBits: 16, decayMs: 60_000, puzzleTtlMs: 30_000, maxOutstanding: 64, maxAdmitted: 32 } as const;

export function setup(config: Partial<DosGuardConfig> = {}, seed = 1) {
  const clock = manualClock();
  const guard = createDosGuard({ clock, random: seededRandom(seed), config: { ...TEST_CONFIG, ...config } });
  return { clock, guard };
}

export function challengeFor(guard: DosGuard, connectionId: string): Challenge {
  const decision = guard.admit({ connectionId });
  if (decision.kind !== "challenge") throw new Error(`expected a challenge for ${connectionId}, got ${decision.kind}`);
  return decision.challenge;
}

export async function solutionFor(guard: DosGuard, challenge: Challenge): Promise<Solution> {
  const solved = await guard.solve(challenge);
  if (!solved.ok) throw new Error(`could not solve: ${String(solved.error.data.reason)}`);
  return solved.value;
}

/** Issues a challenge to `connectionId` and solves it. */
export async function solvedFor(guard: DosGuard, connectionId: string): Promise<{ challenge: Challenge; solution: Solution }> {
  const challenge = challengeFor(guard, connectionId);
  return { challenge, solution: await solutionFor(guard, challenge) };
}

export function workBits(challenge: Challenge, counter: number): number {
  return leadingZeroBits(puzzleHash(fromBase64url(challenge.context_binding)!, counter));
}

/** The smallest counter whose hash falls short of the challenge's difficulty. */
export function failingCounter(challenge: Challenge): number {
  let counter = 0;
  while (workBits(challenge, counter) >= challenge.difficulty) counter++;
  return counter;
}
