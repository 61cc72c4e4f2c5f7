// The dialing side's puzzle solver: pure compute with an iteration budget and cooperative pauses, so a
// browser worker can run and cancel it (architecture gap 5: solving lives outside the Network manager).
import { assert } from "../shared/assert.ts";
import { nodeError } from "../shared/errors.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { sha256 } from "../crypto/index.ts";
import { bindingBytes, isPuzzleAlgorithm, leadingZeroBits, puzzleInput, writeCounter } from "./puzzle.ts";
import type { Challenge, SolveOptions, Solution } from "./types.ts";

const DEFAULT_YIELD_EVERY = 4096;
/** 16× the expected work fails with probability e^-16; 2^32 hashes bound any single attempt. */
const BUDGET_FACTOR = 16;
const MAX_DEFAULT_ITERATIONS = 2 ** 32;
/** A SHA-256 hash has 256 bits: a larger demand is not a puzzle. */
const MAX_SOLVABLE_BITS = 256;

export type SolveFailureReason = "malformed" | "unsupported_algorithm" | "aborted" | "iteration_budget_exhausted";

function failure(reason: SolveFailureReason, message: string, extra: Record<string, string | number> = {}) {
  return err(nodeError("ERR_RESOURCE_PUZZLE_FAILED", message, { reason, ...extra }));
}

/** Finds the smallest counter whose puzzle hash has at least `difficulty` leading zero bits. */
export async function solvePuzzle(challenge: Challenge, options: SolveOptions = {}): Promise<Result<Solution>> {
  // The challenge crossed the wire from an untrusted node: check what the loop relies on.
  const input: unknown = challenge;
  if (!isJsonObject(input)) return failure("malformed", "The challenge is not well formed.");
  const { algorithm, challenge_id, context_binding, difficulty, payload } = input;
  if (typeof challenge_id !== "string" || typeof payload !== "string" || typeof context_binding !== "string") {
    return failure("malformed", "The challenge is not well formed.");
  }
  if (!isPuzzleAlgorithm(algorithm)) return failure("unsupported_algorithm", "The challenge names an algorithm this solver does not run.");
  const binding = bindingBytes(context_binding);
  if (
    binding === undefined ||
    typeof difficulty !== "number" ||
    !Number.isInteger(difficulty) ||
    difficulty < 0 ||
    difficulty > MAX_SOLVABLE_BITS
  ) {
    return failure("malformed", "The challenge is not well formed.");
  }

  const maxIterations = options.maxIterations ?? Math.min(MAX_DEFAULT_ITERATIONS, BUDGET_FACTOR * 2 ** difficulty);
  const yieldEvery = options.yieldEvery ?? DEFAULT_YIELD_EVERY;
  const pause = options.pause ?? (() => Promise.resolve());
  assert(Number.isSafeInteger(maxIterations) && maxIterations >= 0, "maxIterations must be a non-negative safe integer");
  assert(Number.isSafeInteger(yieldEvery) && yieldEvery >= 1, "yieldEvery must be a positive integer");

  const { signal } = options;
  const bytes = puzzleInput(binding, 0);
  for (let counter = 0; counter < maxIterations; counter++) {
    if (counter % yieldEvery === 0) {
      if (counter > 0) await pause();
      if (signal?.aborted === true) return failure("aborted", "Solving was cancelled.", { challenge_id, iterations: counter });
    }
    writeCounter(bytes, counter);
    if (leadingZeroBits(sha256(bytes)) >= difficulty) {
      return ok({ challenge_id, algorithm, payload, context_binding, counter });
    }
  }
  return failure("iteration_budget_exhausted", "No solution within the iteration budget.", { challenge_id, iterations: maxIterations });
}
