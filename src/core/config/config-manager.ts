// The Config manager: sole loader, validator and publisher of node-local settings (architecture 01).
// It owns the registry's values and frozen snapshots; it never reads another manager's state.
import { assert } from "../shared/assert.ts";
import { nodeError, type NodeError } from "../shared/errors.ts";
import type { JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { CONFIG_DEFAULTS, CONFIG_KEYS, configKeySpec, type ConfigKey, type ConfigValues } from "./config-keys.ts";
import type { SettingsStore } from "./ports.ts";
import { issueError, layerIssue, relationIssue } from "./validate-settings.ts";

export type ConfigSnapshot = {
  /** 0 when opened, +1 per successful update (architecture 01 cfg_seq); not persisted. */
  readonly seq: number;
  /** The active values: defaults < persisted < overrides. */
  readonly values: ConfigValues;
  /** Non-reloadable keys whose stored value differs from the active one: they apply at the next open. */
  readonly pendingRestart: readonly ConfigKey[];
};

export interface ConfigManager {
  /** Loads and validates the persisted settings; fails closed on anything invalid. */
  open(): Promise<Result<ConfigSnapshot>>;
  get<K extends ConfigKey>(key: K): ConfigValues[K];
  snapshot(): ConfigSnapshot;
  /** Validates every entry, persists all of them in one save, then publishes one new snapshot. */
  update(updates: Readonly<Record<string, JsonValue>>): Promise<Result<ConfigSnapshot>>;
}

export type ConfigManagerOptions = {
  readonly store: SettingsStore;
  /** Ephemeral (test, dev, embedding) values above every other layer; never persisted. */
  readonly overrides?: Readonly<Record<string, JsonValue>>;
  /** architecture 01: a bounded serial request queue. Updates running or waiting; default 16. */
  readonly maxQueuedUpdates?: number;
};

type Layer = Readonly<Record<string, JsonValue>>;

function merge(...layers: readonly Layer[]): ConfigValues {
  return Object.assign({}, CONFIG_DEFAULTS, ...layers) as ConfigValues;
}

function freezeSnapshot(seq: number, values: ConfigValues, pendingRestart: readonly ConfigKey[]): ConfigSnapshot {
  return Object.freeze({ seq, values: Object.freeze(values), pendingRestart: Object.freeze([...pendingRestart]) });
}

/** Non-reloadable keys keep the value they had when the manager opened (architecture 01). */
function activeValues(atNextOpen: ConfigValues, opened: ConfigValues): ConfigValues {
  const active: Record<string, JsonValue> = { ...atNextOpen };
  for (const spec of CONFIG_KEYS) if (!spec.reloadable) active[spec.key] = opened[spec.key];
  return active as ConfigValues;
}

function pendingKeys(atNextOpen: ConfigValues, active: ConfigValues): ConfigKey[] {
  return CONFIG_KEYS.filter((spec) => atNextOpen[spec.key] !== active[spec.key]).map((spec) => spec.key);
}

function persistenceFailed(reason: "load_failed" | "save_failed", cause: unknown): NodeError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return nodeError("ERR_MNG_CONFIG_PERSISTENCE_FAILED", `settings store: ${reason.replace("_", " ")}: ${detail}`, { reason });
}

export function createConfigManager(options: ConfigManagerOptions): ConfigManager {
  const { store } = options;
  const overrides: Layer = { ...(options.overrides ?? {}) };
  const maxQueued = options.maxQueuedUpdates ?? 16;
  assert(Number.isSafeInteger(maxQueued) && maxQueued >= 1, "maxQueuedUpdates must be a positive integer");

  let phase: "closed" | "opening" | "open" = "closed";
  let persisted: Layer = {};
  let opened: ConfigValues = CONFIG_DEFAULTS;
  let current: ConfigSnapshot | undefined;
  // architecture 01: update/reload serialized. One promise chain; `queued` counts running + waiting.
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;

  function published(): ConfigSnapshot {
    assert(phase === "open" && current !== undefined, "config manager used before open() succeeded");
    return current;
  }

  async function open(): Promise<Result<ConfigSnapshot>> {
    assert(phase === "closed", "config manager opened twice");
    phase = "opening";
    const result = await load();
    phase = result.ok ? "open" : "closed";
    return result;
  }

  async function load(): Promise<Result<ConfigSnapshot>> {
    // Overrides come from the embedding code, so a bad one is the caller's invalid input.
    const badOverride = layerIssue(overrides);
    if (badOverride !== undefined) return err(issueError("config_invalid", badOverride));
    let stored: unknown;
    try {
      stored = await store.load();
    } catch (cause) {
      return err(persistenceFailed("load_failed", cause));
    }
    // Fail closed (architecture 01 startup: merge -> validate, else halt): no invalid row is ignored.
    const badStored = layerIssue(stored);
    if (badStored !== undefined) return err(issueError("ERR_MNG_CONFIG_SCHEMA_INVALID", badStored));
    const storedLayer = { ...(stored as Layer) };
    const badRelation = relationIssue(merge(storedLayer));
    if (badRelation !== undefined) return err(issueError("ERR_MNG_CONFIG_SCHEMA_INVALID", badRelation));
    const values = merge(storedLayer, overrides);
    const badMerged = relationIssue(values);
    if (badMerged !== undefined) return err(issueError("config_invalid", badMerged));
    persisted = storedLayer;
    opened = values;
    current = freezeSnapshot(0, { ...values }, []);
    return ok(current);
  }

  async function apply(updates: Layer): Promise<Result<ConfigSnapshot>> {
    const before = published();
    if (Object.keys(updates).length === 0) return ok(before);
    const nextPersisted = { ...persisted, ...updates };
    const atNextOpen = merge(nextPersisted, overrides);
    const active = activeValues(atNextOpen, opened);
    const badRelation = relationIssue(atNextOpen) ?? relationIssue(active);
    if (badRelation !== undefined) return err(issueError("config_invalid", badRelation));
    try {
      await store.save(updates);
    } catch (cause) {
      // Nothing changes: the store promised all or none, and the snapshot was never replaced.
      return err(persistenceFailed("save_failed", cause));
    }
    persisted = nextPersisted;
    current = freezeSnapshot(before.seq + 1, active, pendingKeys(atNextOpen, active));
    return ok(current);
  }

  function update(updates: Readonly<Record<string, JsonValue>>): Promise<Result<ConfigSnapshot>> {
    published();
    // Validate and copy now: a bad request never waits in the queue, and later caller edits are not seen.
    const bad = layerIssue(updates);
    if (bad !== undefined) return Promise.resolve(err(issueError("config_invalid", bad)));
    if (queued >= maxQueued) {
      return Promise.resolve(
        err(nodeError("ERR_MNG_CONFIG_UPDATE_QUEUE_FULL", `more than ${maxQueued} config updates are queued`, { reason: "queue_full" })),
      );
    }
    const copy: Layer = { ...updates };
    queued += 1;
    const run = tail.then(() => apply(copy));
    const settled = run.finally(() => void (queued -= 1));
    tail = settled.catch(() => undefined);
    return settled;
  }

  return {
    open,
    get: (key) => {
      assert(configKeySpec(key) !== undefined, `unregistered config key ${key}`);
      return published().values[key];
    },
    snapshot: published,
    update,
  };
}
