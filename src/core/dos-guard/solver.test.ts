// The solver: finds the smallest valid counter, stays within its iteration budget, stops when aborted,
// and refuses challenges it cannot run — each failure a coded ERR_RESOURCE_PUZZLE_FAILED.
import { describe, expect, it } from "vitest";
import { solvePuzzle, type Challenge } from "./index.ts";
import { challengeFor, setup, workBits } from "./test-support/guard-fixtures.ts";

function challengeAt(difficulty: number): Challenge {
  const { guard } = setup({ baseBits: difficulty, minBits: difficulty, maxBits: difficulty });
  return challengeFor(guard, "solver");
}

describe("solvePuzzle", () => {
  it.each([8, 10, 12])("finds the smallest counter with %i leading zero bits", async (difficulty) => {
    const challenge = challengeAt(difficulty);
    const solved = await solvePuzzle(challenge);
    expect(solved.ok).toBe(true);
    if (!solved.ok) return;
    const { challenge_id, algorithm, payload, context_binding } = challenge;
    expect(solved.value).toEqual({ challenge_id, algorithm, payload, context_binding, counter: solved.value.counter });
    expect(workBits(challenge, solved.value.counter)).toBeGreaterThanOrEqual(difficulty);
    for (let counter = 0; counter < solved.value.counter; counter++) expect(workBits(challenge, counter)).toBeLessThan(difficulty);
  });

  it("stops at maxIterations (ERR_RESOURCE_PUZZLE_FAILED, iteration_budget_exhausted)", async () => {
    const challenge = challengeAt(16);
    for (let counter = 0; counter < 10; counter++) expect(workBits(challenge, counter)).toBeLessThan(16);
    const solved = await solvePuzzle(challenge, { maxIterations: 10 });
    expect(solved).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: "ERR_RESOURCE_PUZZLE_FAILED",
        data: { reason: "iteration_budget_exhausted", challenge_id: challenge.challenge_id, iterations: 10 },
      }),
    });
  });

  it("does no work for an already aborted signal (ERR_RESOURCE_PUZZLE_FAILED, aborted)", async () => {
    const controller = new AbortController();
    controller.abort();
    const solved = await solvePuzzle(challengeAt(8), { signal: controller.signal });
    expect(solved.ok ? null : solved.error.data).toEqual(expect.objectContaining({ reason: "aborted", iterations: 0 }));
  });

  it("pauses every yieldEvery hashes and stops at the first pause after an abort (aborted)", async () => {
    const controller = new AbortController();
    let pauses = 0;
    const pause = () => {
      pauses += 1;
      if (pauses === 3) controller.abort();
      return Promise.resolve();
    };
    const solved = await solvePuzzle(challengeAt(32), { signal: controller.signal, yieldEvery: 100, pause });
    expect(pauses).toBe(3);
    expect(solved.ok ? null : solved.error).toEqual(
      expect.objectContaining({
        code: "ERR_RESOURCE_PUZZLE_FAILED",
        data: expect.objectContaining({ reason: "aborted", iterations: 300 }),
      }),
    );
  });

  it.each([
    ["another algorithm", { algorithm: "scrypt" }, "unsupported_algorithm"],
    ["a binding that is not 32 bytes", { context_binding: "AAAA" }, "malformed"],
    ["a fractional difficulty", { difficulty: 8.5 }, "malformed"],
    ["a difficulty beyond 256 bits", { difficulty: 257 }, "malformed"],
    ["a missing payload", { payload: undefined }, "malformed"],
  ])("refuses a challenge with %s (%s)", async (_label, change, reason) => {
    const challenge = { ...challengeAt(8), ...change } as unknown as Challenge;
    const solved = await solvePuzzle(challenge);
    expect(solved.ok ? null : solved.error).toEqual(expect.objectContaining({ code: "ERR_RESOURCE_PUZZLE_FAILED", data: { reason } }));
  });

  it("refuses a challenge that is not an object (malformed)", async () => {
    const solved = await solvePuzzle("challenge" as unknown as Challenge);
    expect(solved.ok ? null : solved.error.data).toEqual({ reason: "malformed" });
  });
});
