// Health manager: readiness from critical managers, frozen snapshots, and every rejected signal.
import { describe, expect, it } from "vitest";
import { manualClock } from "../shared/clock.ts";
import { AssertionError } from "../shared/assert.ts";
import { createHealthManager, MAX_DETAIL_CHARS, type ManagerState } from "./index.ts";

function setup() {
  const clock = manualClock();
  const health = createHealthManager({ clock });
  return { clock, health };
}

describe("health registration", () => {
  it("starts empty, not ready, at seq 0", () => {
    const { health } = setup();
    expect(health.snapshot()).toEqual({ seq: 0, ready: false, managers: {} });
  });

  it("registers a manager as starting, stamped with the clock", () => {
    const { health } = setup();
    health.register("storage", { critical: true });
    expect(health.snapshot()).toEqual({
      seq: 1,
      ready: false,
      managers: { storage: { state: "starting", detail: null, since: "2026-11-21T10:00:00.000Z", critical: true } },
    });
  });

  it("throws on a second registration of the same manager (a bug)", () => {
    const { health } = setup();
    health.register("storage", { critical: true });
    expect(() => health.register("storage", { critical: false })).toThrow(AssertionError);
  });

  it.each(["", "Storage", "1log", "a b", "x".repeat(65)])("throws on the malformed manager name %j", (name) => {
    const { health } = setup();
    expect(() => health.register(name, { critical: true })).toThrow(AssertionError);
  });

  it("throws when critical is not a boolean", () => {
    const { health } = setup();
    expect(() => health.register("log", { critical: "yes" as any })).toThrow(AssertionError);
  });
});

describe("readiness (architecture 13)", () => {
  it("is ready only when every critical manager is healthy", () => {
    const { health } = setup();
    health.register("storage", { critical: true });
    health.register("graph", { critical: true });
    expect(health.report("storage", "healthy")).toEqual({ ok: true, value: undefined });
    expect(health.snapshot().ready).toBe(false);
    health.report("graph", "healthy");
    expect(health.snapshot().ready).toBe(true);
  });

  it("stays ready while a non-critical manager is degraded or failed", () => {
    const { health } = setup();
    health.register("storage", { critical: true });
    health.register("app.market", { critical: false });
    health.report("storage", "healthy");
    health.report("app.market", "degraded", "slow");
    expect(health.snapshot().ready).toBe(true);
    health.report("app.market", "failed");
    expect(health.snapshot().ready).toBe(true);
  });

  it.each(["starting", "degraded", "failed", "stopped"] as const)("is not ready while a critical manager is %s", (state) => {
    const { health } = setup();
    health.register("storage", { critical: true });
    health.register("log", { critical: true });
    health.report("storage", "healthy");
    health.report("log", state);
    expect(health.snapshot().ready).toBe(false);
  });

  it("is not ready with only non-critical managers registered (fail closed)", () => {
    const { health } = setup();
    health.register("app.market", { critical: false });
    health.report("app.market", "healthy");
    expect(health.snapshot().ready).toBe(false);
  });

  it("loses readiness when a critical manager degrades, and regains it when it recovers", () => {
    const { health } = setup();
    health.register("network", { critical: true });
    health.report("network", "healthy");
    health.report("network", "degraded", "no peers");
    expect(health.snapshot().ready).toBe(false);
    health.report("network", "healthy");
    expect(health.snapshot().ready).toBe(true);
  });
});

describe("reports", () => {
  it("keeps `since` for a new detail of the same state and moves it on a state change", () => {
    const { health, clock } = setup();
    health.register("network", { critical: true });
    clock.advance(1000);
    health.report("network", "degraded", "one");
    clock.advance(1000);
    health.report("network", "degraded", "two");
    expect(health.snapshot().managers.network).toMatchObject({ state: "degraded", detail: "two", since: "2026-11-21T10:00:01.000Z" });
    clock.advance(1000);
    health.report("network", "healthy");
    expect(health.snapshot().managers.network).toMatchObject({ state: "healthy", detail: null, since: "2026-11-21T10:00:03.000Z" });
  });

  it("increments seq on each change and not on a repeated identical report", () => {
    const { health } = setup();
    health.register("log", { critical: true });
    health.report("log", "healthy");
    const seq = health.snapshot().seq;
    const same = health.snapshot();
    health.report("log", "healthy");
    expect(health.snapshot()).toBe(same);
    health.report("log", "degraded");
    expect(health.snapshot().seq).toBe(seq + 1);
  });

  it("publishes frozen snapshots that later reports do not change", () => {
    const { health } = setup();
    health.register("log", { critical: true });
    const before = health.snapshot();
    health.report("log", "healthy");
    expect(Object.isFrozen(before)).toBe(true);
    expect(Object.isFrozen(before.managers)).toBe(true);
    expect(Object.isFrozen(before.managers.log)).toBe(true);
    expect(before.managers.log!.state).toBe("starting");
    expect(() => ((before as any).ready = true)).toThrow(TypeError);
    expect(JSON.parse(JSON.stringify(health.snapshot()))).toEqual(health.snapshot());
  });

  it("lets a stopped manager start again", () => {
    const { health } = setup();
    health.register("network", { critical: true });
    health.report("network", "stopped");
    expect(health.report("network", "starting").ok).toBe(true);
    expect(health.report("network", "healthy").ok).toBe(true);
  });

  it("lets a failed manager stop", () => {
    const { health } = setup();
    health.register("graph", { critical: true });
    health.report("graph", "failed", "invariant");
    expect(health.report("graph", "stopped").ok).toBe(true);
  });
});

describe("rejected signals (ERR_MNG_HEALTH_SIGNAL_INVALID)", () => {
  const rejects = (result: unknown, reason: string) =>
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_MNG_HEALTH_SIGNAL_INVALID", category: "internal", data: { reason } } });

  it("rejects a report for an unregistered manager", () => {
    const { health } = setup();
    rejects(health.report("ghost", "healthy"), "unknown_manager");
    expect(health.snapshot().managers).toEqual({});
  });

  it.each(["ready", "HEALTHY", "unknown", 3, null])("rejects the state %j", (state) => {
    const { health } = setup();
    health.register("log", { critical: true });
    const before = health.snapshot();
    rejects(health.report("log", state as ManagerState), "invalid_state");
    expect(health.snapshot()).toBe(before);
  });

  it("rejects a detail over the limit or not text", () => {
    const { health } = setup();
    health.register("log", { critical: true });
    rejects(health.report("log", "degraded", "x".repeat(MAX_DETAIL_CHARS + 1)), "invalid_detail");
    rejects(health.report("log", "degraded", 42 as any), "invalid_detail");
    expect(health.report("log", "degraded", "x".repeat(MAX_DETAIL_CHARS)).ok).toBe(true);
  });

  it.each(["starting", "healthy", "degraded"] as const)("never softens a reported failure to %s (architecture 13)", (state) => {
    const { health } = setup();
    health.register("graph", { critical: true });
    health.report("graph", "failed");
    rejects(health.report("graph", state), "transition_not_allowed");
    expect(health.snapshot().managers.graph!.state).toBe("failed");
  });

  it.each(["healthy", "degraded", "failed"] as const)("rejects a stopped manager going straight to %s", (state) => {
    const { health } = setup();
    health.register("graph", { critical: true });
    health.report("graph", "stopped");
    rejects(health.report("graph", state), "transition_not_allowed");
  });
});
