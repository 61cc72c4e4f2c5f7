// The Peers page follows the node's events, and falls back to a timed re-read only while a session
// is in a step that no event reports.
import { describe, expect, it } from "vitest";
import { createPeersRefresh, createThrottle, fallbackDelay, OPEN_FALLBACK_MS, STEP_FALLBACK_MS, type Later } from "./peers-refresh.ts";

/** A clock that only moves when the test says; `later` runs nothing until `advance`. */
function manualTime() {
  let now = 0;
  const timers: { at: number; run: () => void; live: boolean }[] = [];
  const later: Later = (run, ms) => {
    const timer = { at: now + ms, run, live: true };
    timers.push(timer);
    return () => void (timer.live = false);
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.live && t.at <= now)) {
      t.live = false;
      t.run();
    }
  };
  const pending = () => timers.filter((t) => t.live).length;
  return { later, advance, pending, now: () => now };
}

function events() {
  const listeners = new Set<() => void>();
  return {
    onEvent: (l: () => void) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    emit: () => listeners.forEach((l) => l()),
    count: () => listeners.size,
  };
}

const live = { state: "live", upToDate: true } as const;
const closed = { state: "closed", upToDate: false } as const;

describe("the Peers page's re-reads", () => {
  it("re-reads on a peer change at once, with no time passing (the subscription, not a poll)", () => {
    const time = manualTime();
    const source = events();
    let reads = 0;
    createPeersRefresh(source.onEvent, () => (reads += 1), time.later);
    source.emit();
    expect(reads).toBe(1);
    source.emit();
    expect(reads).toBe(2);
  });

  it("keeps no timer once every session is settled or closed", () => {
    const time = manualTime();
    let reads = 0;
    const refresh = createPeersRefresh(events().onEvent, () => (reads += 1), time.later);
    refresh.read([closed]);
    refresh.read([]);
    expect(time.pending()).toBe(0);
    time.advance(60_000);
    expect(reads).toBe(0);
  });

  it("falls back to a re-read only while a session is in a step no event reports", () => {
    const time = manualTime();
    let reads = 0;
    const refresh = createPeersRefresh(events().onEvent, () => (reads += 1), time.later);
    refresh.read([{ state: "challenged", upToDate: false }]);
    time.advance(STEP_FALLBACK_MS - 1);
    expect(reads).toBe(0);
    time.advance(1);
    expect(reads).toBe(1);
    refresh.read([closed]);
    time.advance(60_000);
    expect(reads).toBe(1);
  });

  it("an event replaces the pending fallback, and close stops both", () => {
    const time = manualTime();
    const source = events();
    let reads = 0;
    const refresh = createPeersRefresh(source.onEvent, () => (reads += 1), time.later);
    refresh.read([live]);
    source.emit();
    expect(time.pending()).toBe(0);
    refresh.read([live]);
    refresh.close();
    expect(source.count()).toBe(0);
    time.advance(60_000);
    source.emit();
    expect(reads).toBe(1);
  });

  it("says how long each kind of session may go unheard", () => {
    expect(fallbackDelay(null)).toBe(STEP_FALLBACK_MS);
    expect(fallbackDelay([])).toBeNull();
    expect(fallbackDelay([closed])).toBeNull();
    expect(fallbackDelay([live, closed])).toBe(OPEN_FALLBACK_MS);
    expect(fallbackDelay([live, { state: "live", upToDate: false }])).toBe(STEP_FALLBACK_MS);
    for (const state of ["connecting", "challenged", "admitted", "syncing"] as const)
      expect(fallbackDelay([{ state, upToDate: false }])).toBe(STEP_FALLBACK_MS);
  });
});

describe("createThrottle", () => {
  it("runs at once, then at most once per interval, and once more after the last call", () => {
    const time = manualTime();
    let runs = 0;
    const { call } = createThrottle(() => (runs += 1), 3_000, time.now, time.later);
    call();
    expect(runs).toBe(1);
    call();
    call();
    expect(runs).toBe(1);
    time.advance(2_999);
    expect(runs).toBe(1);
    time.advance(1);
    expect(runs).toBe(2);
    time.advance(10_000);
    expect(runs).toBe(2);
    call();
    expect(runs).toBe(3);
  });

  it("cancel drops the run that waits", () => {
    const time = manualTime();
    let runs = 0;
    const throttle = createThrottle(() => (runs += 1), 3_000, time.now, time.later);
    throttle.call();
    throttle.call();
    throttle.cancel();
    time.advance(10_000);
    expect(runs).toBe(1);
  });
});
