// DoS Guard admission and verification (protocol 09 §4–5, architecture 14 §7): the challenge's fields,
// admission by a valid solution, every failure in the design's order, replay, binding, caps, lifecycle.
import { describe, expect, it } from "vitest";
import { AssertionError } from "../shared/assert.ts";
import { manualClock, seededRandom } from "../shared/clock.ts";
import { createDosGuard, VERIFY_FAILURE_REASONS, type DosGuard, type Solution, type VerifyFailureReason } from "./index.ts";
import { challengeFor, failingCounter, setup, solutionFor, solvedFor, TEST_CONFIG } from "./test-support/guard-fixtures.ts";

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function puzzleFailure(reason: VerifyFailureReason) {
  return {
    ok: false,
    error: expect.objectContaining({ code: "ERR_RESOURCE_PUZZLE_FAILED", category: "dos", data: expect.objectContaining({ reason }) }),
  };
}

describe("admit", () => {
  it("challenges a new connection with every field protocol 09 §4.1 requires", () => {
    const { guard } = setup();
    const decision = guard.admit({ connectionId: "conn-a" });
    expect(decision.kind).toBe("challenge");
    if (decision.kind !== "challenge") return;
    const { challenge } = decision;
    expect(Object.keys(challenge).sort()).toEqual(["algorithm", "challenge_id", "context_binding", "difficulty", "expires_at", "payload"]);
    expect(challenge.algorithm).toBe("sha256-leading-zero-bits");
    expect(challenge.difficulty).toBe(TEST_CONFIG.baseBits);
    expect(challenge.expires_at).toBe("2026-11-21T10:00:30.000Z"); // manual clock start + puzzleTtlMs
    expect(challenge.challenge_id).toMatch(BASE64URL);
    expect(challenge.challenge_id).toHaveLength(22); // 16 random bytes
    expect(challenge.payload).toMatch(BASE64URL);
    expect(challenge.payload).toHaveLength(43); // 32 random bytes
    expect(challenge.context_binding).toMatch(BASE64URL);
    expect(challenge.context_binding).toHaveLength(43); // a SHA-256
    expect(Object.isFrozen(challenge)).toBe(true);
  });

  it("issues the same challenges for the same seed and clock (deterministic)", () => {
    const a = challengeFor(setup({}, 7).guard, "conn-a");
    const b = challengeFor(setup({}, 7).guard, "conn-a");
    expect(a).toEqual(b);
    expect(challengeFor(setup({}, 8).guard, "conn-a")).not.toEqual(a);
  });

  it("gives a connection its outstanding challenge again rather than a second one", () => {
    const { guard } = setup();
    const first = challengeFor(guard, "conn-a");
    expect(challengeFor(guard, "conn-a")).toBe(first);
    expect(guard.stats()).toEqual(expect.objectContaining({ outstanding: 1, issued: 1 }));
  });

  it("issues a fresh challenge once the previous one expired", () => {
    const { clock, guard } = setup();
    const first = challengeFor(guard, "conn-a");
    clock.advance(TEST_CONFIG.puzzleTtlMs);
    expect(challengeFor(guard, "conn-a").challenge_id).not.toBe(first.challenge_id);
  });

  it("answers allow only for a connection that already solved its puzzle", async () => {
    const { guard } = setup();
    const { solution } = await solvedFor(guard, "conn-a");
    const admission = guard.verify({ connectionId: "conn-a" }, solution);
    expect(guard.admit({ connectionId: "conn-a" })).toEqual({
      kind: "allow",
      connectionId: "conn-a",
      admission: admission.ok ? admission.value : null,
    });
  });

  it("denies when generating the puzzle fails (ERR_RESOURCE_PUZZLE_FAILED, generation_failed)", () => {
    const broken = createDosGuard({
      clock: manualClock(),
      random: {
        bytes: () => {
          throw new Error("no entropy");
        },
      },
      config: TEST_CONFIG,
    });
    expect(broken.admit({ connectionId: "conn-a" })).toEqual({
      kind: "deny",
      connectionId: "conn-a",
      error: expect.objectContaining({ code: "ERR_RESOURCE_PUZZLE_FAILED", data: { reason: "generation_failed" } }),
    });
    const constant = createDosGuard({ clock: manualClock(), random: { bytes: (n) => new Uint8Array(n) }, config: TEST_CONFIG });
    expect(constant.admit({ connectionId: "conn-a" }).kind).toBe("challenge");
    expect(constant.admit({ connectionId: "conn-b" })).toEqual(
      expect.objectContaining({ kind: "deny", error: expect.objectContaining({ data: { reason: "generation_failed" } }) }),
    );
    expect(constant.stats().denials).toBe(1);
  });

  it.each([
    ["minBits above baseBits", { minBits: 9 }],
    ["baseBits above maxBits", { baseBits: 17 }],
    ["maxBits above 32", { maxBits: 33 }],
    ["a zero difficulty", { baseBits: 0, minBits: 0 }],
    ["a fractional ttl", { puzzleTtlMs: 1.5 }],
    ["no outstanding puzzles", { maxOutstanding: 0 }],
  ])("throws on a config with %s (a bug)", (_label, change) => {
    expect(() => setup(change)).toThrow(AssertionError);
  });

  it.each(["", "has space", "x".repeat(129), "naïve"])("throws on the malformed connection id %j (a bug)", (connectionId) => {
    const { guard } = setup();
    expect(() => guard.admit({ connectionId })).toThrow(AssertionError);
  });
});

describe("verify", () => {
  it("admits a connection with a valid solution", async () => {
    const { guard } = setup();
    const { solution } = await solvedFor(guard, "conn-a");
    expect(guard.verify({ connectionId: "conn-a" }, solution)).toEqual({
      ok: true,
      value: { connectionId: "conn-a", admittedAt: "2026-11-21T10:00:00.000Z" },
    });
    expect(guard.stats()).toEqual(expect.objectContaining({ admitted: 1, outstanding: 0, admissions: 1, verifyFailures: 0 }));
  });

  it("rejects a replayed solution (ERR_RESOURCE_PUZZLE_FAILED, replayed)", async () => {
    const { guard } = setup();
    const { solution } = await solvedFor(guard, "conn-a");
    expect(guard.verify({ connectionId: "conn-a" }, solution).ok).toBe(true);
    expect(guard.verify({ connectionId: "conn-a" }, solution)).toEqual(puzzleFailure("replayed"));
  });

  it("rejects a solution bound to connection A on connection B, and A can still use it (binding_mismatch)", async () => {
    const { guard } = setup();
    const { solution } = await solvedFor(guard, "conn-a");
    challengeFor(guard, "conn-b");
    expect(guard.verify({ connectionId: "conn-b" }, solution)).toEqual(puzzleFailure("binding_mismatch"));
    expect(guard.verify({ connectionId: "conn-a" }, solution).ok).toBe(true);
  });

  it("consumes the challenge on a failure after the binding check: a correct retry reads replayed", async () => {
    const { guard } = setup();
    const { challenge, solution } = await solvedFor(guard, "conn-a");
    expect(guard.verify({ connectionId: "conn-a" }, { ...solution, counter: failingCounter(challenge) })).toEqual(
      puzzleFailure("insufficient_work"),
    );
    expect(guard.verify({ connectionId: "conn-a" }, solution)).toEqual(puzzleFailure("replayed"));
    expect(guard.stats().outstanding).toBe(0);
  });

  it("reads expired for a late solution still held, and unknown_challenge once it was purged", async () => {
    const { clock, guard } = setup();
    const { solution } = await solvedFor(guard, "conn-a");
    clock.advance(TEST_CONFIG.puzzleTtlMs);
    expect(guard.verify({ connectionId: "conn-a" }, solution)).toEqual(puzzleFailure("expired"));
    expect(guard.verify({ connectionId: "conn-a" }, solution)).toEqual(puzzleFailure("unknown_challenge"));
  });

  it("puts the id of the challenge in the error data, never the payload", async () => {
    const { guard } = setup();
    const { challenge, solution } = await solvedFor(guard, "conn-a");
    const result = guard.verify({ connectionId: "conn-a" }, { ...solution, payload: "AAAA" });
    expect(result.ok ? null : result.error.data).toEqual({ reason: "payload_mismatch", challenge_id: challenge.challenge_id });
  });

  it("admits no more than maxAdmitted connections (ERR_RESOURCE_RATE_LIMIT, sessions_full)", async () => {
    const { guard } = setup({ maxAdmitted: 1 });
    const a = await solvedFor(guard, "conn-a");
    const b = await solvedFor(guard, "conn-b");
    expect(guard.verify({ connectionId: "conn-a" }, a.solution).ok).toBe(true);
    const rateLimited = {
      ok: false,
      error: expect.objectContaining({ code: "ERR_RESOURCE_RATE_LIMIT", data: expect.objectContaining({ reason: "sessions_full" }) }),
    };
    expect(guard.verify({ connectionId: "conn-b" }, b.solution)).toEqual(rateLimited);
    expect(guard.admit({ connectionId: "conn-c" })).toEqual(expect.objectContaining({ kind: "deny", error: rateLimited.error }));
  });
});

// architecture 14 §7: "challenge_id, expiration, context_binding, payload fidelity, declared algorithm,
// and replay status before checking difficulty"; structure comes first of all (DESIGN D6).
describe("verification order", () => {
  type Breakage = { readonly reason: VerifyFailureReason; readonly apply: (s: Scenario) => void };
  type Scenario = {
    guard: DosGuard;
    clock: ReturnType<typeof manualClock>;
    solution: Record<string, unknown>;
    on: string;
    failing: number;
  };

  const breakages: readonly Breakage[] = [
    { reason: "malformed", apply: (s) => void (s.solution.extra = true) },
    { reason: "unknown_challenge", apply: (s) => void (s.solution.challenge_id = "AAAAAAAAAAAAAAAAAAAAAA") },
    { reason: "expired", apply: (s) => s.clock.advance(TEST_CONFIG.puzzleTtlMs) },
    { reason: "binding_mismatch", apply: (s) => void (s.on = "conn-b") },
    { reason: "payload_mismatch", apply: (s) => void (s.solution.payload = "AAAA") },
    { reason: "algorithm_mismatch", apply: (s) => void (s.solution.algorithm = "sha256-trailing-zero-bits") },
    { reason: "replayed", apply: (s) => expect(s.guard.verify({ connectionId: "conn-a" }, s.solution).ok).toBe(true) },
    { reason: "insufficient_work", apply: (s) => void (s.solution.counter = s.failing) },
  ];

  async function scenario(): Promise<Scenario> {
    const clock = manualClock();
    const guard = createDosGuard({ clock, random: seededRandom(3), config: TEST_CONFIG });
    const challenge = challengeFor(guard, "conn-a");
    challengeFor(guard, "conn-b");
    const solution: Solution = await solutionFor(guard, challenge);
    return { guard, clock, solution: { ...solution }, on: "conn-a", failing: failingCounter(challenge) };
  }

  it("lists the reasons in the order verify checks them", () => {
    expect(breakages.map((b) => b.reason)).toEqual(VERIFY_FAILURE_REASONS);
  });

  it.each(breakages.map((b) => [b.reason, b] as const))("reports %s when only that check fails", async (reason, breakage) => {
    const s = await scenario();
    breakage.apply(s);
    expect(s.guard.verify({ connectionId: s.on }, s.solution)).toEqual(puzzleFailure(reason));
  });

  const pairs = breakages.flatMap((first, i) =>
    breakages.slice(i + 1).map((second) => [first.reason, second.reason, first, second] as const),
  );
  it.each(pairs)("reports %s, not %s, when both checks fail", async (reason, _later, first, second) => {
    const s = await scenario();
    // Replay needs a clean first use; every other breakage only edits the scenario.
    for (const b of second.reason === "replayed" ? [second, first] : [first, second]) b.apply(s);
    expect(s.guard.verify({ connectionId: s.on }, s.solution)).toEqual(puzzleFailure(reason));
  });

  it("reports expired, not binding_mismatch, for an expired solution of another connection", async () => {
    const s = await scenario();
    s.clock.advance(TEST_CONFIG.puzzleTtlMs + 1);
    expect(s.guard.verify({ connectionId: "conn-b" }, s.solution)).toEqual(puzzleFailure("expired"));
  });
});

describe("capacity and lifecycle", () => {
  it("holds the outstanding cap under a flood of 10,000 admits (ERR_RESOURCE_RATE_LIMIT, puzzles_full)", () => {
    const { clock, guard } = setup({ maxOutstanding: 64 });
    const kinds = { challenge: 0, deny: 0, allow: 0 };
    for (let i = 0; i < 10_000; i++) {
      const decision = guard.admit({ connectionId: `flood-${i}` });
      kinds[decision.kind] += 1;
      if (decision.kind === "deny")
        expect(decision.error).toEqual(
          expect.objectContaining({ code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "puzzles_full", limit: 64 } }),
        );
    }
    expect(kinds).toEqual({ challenge: 64, deny: 9_936, allow: 0 });
    const stats = guard.stats();
    expect(stats).toEqual(expect.objectContaining({ outstanding: 64, denials: 9_936 }));
    expect(stats.tracked).toBe(128); // 64 challenges + 64 connection → challenge entries, nothing per denial
    clock.advance(TEST_CONFIG.puzzleTtlMs);
    expect(guard.admit({ connectionId: "after-flood" }).kind).toBe("challenge");
    expect(guard.stats().outstanding).toBe(1);
  });

  it("keeps memory bounded under 10,000 garbage responses from distinct connections", () => {
    const { guard } = setup({ maxOutstanding: 16, maxAdmitted: 8 });
    for (let i = 0; i < 10_000; i++) expect(guard.verify({ connectionId: `junk-${i}` }, { nonsense: i }).ok).toBe(false);
    const stats = guard.stats();
    expect(stats.verifyFailures).toBe(10_000);
    expect(stats.tracked).toBeLessThanOrEqual(16 + 8); // strike records, least recently struck evicted first
  });

  it("keeps the replay record bounded by maxOutstanding", async () => {
    const { guard } = setup({ maxOutstanding: 4, maxAdmitted: 64 });
    for (let i = 0; i < 12; i++) {
      const { solution } = await solvedFor(guard, `conn-${i}`);
      expect(guard.verify({ connectionId: `conn-${i}` }, solution).ok).toBe(true);
    }
    expect(guard.stats().tracked).toBe(12 + 4); // 12 admitted + at most 4 spent challenges
  });

  it("release kills the connection's challenge and frees its admission", async () => {
    const { guard } = setup();
    const { solution } = await solvedFor(guard, "conn-a");
    const b = await solvedFor(guard, "conn-b");
    expect(guard.verify({ connectionId: "conn-b" }, b.solution).ok).toBe(true);
    guard.release("conn-a");
    guard.release("conn-b");
    expect(guard.verify({ connectionId: "conn-a" }, solution)).toEqual(puzzleFailure("unknown_challenge"));
    expect(guard.stats()).toEqual(expect.objectContaining({ admitted: 0, outstanding: 0 }));
  });

  it("stop invalidates outstanding puzzles and fails closed (ERR_MNG_DOS_ADMISSION_DENIED)", async () => {
    const { guard } = setup();
    const { solution } = await solvedFor(guard, "conn-a");
    guard.stop();
    const stopped = expect.objectContaining({ code: "ERR_MNG_DOS_ADMISSION_DENIED", data: { reason: "stopped" } });
    expect(guard.verify({ connectionId: "conn-a" }, solution)).toEqual({ ok: false, error: stopped });
    expect(guard.admit({ connectionId: "conn-b" })).toEqual({ kind: "deny", connectionId: "conn-b", error: stopped });
    expect(guard.stats()).toEqual(expect.objectContaining({ outstanding: 0, stopped: true }));
  });
});
