// When the Peers page re-reads the node's sync overview: on the events that change it, not on a
// clock. Commits move `connection.revision` (watchCommits), the page's links move
// `peering.onChange`, and every step of a sync session moves `connection.onSyncChange` (watchSync).
// The one change left with no event is the DoS Guard's difficulty falling with time (ADR 0007):
// a slow safety net re-reads for it.
import type { PeerSummary } from "../rpc/node-api.ts";

/** A read that failed (the node busy starting, or gone) is tried again this soon. */
export const FAILED_READ_RETRY_MS = 1_000;
/** The guard's difficulty decays one bit per quiet interval and no event says so: re-read this often. */
export const SAFETY_NET_MS = 30_000;

/** Schedules `run` after `ms`; returns its cancel. Injected, so a test decides whether time passes. */
export type Later = (run: () => void, ms: number) => () => void;

export const realLater: Later = (run, ms) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

/**
 * How long until the overview should be read again with no event: soon after a failed read, else
 * only the safety net, whatever step the sessions are in (each step has its event now).
 */
export function fallbackDelay(peers: readonly Pick<PeerSummary, "state" | "upToDate">[] | null): number {
  return peers === null ? FAILED_READ_RETRY_MS : SAFETY_NET_MS;
}

export type PeersRefresh = {
  /** After each read (null: it failed): schedules the one fallback re-read `fallbackDelay` says. */
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
      cancel = later(refresh, fallbackDelay(peers));
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
