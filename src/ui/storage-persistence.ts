// Asks the browser to keep this origin's data (navigator.storage.persist) and tracks the answer, so
// the shell can say plainly whether the node's history may be evicted under storage pressure.
import { createSignal, type Accessor } from "solid-js";

export type PersistenceState = "unknown" | "persistent" | "best_effort" | "unsupported";

export type Persistence = {
  readonly state: Accessor<PersistenceState>;
  /** Whether this page load has asked already (the browser decides without a prompt in Chromium). */
  readonly asked: Accessor<boolean>;
  request(): Promise<PersistenceState>;
};

export function createPersistence(): Persistence {
  const storage = typeof navigator === "undefined" ? undefined : (navigator.storage as StorageManager | undefined);
  const [state, setState] = createSignal<PersistenceState>(storage?.persist === undefined ? "unsupported" : "unknown");
  const [asked, setAsked] = createSignal(false);

  async function request(): Promise<PersistenceState> {
    if (storage?.persist === undefined) return "unsupported";
    setAsked(true);
    const granted = (await storage.persisted().catch(() => false)) || (await storage.persist().catch(() => false));
    const next = granted ? "persistent" : "best_effort";
    setState(next);
    return next;
  }

  return { state, asked, request };
}
