// The Peers page follows the node's events (commits, links, every step of a sync session), and keeps
// only a slow safety net for the one change no event reports: the guard's difficulty decaying.
import { describe, expect, it } from "vitest";
import { createPeersRefresh, createThrottle, FAILED_READ_RETRY_MS, fallbackDelay, SAFETY_NET_MS, type Later } from "./peers-refresh.ts";

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

  it("keeps only the safety net once every session is settled or closed", () => {
    const time = manualTime();
    let reads = 0;
    const refresh = createPeersRefresh(events().onEvent, () => (reads += 1), time.later);
    refresh.read([closed]);
    refresh.read([]);
    expect(time.pending()).toBe(1);
    time.advance(SAFETY_NET_MS - 1);
    expect(reads).toBe(0);
    time.advance(1);
    expect(reads).toBe(1);
  });

  it("a session in its handshake, catching up or waiting for acks waits for its events, not a clock", () => {
    const time = manualTime();
    const source = events();
    let reads = 0;
    const refresh = createPeersRefresh(source.onEvent, () => (reads += 1), time.later);
    refresh.read([{ state: "challenged", upToDate: false }]);
    time.advance(SAFETY_NET_MS - 1);
    expect(reads).toBe(0);
    source.emit(); // the worker's sync-change notice: the session reached its next step
    expect(reads).toBe(1);
    refresh.read([{ state: "live", upToDate: false }]);
    time.advance(SAFETY_NET_MS - 1);
    expect(reads).toBe(1);
  });

  it("tries a failed read again soon", () => {
    const time = manualTime();
    let reads = 0;
    const refresh = createPeersRefresh(events().onEvent, () => (reads += 1), time.later);
    refresh.read(null);
    time.advance(FAILED_READ_RETRY_MS - 1);
    expect(reads).toBe(0);
    time.advance(1);
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

  it("no step of a session is read on a clock: every kind waits for the safety net", () => {
    expect(fallbackDelay(null)).toBe(FAILED_READ_RETRY_MS);
    expect(fallbackDelay([])).toBe(SAFETY_NET_MS);
    expect(fallbackDelay([closed])).toBe(SAFETY_NET_MS);
    expect(fallbackDelay([live, closed])).toBe(SAFETY_NET_MS);
    expect(fallbackDelay([live, { state: "live", upToDate: false }])).toBe(SAFETY_NET_MS);
    for (const state of ["connecting", "challenged", "admitted", "syncing"] as const)
      expect(fallbackDelay([{ state, upToDate: false }])).toBe(SAFETY_NET_MS);
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
