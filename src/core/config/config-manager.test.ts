// Config manager: layered values, atomic and serialized updates, fail-closed open, and every
// rejection path (config_invalid reasons, ERR_MNG_CONFIG_*).
import { describe, expect, it } from "vitest";
import { AssertionError } from "../shared/assert.ts";
import type { JsonValue } from "../shared/json.ts";
import { PROTOCOL_VERSION } from "../wire/index.ts";
import {
  CONFIG_DEFAULTS,
  CONFIG_KEYS,
  createConfigManager,
  createMemorySettingsStore,
  type ConfigManager,
  type SettingsStore,
} from "./index.ts";

async function opened(options: Parameters<typeof createConfigManager>[0]): Promise<ConfigManager> {
  const config = createConfigManager(options);
  const result = await config.open();
  if (!result.ok) throw new Error(result.error.message);
  return config;
}

/** A store whose saves wait for release(), to hold updates in flight. */
function gatedStore(initial: Record<string, JsonValue> = {}) {
  const inner = createMemorySettingsStore(initial);
  const gates: (() => void)[] = [];
  const saves: Record<string, JsonValue>[] = [];
  const store: SettingsStore = {
    load: () => inner.load(),
    save: async (entries) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      saves.push({ ...entries });
      await inner.save(entries);
    },
  };
  return { store, inner, saves, release: () => gates.shift()?.(), pending: () => gates.length };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("open", () => {
  it("publishes the registry defaults at seq 0 with an empty store", async () => {
    const config = await opened({ store: createMemorySettingsStore() });
    expect(config.snapshot()).toEqual({ seq: 0, values: CONFIG_DEFAULTS, pendingRestart: [] });
    // Derived from the build's PROTOCOL_VERSION (wire profile v2; 2.1.0 since deflated frames, ADR 0035), never configured.
    expect(config.get("node.protocol.version")).toBe(PROTOCOL_VERSION.join("."));
    expect(config.get("node.protocol.version")).toBe("2.1.0");
    expect(config.get("network.envelope.max_bytes")).toBe(1_048_576);
    expect(config.get("storage.budget.max_bytes")).toBe(512 * 1024 * 1024);
  });

  it("layers defaults < persisted < overrides", async () => {
    const store = createMemorySettingsStore({ "graph.read.max_limit": 500, "event.queue.per_subscriber": 64 });
    const config = await opened({ store, overrides: { "graph.read.max_limit": 50 } });
    expect(config.get("graph.read.max_limit")).toBe(50);
    expect(config.get("event.queue.per_subscriber")).toBe(64);
    expect(config.get("log.query.max_limit")).toBe(1000);
  });

  it("never persists overrides", async () => {
    const store = createMemorySettingsStore();
    await opened({ store, overrides: { "graph.read.max_limit": 50 } });
    expect(store.entries()).toEqual({});
  });

  it("rejects a persisted unknown key (ERR_MNG_CONFIG_SCHEMA_INVALID, fail closed)", async () => {
    const config = createConfigManager({ store: createMemorySettingsStore({ "graph.read.limit": 5 }) });
    expect(await config.open()).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_CONFIG_SCHEMA_INVALID", category: "config", data: { reason: "unknown_key", key: "graph.read.limit" } },
    });
    expect(() => config.snapshot()).toThrow(AssertionError);
  });

  it.each([
    ["a wrong type", { "graph.read.max_limit": "1000" }, "wrong_type"],
    ["a fraction for an integer", { "graph.read.max_limit": 10.5 }, "wrong_type"],
    ["a value below the minimum", { "graph.read.max_limit": 0 }, "below_minimum"],
    ["a value above the maximum", { "log.query.max_limit": 1001 }, "above_maximum"],
    ["an immutable key", { "node.protocol.version": "2.0.0" }, "immutable_key"],
    ["base bits above max bits", { "dos.difficulty.base_bits": 20, "dos.difficulty.max_bits": 16 }, "constraint_violated"],
  ] as const)("rejects %s in the persisted settings (ERR_MNG_CONFIG_SCHEMA_INVALID)", async (_name, persisted, reason) => {
    const config = createConfigManager({ store: createMemorySettingsStore(persisted) });
    expect(await config.open()).toMatchObject({ ok: false, error: { code: "ERR_MNG_CONFIG_SCHEMA_INVALID", data: { reason } } });
  });

  it("rejects a store that does not hold a plain object", async () => {
    const config = createConfigManager({ store: { load: () => Promise.resolve([] as any), save: () => Promise.resolve() } });
    expect(await config.open()).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_CONFIG_SCHEMA_INVALID", data: { reason: "expected_object" } },
    });
  });

  it("reports a failing load (ERR_MNG_CONFIG_PERSISTENCE_FAILED) and can be opened again later", async () => {
    let broken = true;
    const store: SettingsStore = {
      load: () => (broken ? Promise.reject(new Error("disk")) : Promise.resolve({})),
      save: () => Promise.resolve(),
    };
    const config = createConfigManager({ store });
    expect(await config.open()).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_CONFIG_PERSISTENCE_FAILED", data: { reason: "load_failed" } },
    });
    broken = false;
    expect((await config.open()).ok).toBe(true);
  });

  it.each([
    ["an unknown override", { "debug.enabled": true }, "unknown_key"],
    ["an override of node.protocol.version", { "node.protocol.version": "1.0.0" }, "immutable_key"],
    ["an override out of range", { "dos.puzzle.ttl_ms": 5 }, "below_minimum"],
    ["overrides that break a relation", { "network.envelope.max_bytes": 4_194_304 }, "constraint_violated"],
  ] as const)("rejects %s (config_invalid)", async (_name, overrides, reason) => {
    const config = createConfigManager({ store: createMemorySettingsStore(), overrides });
    expect(await config.open()).toMatchObject({ ok: false, error: { code: "config_invalid", category: "config", data: { reason } } });
  });

  it("throws when opened twice or used before open (bugs)", async () => {
    const config = createConfigManager({ store: createMemorySettingsStore() });
    expect(() => config.get("graph.read.max_limit")).toThrow(AssertionError);
    expect(() => config.update({})).toThrow(AssertionError);
    await config.open();
    await expect(config.open()).rejects.toThrow(AssertionError);
    expect(() => config.get("nope" as any)).toThrow(AssertionError);
  });
});

describe("update", () => {
  it("applies, persists and bumps seq by one", async () => {
    const store = createMemorySettingsStore();
    const config = await opened({ store });
    const result = await config.update({ "graph.read.max_limit": 200, "dos.puzzle.ttl_ms": 10_000 });
    expect(result).toMatchObject({ ok: true, value: { seq: 1 } });
    expect(config.get("graph.read.max_limit")).toBe(200);
    expect(config.snapshot().values["dos.puzzle.ttl_ms"]).toBe(10_000);
    expect(store.entries()).toEqual({ "graph.read.max_limit": 200, "dos.puzzle.ttl_ms": 10_000 });
  });

  it("returns frozen snapshots that later updates leave alone", async () => {
    const config = await opened({ store: createMemorySettingsStore() });
    const before = config.snapshot();
    await config.update({ "graph.read.max_limit": 200 });
    expect(Object.isFrozen(before) && Object.isFrozen(before.values) && Object.isFrozen(before.pendingRestart)).toBe(true);
    expect(before.values["graph.read.max_limit"]).toBe(1000);
    expect(() => ((before.values as any)["graph.read.max_limit"] = 1)).toThrow(TypeError);
  });

  it("survives a reopen on the same store", async () => {
    const store = createMemorySettingsStore();
    const first = await opened({ store });
    await first.update({ "storage.budget.max_envelopes": 1234, "network.rate.inbound.max_msgs_per_sec": 50 });
    const second = await opened({ store });
    expect(second.get("storage.budget.max_envelopes")).toBe(1234);
    expect(second.get("network.rate.inbound.max_msgs_per_sec")).toBe(50);
    expect(second.snapshot().seq).toBe(0);
  });

  it("treats an empty update as a no-op: same snapshot, nothing saved", async () => {
    const { store, pending } = gatedStore();
    const config = await opened({ store });
    const before = config.snapshot();
    expect(await config.update({})).toEqual({ ok: true, value: before });
    expect(pending()).toBe(0);
  });

  const invalid: readonly [string, Record<string, JsonValue>, string][] = [
    ["an unknown key", { "graph.read.max_limit": 10, "graph.unknown": 1 }, "unknown_key"],
    ["node.protocol.version", { "node.protocol.version": "1.0.0" }, "immutable_key"],
    ["a string for an integer", { "graph.read.max_limit": "10" }, "wrong_type"],
    ["null", { "graph.read.max_limit": null }, "wrong_type"],
    ["a fraction for an integer", { "dos.puzzle.ttl_ms": 1000.5 }, "wrong_type"],
    ["an unsafe integer", { "storage.budget.max_bytes": 2 ** 53 }, "wrong_type"],
    ["a value below the minimum", { "graph.read.max_limit": 10, "event.queue.per_subscriber": 0 }, "below_minimum"],
    ["a value above the maximum", { "dos.difficulty.max_bits": 33 }, "above_maximum"],
    ["base bits above max bits", { "dos.difficulty.base_bits": 23 }, "constraint_violated"],
    ["an envelope limit above the inbound buffer", { "network.buffer.inbound.max_bytes": 1_000_000 }, "constraint_violated"],
  ];

  it.each(invalid)("rejects %s atomically (config_invalid): nothing saved, snapshot and seq unchanged", async (_name, updates, reason) => {
    const store = createMemorySettingsStore();
    const config = await opened({ store });
    await config.update({ "graph.read.max_limit": 700 });
    const before = config.snapshot();
    const result = await config.update(updates);
    expect(result).toMatchObject({ ok: false, error: { code: "config_invalid", category: "config", data: { reason } } });
    expect(config.snapshot()).toBe(before);
    expect(store.entries()).toEqual({ "graph.read.max_limit": 700 });
  });

  it("names the offending keys of a relation", async () => {
    const config = await opened({ store: createMemorySettingsStore() });
    expect(await config.update({ "dos.difficulty.max_bits": 8 })).toMatchObject({
      ok: false,
      error: { data: { reason: "constraint_violated", key: "dos.difficulty.base_bits", other: "dos.difficulty.max_bits" } },
    });
  });

  it("accepts related keys changed together in one update", async () => {
    const config = await opened({ store: createMemorySettingsStore() });
    const result = await config.update({ "dos.difficulty.base_bits": 24, "dos.difficulty.max_bits": 28 });
    expect(result.ok).toBe(true);
  });

  it("rejects a non-object update (config_invalid expected_object)", async () => {
    const config = await opened({ store: createMemorySettingsStore() });
    expect(await config.update([] as any)).toMatchObject({
      ok: false,
      error: { code: "config_invalid", data: { reason: "expected_object" } },
    });
  });

  it("keeps the old snapshot when the save fails (ERR_MNG_CONFIG_PERSISTENCE_FAILED)", async () => {
    const inner = createMemorySettingsStore();
    const store: SettingsStore = { load: () => inner.load(), save: () => Promise.reject(new Error("quota")) };
    const config = await opened({ store });
    const before = config.snapshot();
    const result = await config.update({ "graph.read.max_limit": 5 });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_CONFIG_PERSISTENCE_FAILED", category: "config", data: { reason: "save_failed" } },
    });
    expect(config.snapshot()).toBe(before);
  });

  it("does not see edits the caller makes to the update object after the call", async () => {
    const { store, release, saves } = gatedStore();
    const config = await opened({ store });
    const updates: Record<string, JsonValue> = { "graph.read.max_limit": 5 };
    const pending = config.update(updates);
    updates["graph.read.max_limit"] = 6;
    await tick();
    release();
    await pending;
    expect(saves).toEqual([{ "graph.read.max_limit": 5 }]);
    expect(config.get("graph.read.max_limit")).toBe(5);
  });

  it("keeps a shadowing override active while still persisting the update", async () => {
    const store = createMemorySettingsStore();
    const config = await opened({ store, overrides: { "graph.read.max_limit": 50 } });
    const result = await config.update({ "graph.read.max_limit": 70 });
    expect(result).toMatchObject({ ok: true, value: { seq: 1 } });
    expect(config.get("graph.read.max_limit")).toBe(50);
    expect(store.entries()).toEqual({ "graph.read.max_limit": 70 });
  });
});

describe("non-reloadable keys (architecture 01)", () => {
  it("persists the update but keeps the opened value until the next open", async () => {
    const store = createMemorySettingsStore();
    const config = await opened({ store });
    const result = await config.update({ "graph.pending.max_envelopes": 500 });
    expect(result).toMatchObject({ ok: true, value: { seq: 1, pendingRestart: ["graph.pending.max_envelopes"] } });
    expect(config.get("graph.pending.max_envelopes")).toBe(10_000);
    const reopened = await opened({ store });
    expect(reopened.get("graph.pending.max_envelopes")).toBe(500);
    expect(reopened.snapshot().pendingRestart).toEqual([]);
  });

  it("clears the pending mark when the stored value returns to the active one", async () => {
    const config = await opened({ store: createMemorySettingsStore() });
    await config.update({ "graph.pending.max_envelopes": 500 });
    const back = await config.update({ "graph.pending.max_envelopes": 10_000 });
    expect(back).toMatchObject({ ok: true, value: { seq: 2, pendingRestart: [] } });
  });
});

describe("serialized updates (architecture 01)", () => {
  it("applies two concurrent updates one after the other, in call order", async () => {
    const { store, release, saves, pending } = gatedStore();
    const config = await opened({ store });
    const first = config.update({ "graph.read.max_limit": 1 });
    const second = config.update({ "graph.read.max_limit": 2, "log.query.max_limit": 2 });
    await tick();
    // Only the first save has started: the second waits behind it.
    expect(pending()).toBe(1);
    release();
    expect(await first).toMatchObject({ ok: true, value: { seq: 1, values: { "graph.read.max_limit": 1, "log.query.max_limit": 1000 } } });
    await tick();
    expect(pending()).toBe(1);
    release();
    expect(await second).toMatchObject({ ok: true, value: { seq: 2, values: { "graph.read.max_limit": 2, "log.query.max_limit": 2 } } });
    expect(saves).toEqual([{ "graph.read.max_limit": 1 }, { "graph.read.max_limit": 2, "log.query.max_limit": 2 }]);
  });

  it("checks relations against the state the earlier update left", async () => {
    const { store, release } = gatedStore();
    const config = await opened({ store });
    const raise = config.update({ "dos.difficulty.max_bits": 30 });
    const base = config.update({ "dos.difficulty.base_bits": 26 });
    await tick();
    release();
    await raise;
    await tick();
    release();
    expect(await base).toMatchObject({ ok: true, value: { seq: 2 } });
  });

  it("keeps going after a failed save in the queue", async () => {
    let fail = true;
    const inner = createMemorySettingsStore();
    const store: SettingsStore = {
      load: () => inner.load(),
      save: (entries) => {
        if (!fail) return inner.save(entries);
        fail = false;
        return Promise.reject(new Error("once"));
      },
    };
    const config = await opened({ store });
    const [a, b] = await Promise.all([config.update({ "graph.read.max_limit": 1 }), config.update({ "graph.read.max_limit": 2 })]);
    expect(a.ok).toBe(false);
    expect(b).toMatchObject({ ok: true, value: { seq: 1 } });
  });

  it("refuses updates beyond the bounded queue (ERR_MNG_CONFIG_UPDATE_QUEUE_FULL)", async () => {
    const { store, release } = gatedStore();
    const config = await opened({ store, maxQueuedUpdates: 2 });
    const a = config.update({ "graph.read.max_limit": 1 });
    const b = config.update({ "graph.read.max_limit": 2 });
    const c = await config.update({ "graph.read.max_limit": 3 });
    expect(c).toMatchObject({ ok: false, error: { code: "ERR_MNG_CONFIG_UPDATE_QUEUE_FULL", data: { reason: "queue_full" } } });
    await tick();
    release();
    await a;
    await tick();
    release();
    await b;
    expect(config.snapshot().seq).toBe(2);
    const d = config.update({ "graph.read.max_limit": 4 });
    await tick();
    release();
    expect(await d).toMatchObject({ ok: true, value: { seq: 3 } });
  });

  it("throws on a queue bound that is not a positive integer (a bug)", () => {
    expect(() => createConfigManager({ store: createMemorySettingsStore(), maxQueuedUpdates: 0 })).toThrow(AssertionError);
  });
});

describe("registry", () => {
  it("registers each key once, with a description", () => {
    const keys = CONFIG_KEYS.map((spec) => spec.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const spec of CONFIG_KEYS) expect(spec.description.length).toBeGreaterThan(10);
  });

  it("has defaults that pass their own rules", async () => {
    const layer = Object.fromEntries(CONFIG_KEYS.filter((spec) => !spec.key.startsWith("node.")).map((spec) => [spec.key, spec.default]));
    const config = createConfigManager({ store: createMemorySettingsStore(layer) });
    expect((await config.open()).ok).toBe(true);
  });

  it("takes the design's defaults", () => {
    expect(CONFIG_DEFAULTS).toMatchObject({
      "network.envelope.max_bytes": 1_048_576,
      "network.peer.max_admitted_sessions": 2,
      "network.buffer.inbound.max_bytes": 2_097_152,
      "network.buffer.outbound.max_bytes": 2_097_152,
      "network.rate.inbound.max_msgs_per_sec": 200,
      "network.rate.outbound.max_msgs_per_sec": 200,
      "graph.pending.max_envelopes": 10_000,
      "graph.read.max_limit": 1000,
      "storage.budget.max_envelopes": 250_000,
      "storage.budget.max_bytes": 536_870_912,
      "event.queue.per_subscriber": 256,
      "log.query.max_limit": 1000,
    });
  });
});
