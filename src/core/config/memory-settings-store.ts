// A SettingsStore held in memory: for tests, and for a headless node that runs without a database.
// Same contract as the Storage manager's: load returns a copy, save upserts all or none.
import type { JsonValue } from "../shared/json.ts";
import type { SettingsStore } from "./ports.ts";

export type MemorySettingsStore = SettingsStore & {
  /** What is stored now (a copy), for assertions. */
  readonly entries: () => Readonly<Record<string, JsonValue>>;
};

export function createMemorySettingsStore(initial: Readonly<Record<string, JsonValue>> = {}): MemorySettingsStore {
  let stored: Record<string, JsonValue> = { ...initial };
  return {
    load: () => Promise.resolve({ ...stored }),
    save: (entries) => {
      stored = { ...stored, ...entries };
      return Promise.resolve();
    },
    entries: () => ({ ...stored }),
  };
}
