// When the Peers page re-reads the node's sync overview: on the events that change it, not on a
// clock. Commits move `connection.revision` (watchCommits) and the page's links move
// `peering.onChange`; only the session steps no event reports fall back to a timed re-read.
import type { PeerSummary } from "../rpc/node-api.ts";

/** While a session is in a step no event reports (its hellos, the peer's acks): re-read this often. */
export const STEP_FALLBACK_MS = 1_000;
/** While sessions are open and settled: a session closed by the worker alone (a peer cut off) has no event. */
export const OPEN_FALLBACK_MS = 5_000;

/** Schedules `run` after `ms`; returns its cancel. Injected, so a test decides whether time passes. */
export type Later = (run: () => void, ms: number) => () => void;

export const realLater: Later = (run, ms) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

/**
 * How long until the overview should be read again with no event, or null for never: the
 * handshake, the "Catching up"→"Up to date" turn and the peer's acks emit nothing the page hears.
 */
export function fallbackDelay(peers: readonly Pick<PeerSummary, "state" | "upToDate">[] | null): number | null {
  if (peers === null) return STEP_FALLBACK_MS; // the read failed: try again as the poll did
  if (peers.some((p) => p.state !== "closed" && (p.state !== "live" || !p.upToDate))) return STEP_FALLBACK_MS;
  return peers.some((p) => p.state !== "closed") ? OPEN_FALLBACK_MS : null;
}

export type PeersRefresh = {
  /** After each read (null: it failed): keeps a fallback re-read only while the peers need one. */
  read(peers: readonly Pick<PeerSummary, "state" | "upToDate">[] | null): void;
  close(): void;
};

/** Calls `refresh` on every event of `onEvent`, and after a read only as `fallbackDelay` says. */
export function createPeersRefresh(
  onEvent: (listener: () => void) => () => void,
  refresh: () => void,
  later: Later = realLater,
): PeersRefresh {
  let cancel: (() => void) | null = null;
  const stopFallback = () => {
    cancel?.();
    cancel = null;
  };
  const unsubscribe = onEvent(() => {
    stopFallback();
    refresh();
  });
  return {
    read(peers) {
      stopFallback();
      const delay = fallbackDelay(peers);
      if (delay !== null) cancel = later(refresh, delay);
    },
    close() {
      stopFallback();
      unsubscribe();
    },
  };
}

/**
 * At most one run per `ms`, and one more after the last call within it, so the last state is never
 * left out (the digest after a sync's final commit).
 */
export function createThrottle(
  run: () => void,
  ms: number,
  now: () => number = Date.now,
  later: Later = realLater,
): { readonly call: () => void; readonly cancel: () => void } {
  let lastAt = Number.NEGATIVE_INFINITY;
  let trailing: (() => void) | null = null;
  const fire = () => {
    trailing = null;
    lastAt = now();
    run();
  };
  return {
    call: () => {
      if (trailing !== null) return;
      const wait = lastAt + ms - now();
      if (wait <= 0) fire();
      else trailing = later(fire, wait);
    },
    cancel: () => {
      trailing?.();
      trailing = null;
    },
  };
}
