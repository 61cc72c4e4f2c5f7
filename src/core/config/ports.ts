// What the Config manager needs from persistence: the `settings` store of the node database, which
// the Storage manager implements (architecture 01: Config is the store's sole reader and writer).
import type { JsonValue } from "../shared/json.ts";

export type SettingsStore = {
  /** Every persisted setting. A rejection means the store could not be read. */
  load(): Promise<Readonly<Record<string, JsonValue>>>;
  /** Upserts exactly these entries, all or none (one transaction). A rejection means none were written. */
  save(entries: Readonly<Record<string, JsonValue>>): Promise<void>;
};
