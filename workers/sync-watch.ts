// Sync-change notices to the shell's page: a session's own steps (its transport opening, the
// hellos, packages, acks, its close) tell the Peers page to re-read the overview, so the page needs
// no clock. Coalesced: at most one notice per `spacingMs`, one more after the last change within it
// (the last state always arrives), and never a second while the page has not acknowledged the first.
import { ok, type Result } from "../src/core/index.ts";
import { watchRequest } from "./watch-request.ts";

/** Between two notices to one page: a busy sync changes its sessions hundreds of times a second. */
export const SYNC_NOTICE_SPACING_MS = 250;

/** Schedules `run` after `ms`; returns its cancel. Injected, so a test decides whether time passes. */
export type Later = (run: () => void, ms: number) => () => void;

export type WatchClock = { readonly now: () => number; readonly later: Later };

export const realWatchClock: WatchClock = {
  now: () => performance.now(),
  later: (run, ms) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/** One page's notices: `changed` as often as sessions change, `deliver` as the bound allows. */
export function coalescedNotices(
  deliver: () => Promise<unknown>,
  clock: WatchClock = realWatchClock,
  spacingMs = SYNC_NOTICE_SPACING_MS,
): { changed(): void; close(): void } {
  let lastAt = Number.NEGATIVE_INFINITY;
  let cancelTimer: (() => void) | null = null;
  let inFlight = false;
  let changedMeanwhile = false;
  let closed = false;

  function changed(): void {
    if (closed || cancelTimer !== null) return;
    if (inFlight) return void (changedMeanwhile = true);
    const wait = lastAt + spacingMs - clock.now();
    if (wait <= 0) fire();
    else cancelTimer = clock.later(fire, wait);
  }

  function fire(): void {
    cancelTimer = null;
    if (closed) return;
    lastAt = clock.now();
    inFlight = true;
    changedMeanwhile = false;
    deliver().then(
      () => {
        inFlight = false;
        if (changedMeanwhile) changed();
      },
      () => close(), // the page left: stop, as the commit notices do
    );
  }

  function close(): void {
    closed = true;
    cancelTimer?.();
    cancelTimer = null;
  }
  return { changed, close };
}

export type SyncWatches = {
  /** `onChange` is a Comlink.proxy; its returned promise acknowledges the notice. */
  readonly watchSync: (...args: unknown[]) => Promise<Result<void>>;
  /** A session changed: every watching page hears of it, coalesced. */
  readonly changed: () => void;
  readonly close: () => void;
};

export function createSyncWatches(clock: WatchClock = realWatchClock): SyncWatches {
  const watches: { changed(): void; close(): void }[] = [];
  return {
    watchSync(...args) {
      const request = watchRequest("watchSync", args, watches.length, "the sync sessions");
      if (!request.ok) return Promise.resolve(request);
      const onChange = request.value;
      // A callback that throws stops its watch as one whose promise rejects does.
      watches.push(coalescedNotices(() => new Promise((resolve) => resolve(onChange())), clock));
      return Promise.resolve(ok(undefined));
    },
    changed: () => {
      for (const watch of watches) watch.changed();
    },
    close: () => {
      for (const watch of watches.splice(0)) watch.close();
    },
  };
}
