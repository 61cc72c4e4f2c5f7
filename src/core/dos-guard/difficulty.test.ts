// Difficulty policy (protocol 09 §4.3, ADR 0007): escalation under abuse and load, holding while the
// cause persists, decay after relief on the manual clock, per-connection strikes, and the bounds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { decayed, heldAt, raised } from "./difficulty.ts";
import { ABUSE_EVENTS } from "./index.ts";
import { challengeFor, failingCounter, setup, solvedFor, TEST_CONFIG } from "./test-support/guard-fixtures.ts";

const DECAY = TEST_CONFIG.decayMs;

function violate(guard: ReturnType<typeof setup>["guard"], count: number, prefix = "abuser") {
  for (let i = 0; i < count; i++) guard.report(`${prefix}-${i}`, "violation");
}

describe("escalation under abuse", () => {
  it("raises the difficulty one bit per five abuse events: 20 violations take 8 bits to 12", () => {
    const { guard } = setup();
    expect(guard.difficulty()).toBe(8);
    violate(guard, 20);
    expect(guard.difficulty()).toBe(12);
    expect(guard.stats()).toEqual(expect.objectContaining({ difficulty: 12, abuseBits: 4 }));
    expect(challengeFor(guard, "newcomer").difficulty).toBe(12);
  });

  it.each(["malformed_frame", "rate_exceeded", "violation"] as const)("counts a reported %s as abuse", (event) => {
    const { guard } = setup();
    for (let i = 0; i < 5; i++) guard.report(`peer-${i}`, event);
    expect(guard.difficulty()).toBe(9);
  });

  it("counts failed solutions as abuse too", async () => {
    const { guard } = setup();
    for (let i = 0; i < 5; i++) {
      const { challenge, solution } = await solvedFor(guard, `peer-${i}`);
      guard.verify({ connectionId: `peer-${i}` }, { ...solution, counter: failingCounter(challenge) });
    }
    expect(guard.difficulty()).toBe(9);
  });

  it("never lowers the difficulty while abuse persists (a violation every half decay window for an hour)", () => {
    const { clock, guard } = setup();
    let previous = guard.difficulty();
    for (let i = 0; i < 120; i++) {
      guard.report(`abuser-${i}`, "violation");
      clock.advance(DECAY / 2);
      const now = guard.difficulty();
      expect(now).toBeGreaterThanOrEqual(previous);
      previous = now;
    }
    expect(previous).toBe(TEST_CONFIG.maxBits);
  });

  it("caps at maxBits however much abuse arrives", () => {
    const { guard } = setup();
    violate(guard, 500);
    expect(guard.difficulty()).toBe(16);
  });

  it("never lowers the difficulty on an ok report", () => {
    const { guard } = setup();
    violate(guard, 10);
    for (let i = 0; i < 100; i++) expect(guard.report(`abuser-${i % 10}`, "ok")).toEqual({ ok: true, value: undefined });
    expect(guard.difficulty()).toBe(10);
  });
});

describe("decay after relief", () => {
  it("steps down one bit per quiet decayMs, back to the base and no further", () => {
    const { clock, guard } = setup();
    violate(guard, 20);
    clock.advance(DECAY - 1);
    expect(guard.difficulty()).toBe(12);
    clock.advance(1);
    expect(guard.difficulty()).toBe(11);
    clock.advance(DECAY);
    expect(guard.difficulty()).toBe(10);
    clock.advance(10 * DECAY);
    expect(guard.difficulty()).toBe(8);
    expect(guard.stats().abuseBits).toBe(0);
  });

  it("forgets a partial count after a quiet decayMs", () => {
    const { clock, guard } = setup();
    violate(guard, 4);
    clock.advance(DECAY);
    violate(guard, 4, "second");
    expect(guard.difficulty()).toBe(8);
    violate(guard, 1, "third");
    expect(guard.difficulty()).toBe(9);
  });

  it("decays nothing when the clock steps back", () => {
    expect(decayed({ bits: 3, since: 1_000_000 }, 0, DECAY)).toEqual({ bits: 3, since: 1_000_000 });
    expect(raised({ bits: 3, since: 0 }, 2 * DECAY, DECAY, 1, 5)).toEqual({ bits: 2, since: 2 * DECAY });
    expect(heldAt({ bits: 3, since: 0 }, 4 * DECAY, DECAY, 1)).toEqual({ bits: 1, since: 4 * DECAY });
  });
});

describe("escalation under load", () => {
  it("adds a bit at 50%, 75% and 90% of the outstanding cap", () => {
    const { guard } = setup({ maxOutstanding: 8 });
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      seen.push(challengeFor(guard, `conn-${i}`).difficulty);
    }
    // Each challenge is priced on the load before it: 0/8 … 3/8 → 8, 4/8 and 5/8 → 9, 6/8 → 10, 7/8 → 10.
    expect(seen).toEqual([8, 8, 8, 8, 9, 9, 10, 10]);
    expect(guard.difficulty()).toBe(11); // 8/8
  });

  it("adds a bit when half the admission slots are taken", async () => {
    const { guard } = setup({ maxAdmitted: 2 });
    const { solution } = await solvedFor(guard, "conn-a");
    expect(guard.verify({ connectionId: "conn-a" }, solution).ok).toBe(true);
    expect(guard.difficulty()).toBe(9);
  });

  it("holds the load bits after the load falls, then decays one bit per decayMs", () => {
    const { clock, guard } = setup({ maxOutstanding: 8 });
    for (let i = 0; i < 8; i++) challengeFor(guard, `conn-${i}`);
    expect(guard.difficulty()).toBe(11);
    clock.advance(TEST_CONFIG.puzzleTtlMs); // every challenge expired: the load is gone
    expect(guard.stats()).toEqual(expect.objectContaining({ outstanding: 0, difficulty: 11 }));
    clock.advance(DECAY - TEST_CONFIG.puzzleTtlMs);
    expect(guard.difficulty()).toBe(10);
    clock.advance(2 * DECAY);
    expect(guard.difficulty()).toBe(8);
  });
});

describe("per-connection strikes", () => {
  it("raises only the failing connection's next challenge by one bit", async () => {
    const { guard } = setup();
    const { challenge, solution } = await solvedFor(guard, "conn-a");
    guard.verify({ connectionId: "conn-a" }, { ...solution, counter: failingCounter(challenge) });
    expect(challengeFor(guard, "conn-a").difficulty).toBe(9);
    expect(challengeFor(guard, "conn-b").difficulty).toBe(8);
  });

  it("denies a connection at its 8th strike, and keeps denying it (ERR_RESOURCE_PEER_LIMIT, strikes_exceeded)", () => {
    const { guard } = setup();
    challengeFor(guard, "conn-a");
    for (let i = 0; i < 7; i++) expect(guard.report("conn-a", "malformed_frame").ok).toBe(true);
    const limit = expect.objectContaining({
      code: "ERR_RESOURCE_PEER_LIMIT",
      category: "dos",
      data: { reason: "strikes_exceeded", limit: 8 },
    });
    expect(guard.report("conn-a", "malformed_frame")).toEqual({ ok: false, error: limit });
    expect(guard.admit({ connectionId: "conn-a" })).toEqual({ kind: "deny", connectionId: "conn-a", error: limit });
    expect(guard.stats()).toEqual(expect.objectContaining({ outstanding: 0, denied: 1 }));
  });

  it("revokes an admitted connection that reaches the strike limit", async () => {
    const { guard } = setup();
    const { solution } = await solvedFor(guard, "conn-a");
    expect(guard.verify({ connectionId: "conn-a" }, solution).ok).toBe(true);
    for (let i = 0; i < 7; i++) guard.report("conn-a", "rate_exceeded");
    expect(guard.report("conn-a", "rate_exceeded").ok).toBe(false);
    expect(guard.stats().admitted).toBe(0);
    expect(guard.admit({ connectionId: "conn-a" }).kind).toBe("deny");
  });

  it("forgives strikes one per quiet decayMs, so scattered mistakes never add up to a denial", () => {
    const { clock, guard } = setup();
    for (let i = 0; i < 20; i++) {
      expect(guard.report("conn-a", "violation").ok).toBe(true);
      clock.advance(DECAY);
    }
  });

  it("forgets a released connection's strikes", () => {
    const { guard } = setup();
    for (let i = 0; i < 8; i++) guard.report("conn-a", "violation");
    guard.release("conn-a");
    expect(guard.stats().denied).toBe(0);
  });
});

describe("bounds", () => {
  it("keeps every difficulty within [minBits, maxBits] under random load, abuse and time (seeded)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("report" as const), peer: fc.nat(5), event: fc.constantFrom(...ABUSE_EVENTS) }),
      fc.record({ kind: fc.constant("admit" as const), peer: fc.nat(40) }),
      fc.record({ kind: fc.constant("junk" as const), peer: fc.nat(40) }),
      fc.record({ kind: fc.constant("release" as const), peer: fc.nat(40) }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.nat(3 * DECAY) }),
    );
    const bounds = fc
      .tuple(fc.integer({ min: 1, max: 12 }), fc.nat(6), fc.nat(6))
      .map(([minBits, up, top]) => ({ minBits, baseBits: minBits + up, maxBits: minBits + up + top }));
    fc.assert(
      fc.property(bounds, fc.array(op, { maxLength: 200 }), (config, ops) => {
        const { clock, guard } = setup({ ...config, maxOutstanding: 8, maxAdmitted: 4 });
        const within = (bits: number) => bits >= config.minBits && bits <= config.maxBits;
        for (const o of ops) {
          if (o.kind === "report") guard.report(`peer-${o.peer}`, o.event);
          else if (o.kind === "admit") {
            const decision = guard.admit({ connectionId: `peer-${o.peer}` });
            if (decision.kind === "challenge" && !within(decision.challenge.difficulty)) return false;
          } else if (o.kind === "junk") guard.verify({ connectionId: `peer-${o.peer}` }, { counter: -1 });
          else if (o.kind === "release") guard.release(`peer-${o.peer}`);
          else clock.advance(o.ms);
          if (!within(guard.difficulty())) return false;
          // pending + its index + spent (3 × 8), admitted (4), strike records (8 + 4)
          if (guard.stats().tracked > 3 * 8 + 4 + 12) return false;
        }
        return true;
      }),
      fuzzConfig(200),
    );
  });
});
