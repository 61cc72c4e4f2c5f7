// The retry pauses: they double per failed try, never pass the cap, and jitter within [ceiling/2, ceiling].
import { describe, expect, it } from "vitest";
import { backoffDelay, RELAY_BACKOFF } from "./backoff.ts";

const policy = { baseMs: 100, capMs: 1_000 };

describe("backoff", () => {
  it("doubles the ceiling per try and stops at the cap", () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n, policy, () => 0.999_999));
    expect(ceilings).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it("never waits less than half the ceiling, so a failing relay is not hammered", () => {
    expect([1, 2, 3, 4, 9].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });

  it("spreads a crowd's pauses: different random draws give different pauses within the bounds", () => {
    let seed = Number(process.env["FUZZ_SEED"] ?? 7);
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pauses = Array.from({ length: 200 }, () => backoffDelay(4, policy, random));
    expect(Math.min(...pauses)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(800);
    expect(new Set(pauses).size).toBeGreaterThan(50);
  });

  it("treats a nonsense try number or draw as the first try and the bounds", () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(-3, policy, () => 0)).toBe(50);
    expect(backoffDelay(2, policy, () => 7)).toBe(200);
    expect(backoffDelay(1e9, RELAY_BACKOFF, () => 1)).toBe(RELAY_BACKOFF.capMs);
  });
});
