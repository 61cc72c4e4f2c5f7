// Keeps a remembered relay room joined: joins it again when the page starts and after the relay
// link drops, with capped, jittered backoff (backoff.ts), until the person leaves the room. The
// room itself lives in Peering; this only decides when to join, and remembers where.
import type { Result } from "../core/shared/result.ts";
import { backoffDelay, RELAY_BACKOFF, type BackoffPolicy } from "./backoff.ts";

export type RoomRef = { readonly url: string; readonly room: string };

/** Where the remembered room is kept (the shell: localStorage). */
export type RoomStore = { load(): RoomRef | null; save(ref: RoomRef | null): void };

export type KeeperError = { readonly code: string; readonly message: string; readonly reason: string };

export type KeeperState =
  | { readonly phase: "idle" }
  /** `rejoin`: the keeper's own try at a remembered room, not the person's join. */
  | { readonly phase: "joining"; readonly ref: RoomRef; readonly attempt: number; readonly rejoin: boolean }
  | { readonly phase: "joined"; readonly ref: RoomRef }
  /** The last try failed; the next one starts after `delayMs`. */
  | { readonly phase: "waiting"; readonly ref: RoomRef; readonly attempt: number; readonly delayMs: number; readonly error: KeeperError };

export type RoomKeeperOptions = {
  readonly join: (url: string, room: string) => Promise<Result<void>>;
  readonly leave: () => void;
  /** The room Peering is in now; null once its relay link closed. */
  readonly current: () => RoomRef | null;
  /** Peering's changes: the keeper looks whether the room is still there. */
  readonly onPeeringChange: (listener: () => void) => () => void;
  readonly store: RoomStore;
  readonly policy?: BackoffPolicy;
  readonly random?: () => number;
  readonly setTimer?: (run: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
};

export type RoomKeeper = {
  state(): KeeperState;
  onChange(listener: () => void): () => void;
  /** Joins the remembered room, if any (the page start). */
  start(): void;
  /** The person joins a room: remembered once the join succeeded, never before. */
  join(url: string, room: string): Promise<Result<void>>;
  /** The person leaves: forgotten, and no more tries. */
  leave(): void;
  /** Stops trying now (the page closes); the room stays remembered. */
  close(): void;
};

function keeperError(error: { code: string; message: string; data?: Readonly<Record<string, unknown>> }): KeeperError {
  const reason = error.data?.["reason"];
  return { code: error.code, message: error.message, reason: typeof reason === "string" ? reason : error.code };
}

export function createRoomKeeper(options: RoomKeeperOptions): RoomKeeper {
  const policy = options.policy ?? RELAY_BACKOFF;
  const setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const listeners = new Set<() => void>();
  let state: KeeperState = { phase: "idle" };
  let timer: unknown;
  /** Bumped by leave/close/join: a try that finishes after it belongs to the past and changes nothing. */
  let generation = 0;

  const set = (next: KeeperState) => {
    state = next;
    for (const l of [...listeners]) l();
  };
  const cancelTimer = () => {
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
  };

  async function attempt(ref: RoomRef, tries: number): Promise<Result<void>> {
    const mine = generation;
    set({ phase: "joining", ref, attempt: tries, rejoin: true });
    const joined = await options.join(ref.url, ref.room);
    if (mine !== generation) return joined;
    if (joined.ok) {
      set({ phase: "joined", ref });
      return joined;
    }
    const delayMs = backoffDelay(tries, policy, options.random);
    set({ phase: "waiting", ref, attempt: tries, delayMs, error: keeperError(joined.error) });
    timer = setTimer(() => {
      timer = undefined;
      if (mine === generation) void attempt(ref, tries + 1);
    }, delayMs);
    return joined;
  }

  const offPeering = options.onPeeringChange(() => {
    // The relay link dropped under a joined room: try again, from the first pause.
    if (state.phase === "joined" && options.current() === null) void attempt(state.ref, 1);
  });

  return {
    state: () => state,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      const ref = options.store.load();
      if (ref === null || state.phase !== "idle") return;
      void attempt(ref, 1);
    },
    async join(url, room) {
      generation += 1;
      cancelTimer();
      const ref = { url, room };
      set({ phase: "joining", ref, attempt: 1, rejoin: false });
      const joined = await options.join(url, room);
      if (!joined.ok) {
        set({ phase: "idle" });
        return joined;
      }
      options.store.save(ref);
      set({ phase: "joined", ref });
      return joined;
    },
    leave() {
      generation += 1;
      cancelTimer();
      options.store.save(null);
      options.leave();
      set({ phase: "idle" });
    },
    close() {
      generation += 1;
      cancelTimer();
      offPeering();
      listeners.clear();
    },
  };
}
