// The worker's sync sessions as the node port serves them: attach, overview, detach, the open-session
// bound, shutdown, and the page's sync-change notices. The page's side of the port is a bare
// MessageChannel end (nothing opens it), or the test playing the page's host protocol.
import { afterEach, describe, expect, it } from "vitest";
import { expectOk, startNode } from "../src/core/acceptance/fixtures.ts";
import { createSyncService, type SyncService } from "./sync-service.ts";
import { SYNC_NOTICE_SPACING_MS, type WatchClock } from "./sync-watch.ts";

let service: SyncService | undefined;
const channels: MessageChannel[] = [];

afterEach(() => {
  service?.closeAll();
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function port(): MessagePort {
  return channel().port2;
}

function channel(): MessageChannel {
  const made = new MessageChannel();
  channels.push(made);
  return made;
}

/** A clock that moves only when the test says; `scheduled()` resolves once a notice waits on it. */
function manualClock() {
  let now = 0;
  const timers: { at: number; run: () => void; live: boolean }[] = [];
  let onSchedule: (() => void) | undefined;
  const clock: WatchClock = {
    now: () => now,
    later: (run, ms) => {
      const timer = { at: now + ms, run, live: true };
      timers.push(timer);
      onSchedule?.();
      return () => void (timer.live = false);
    },
  };
  return {
    clock,
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((t) => t.live && t.at <= now)) {
        t.live = false;
        t.run();
      }
    },
    pending: () => timers.filter((t) => t.live).length,
    scheduled: () => (timers.some((t) => t.live) ? Promise.resolve() : new Promise<void>((resolve) => (onSchedule = resolve))),
  };
}

/** The page's callback: counts notices, and lets the test wait for the next one or hold its ack. */
function page() {
  let count = 0;
  let waiting: (() => void) | undefined;
  const acks: (() => void)[] = [];
  let holdAcks = false;
  return {
    onChange: () => {
      count += 1;
      waiting?.();
      if (holdAcks) return new Promise<void>((resolve) => acks.push(resolve));
      return undefined;
    },
    count: () => count,
    next: (after: number) => (count > after ? Promise.resolve() : new Promise<void>((resolve) => (waiting = resolve))),
    holdAcks: () => void (holdAcks = true),
    ack: () => acks.shift()?.(),
  };
}

describe("sync service", () => {
  it("attaches a session per port and lists it, newest first, with the guard's figures", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    const first = expectOk(await service.syncAttach({ port: port(), label: "Ben", via: "relay" }));
    const second = expectOk(await service.syncAttach({ port: port(), label: "Cal", via: "invite" }));
    const overview = expectOk(await service.syncOverview());
    expect(overview.nodeIdentity).toBe(node.sync.nodeIdentity);
    expect(overview.globalSeq).toBe(node.globalSeq());
    expect(overview.peers.map((p) => [p.sessionId, p.label, p.via, p.state, p.peerIdentity])).toEqual([
      [second.sessionId, "Cal", "invite", "connecting", null],
      [first.sessionId, "Ben", "relay", "connecting", null],
    ]);
    expect(overview.guard).toMatchObject({ difficulty: node.sync.guard.difficulty(), admittedNow: 0 });
  });

  it("detaches a session (closed_locally) and refuses an unknown one (ERR_STRUCT_INVALID_IDENTIFIER)", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    const { sessionId } = expectOk(await service.syncAttach({ port: port(), label: "Ben", via: "relay" }));
    expectOk(await service.syncDetach({ sessionId }));
    expect(expectOk(await service.syncOverview()).peers[0]).toMatchObject({ state: "closed", closeReason: "closed_locally" });
    expect(await service.syncDetach({ sessionId: "peer-999" })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_IDENTIFIER", data: { reason: "unknown_session" } },
    });
  });

  it("refuses a 33rd open session (ERR_RESOURCE_PEER_LIMIT) and attaches again once one closes", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    const ids = [];
    for (let i = 0; i < 32; i++) ids.push(expectOk(await service.syncAttach({ port: port(), label: `p${i}`, via: "relay" })).sessionId);
    expect(await service.syncAttach({ port: port(), label: "one too many", via: "relay" })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_PEER_LIMIT", data: { reason: "too_many_peers" } },
    });
    expect(expectOk(await service.syncOverview()).peers).toHaveLength(32);
    expectOk(await service.syncDetach({ sessionId: ids[0]! }));
    expect((await service.syncAttach({ port: port(), label: "now there is room", via: "relay" })).ok).toBe(true);
  });

  it("refuses malformed requests before touching the node (ERR_STRUCT_INVALID_TYPE)", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    expect(await service.syncAttach({ port: "not a port", label: "x", via: "relay" })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "not_a_port" } },
    });
    expect(await service.syncOverview("extra")).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE" } });
    expect(expectOk(await service.syncOverview()).peers).toEqual([]);
  });

  it("closes every session when the node stops", async () => {
    const { node } = await startNode();
    service = createSyncService(node);
    for (let i = 0; i < 3; i++) expectOk(await service.syncAttach({ port: port(), label: `p${i}`, via: "invite" }));
    service.closeAll();
    const peers = expectOk(await service.syncOverview()).peers;
    expect(peers.map((p) => [p.state, p.closeReason])).toEqual(Array.from({ length: 3 }, () => ["closed", "node_stopping"]));
  });
});

describe("sync-change notices (watchSync)", () => {
  it("a session's own steps notify the watching page: its link opening at once, its close after the spacing", async () => {
    const { node } = await startNode();
    const time = manualClock();
    service = createSyncService(node, time.clock);
    const watcher = page();
    expectOk(await service.watchSync(watcher.onChange));
    const host = channel();
    expectOk(await service.syncAttach({ port: host.port2, label: "Ben", via: "relay" }));
    expect(watcher.count()).toBe(1); // the new session, with no time passing
    time.advance(SYNC_NOTICE_SPACING_MS);

    host.port1.postMessage({ t: "open" }); // the page's data channel opened
    await watcher.next(1);
    expect(expectOk(await service.syncOverview()).peers[0]?.state).toBe("challenged");

    host.port1.postMessage({ t: "closed", reason: "closed_by_peer" }); // within the spacing: trailing
    await time.scheduled();
    expect(watcher.count()).toBe(2);
    time.advance(SYNC_NOTICE_SPACING_MS - 1);
    expect(watcher.count()).toBe(2);
    time.advance(1);
    expect(watcher.count()).toBe(3);
    expect(expectOk(await service.syncOverview()).peers[0]).toMatchObject({ state: "closed", closeReason: "closed_by_peer" });
  });

  it("coalesces: one notice per spacing, none while the page has not acknowledged, and a trailing one", async () => {
    const { node } = await startNode();
    const time = manualClock();
    service = createSyncService(node, time.clock);
    const watcher = page();
    watcher.holdAcks();
    expectOk(await service.watchSync(watcher.onChange));
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(expectOk(await service.syncAttach({ port: port(), label: `p${i}`, via: "relay" })).sessionId);
    expect(watcher.count()).toBe(1);
    time.advance(10 * SYNC_NOTICE_SPACING_MS);
    expect(watcher.count()).toBe(1); // the page has not acknowledged the first
    watcher.ack();
    await watcher.next(1); // the changes meanwhile, as one notice: the spacing has passed
    expect(watcher.count()).toBe(2);
    watcher.ack();
    for (const sessionId of ids.slice(0, 3)) expectOk(await service.syncDetach({ sessionId }));
    await time.scheduled();
    expect(watcher.count()).toBe(2);
    time.advance(SYNC_NOTICE_SPACING_MS - 1);
    expect(watcher.count()).toBe(2);
    time.advance(1);
    expect(watcher.count()).toBe(3); // three closes, one trailing notice
    watcher.ack();
    time.advance(10 * SYNC_NOTICE_SPACING_MS);
    expect(time.pending()).toBe(0);
    expect(watcher.count()).toBe(3);
  });

  it("refuses a malformed or a third watch, stops a watch whose page fails, and stops all at shutdown", async () => {
    const { node } = await startNode();
    const time = manualClock();
    service = createSyncService(node, time.clock);
    expect(await service.watchSync()).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "not_a_function" } },
    });
    expect(await service.watchSync("callback")).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE" } });
    let failing = 0;
    expectOk(
      await service.watchSync(() => {
        failing += 1;
        throw new Error("the page left");
      }),
    );
    const watcher = page();
    expectOk(await service.watchSync(watcher.onChange));
    expect(await service.watchSync(() => undefined)).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "watches", limit: 2 } },
    });
    const { sessionId } = expectOk(await service.syncAttach({ port: port(), label: "Ben", via: "relay" }));
    expect([failing, watcher.count()]).toEqual([1, 1]);
    time.advance(SYNC_NOTICE_SPACING_MS);
    expectOk(await service.syncDetach({ sessionId }));
    await watcher.next(1);
    expect([failing, watcher.count()]).toEqual([1, 2]); // the failed watch heard no more
    expectOk(await service.syncAttach({ port: port(), label: "Cal", via: "relay" }));
    await time.scheduled();
    service.closeAll();
    time.advance(10 * SYNC_NOTICE_SPACING_MS);
    expect(watcher.count()).toBe(2); // the trailing notice died with the node
  });
});
