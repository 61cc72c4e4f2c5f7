// Asks the browser to keep this origin's data (navigator.storage.persist) and tracks the answer, so
// the shell can say plainly whether the node's history may be evicted under storage pressure.
// The moment: a page load only looks (persisted(), which never prompts); the shell asks once the
// person has something to keep, their identity (app.tsx), and again when they press "Ask again".
// Chromium decides without a prompt, from how much the site is used (installed, bookmarked), so an
// early ask from a site seen for the first time is mostly refused and would only be wasted.
import { createSignal, type Accessor } from "solid-js";

/** `not_asked`: nothing to keep yet, so nothing asked; `unknown`: the question is out. */
export type PersistenceState = "not_asked" | "unknown" | "persistent" | "best_effort" | "unsupported";

export type Persistence = {
  readonly state: Accessor<PersistenceState>;
  /** Whether this page load has asked already (the browser decides without a prompt in Chromium). */
  readonly asked: Accessor<boolean>;
  /** Looks whether the browser already keeps the data; asks nothing. */
  check(): Promise<PersistenceState>;
  request(): Promise<PersistenceState>;
};

type PersistApi = Pick<StorageManager, "persist" | "persisted">;

export function createPersistence(
  // `null`, not undefined, for "no API": an explicit undefined would take the default.
  storage: PersistApi | null = typeof navigator === "undefined" || navigator.storage === undefined ? null : navigator.storage,
): Persistence {
  const supported = storage !== null && storage.persist !== undefined && storage.persisted !== undefined;
  const [state, setState] = createSignal<PersistenceState>(supported ? "not_asked" : "unsupported");
  const [asked, setAsked] = createSignal(false);

  async function check(): Promise<PersistenceState> {
    if (!supported) return "unsupported";
    const kept = await storage.persisted().catch(() => false);
    // An answer of a request wins over a look that started before it.
    if (kept) setState("persistent");
    return state();
  }

  async function request(): Promise<PersistenceState> {
    if (!supported) return "unsupported";
    setAsked(true);
    if (state() !== "persistent") setState("unknown");
    const granted = (await storage.persisted().catch(() => false)) || (await storage.persist().catch(() => false));
    const next = granted ? "persistent" : "best_effort";
    setState(next);
    return next;
  }

  return { state, asked, check, request };
}
