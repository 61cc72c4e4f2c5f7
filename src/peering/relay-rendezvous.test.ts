// The rendezvous over an in-memory room hub with the relay's semantics (replay to late joiners, no
// echo, `left`, log purge on leave) and fault injection (drop). No network, no timers.
import { describe, expect, it } from "vitest";
import { nodeError } from "../core/shared/errors.ts";
import type { JsonValue } from "../core/shared/json.ts";
import { err, ok } from "../core/shared/result.ts";
import type { RelayMessage } from "./relay-client.ts";
import {
  createRendezvous,
  type Pairing,
  type PairingCloseReason,
  type Rendezvous,
  type RendezvousLimits,
  type RendezvousRoom,
} from "./relay-rendezvous.ts";

type Delivery = { readonly to: string; readonly message?: RelayMessage; readonly left?: string };

/** A room server in memory: posts are queued and delivered by flush(), in order. */
function createHub(options: { logSize?: number } = {}) {
  const logSize = options.logSize ?? 64;
  const members = new Map<
    string,
    { message: Set<(m: RelayMessage) => void>; left: Set<(m: string) => void>; close: Set<(r: string) => void> }
  >();
  let log: { from: string; body: JsonValue }[] = [];
  const queue: Delivery[] = [];
  const posted: { from: string; body: JsonValue }[] = [];
  let dropIf: (d: Delivery) => boolean = () => false;

  function join(id: string): RendezvousRoom & { close(): void } {
    const listeners = {
      message: new Set<(m: RelayMessage) => void>(),
      left: new Set<(m: string) => void>(),
      close: new Set<(r: string) => void>(),
    };
    members.set(id, listeners);
    for (const m of log) queue.push({ to: id, message: { from: m.from, body: m.body, replay: true } });
    return {
      memberId: id,
      post(body) {
        if (!members.has(id)) return err(nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", "closed", { reason: "relay_closed" }));
        posted.push({ from: id, body });
        log.push({ from: id, body });
        if (log.length > logSize) log.shift();
        for (const other of members.keys()) if (other !== id) queue.push({ to: other, message: { from: id, body, replay: false } });
        return ok(undefined);
      },
      onMessage(l) {
        listeners.message.add(l);
        return () => listeners.message.delete(l);
      },
      onLeft(l) {
        listeners.left.add(l);
        return () => listeners.left.delete(l);
      },
      onClose(l) {
        listeners.close.add(l);
        return () => listeners.close.delete(l);
      },
      close() {
        members.delete(id);
        log = log.filter((m) => m.from !== id);
        for (const other of members.keys()) queue.push({ to: other, left: id });
        for (const l of listeners.close) l("closed_locally");
      },
    };
  }

  function flush(): void {
    for (let steps = 0; queue.length > 0; steps++) {
      if (steps > 10_000) throw new Error("hub did not settle");
      const d = queue.shift()!;
      const target = members.get(d.to);
      if (!target || dropIf(d)) continue;
      if (d.message) for (const l of [...target.message]) l(d.message);
      if (d.left) for (const l of [...target.left]) l(d.left);
    }
  }

  return {
    join,
    flush,
    posted,
    drop(predicate: (d: Delivery) => boolean) {
      dropIf = predicate;
    },
    /** Injects a raw message as if `from` had posted it (a hostile member). */
    inject(from: string, to: string, body: unknown, replay = false) {
      queue.push({ to, message: { from, body, replay } });
    },
  };
}

type Hub = ReturnType<typeof createHub>;

type Peer = {
  readonly id: string;
  readonly room: ReturnType<Hub["join"]>;
  readonly rendezvous: Rendezvous;
  readonly pairings: Pairing[];
  readonly signals: { attempt: number; remote: string; data: unknown }[];
  readonly closes: { remote: string; attempt: number; reason: PairingCloseReason }[];
  current(remote: string): Pairing | undefined;
};

function peer(hub: Hub, id: string, limits: Partial<RendezvousLimits> = {}, subscribe = true): Peer {
  const room = hub.join(id);
  const pairings: Pairing[] = [];
  const signals: Peer["signals"] = [];
  const closes: Peer["closes"] = [];
  const rendezvous = createRendezvous(
    room,
    {
      onPair(p) {
        pairings.push(p);
        if (subscribe) p.onSignal((data) => signals.push({ attempt: p.attempt, remote: p.remote, data }));
        p.onClose((reason) => closes.push({ remote: p.remote, attempt: p.attempt, reason }));
      },
    },
    { limits },
  );
  return {
    id,
    room,
    rendezvous,
    pairings,
    signals,
    closes,
    current: (remote) => pairings.filter((p) => p.remote === remote).at(-1),
  };
}

const OFFER = { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" };
const ANSWER = { type: "answer", sdp: "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n" };

describe("rendezvous: pairing", () => {
  it.each([
    ["the smaller id joins first", "aa", "bb"],
    ["the smaller id joins second", "bb", "aa"],
  ])("pairs two members once each, and both agree the smaller id initiates (%s)", (_, first, second) => {
    const hub = createHub();
    const p1 = peer(hub, first);
    hub.flush();
    const p2 = peer(hub, second);
    hub.flush();
    expect(p1.pairings.map((p) => [p.remote, p.initiator, p.attempt])).toEqual([[second, first < second, 0]]);
    expect(p2.pairings.map((p) => [p.remote, p.initiator, p.attempt])).toEqual([[first, second < first, 0]]);
  });

  it("carries the offer and the answer between the two pairings only", () => {
    const hub = createHub();
    const a = peer(hub, "a");
    const b = peer(hub, "b");
    hub.flush();
    expect(a.current("b")!.send(OFFER)).toEqual({ ok: true, value: undefined });
    hub.flush();
    expect(b.signals).toEqual([{ attempt: 0, remote: "a", data: OFFER }]);
    b.current("a")!.send(ANSWER);
    hub.flush();
    expect(a.signals).toEqual([{ attempt: 0, remote: "b", data: ANSWER }]);
    expect(hub.posted.filter((p) => (p.body as { kind: string }).kind === "signal")).toEqual([
      { from: "a", body: { kind: "signal", to: "b", attempt: 0, data: OFFER } },
      { from: "b", body: { kind: "signal", to: "a", attempt: 0, data: ANSWER } },
    ]);
  });

  it("pairs every member of a room with every other, and routes by address", () => {
    const hub = createHub();
    const [a, b, c] = [peer(hub, "a"), peer(hub, "b"), peer(hub, "c")];
    hub.flush();
    expect(a.pairings.map((p) => p.remote).sort()).toEqual(["b", "c"]);
    expect(b.pairings.map((p) => p.remote).sort()).toEqual(["a", "c"]);
    expect(c.pairings.map((p) => p.remote).sort()).toEqual(["a", "b"]);
    a.current("b")!.send({ to: "b only" });
    hub.flush();
    expect(b.signals).toEqual([{ attempt: 0, remote: "a", data: { to: "b only" } }]);
    expect(c.signals).toEqual([]); // c saw the post (the relay broadcasts) and ignored it
  });

  it("pairs a late joiner from the replayed announces", () => {
    const hub = createHub();
    const a = peer(hub, "m1");
    hub.flush();
    const b = peer(hub, "m2");
    const c = peer(hub, "m3");
    hub.flush();
    expect(c.pairings.map((p) => p.remote).sort()).toEqual(["m1", "m2"]);
    expect(a.pairings.map((p) => p.remote).sort()).toEqual(["m2", "m3"]);
    expect(b.pairings).toHaveLength(2);
  });

  it("still pairs when the room log lost the old announces: members answer a live announce directly", () => {
    const hub = createHub({ logSize: 0 });
    const z = peer(hub, "zz"); // alone: its announce is replayed to no one
    hub.flush();
    const a = peer(hub, "aa"); // the initiator with zz, yet it never saw zz's announce
    hub.flush();
    expect(z.pairings.map((p) => [p.remote, p.initiator])).toEqual([["aa", false]]);
    expect(a.pairings.map((p) => [p.remote, p.initiator])).toEqual([["zz", true]]);
    expect(hub.posted.map((p) => [p.from, p.body])).toEqual([
      ["zz", { kind: "announce" }],
      ["aa", { kind: "announce" }],
      ["zz", { kind: "announce", to: "aa" }],
    ]);
  });

  it("lets the non-initiator pair on the first signal when it missed the announce", () => {
    const hub = createHub();
    const a = peer(hub, "a");
    hub.flush();
    hub.drop((d) => d.to === "b" && (d.message?.body as { kind?: string }).kind === "announce");
    const b = peer(hub, "b");
    hub.flush();
    expect(b.pairings).toEqual([]);
    a.current("b")!.send(OFFER);
    hub.flush();
    expect(b.pairings.map((p) => [p.remote, p.initiator, p.attempt])).toEqual([["a", false, 0]]);
    expect(b.signals).toEqual([{ attempt: 0, remote: "a", data: OFFER }]);
  });

  it("never pairs on a signal from a member it should initiate with", () => {
    const hub = createHub();
    const a = peer(hub, "a");
    hub.flush();
    hub.inject("z", "a", { kind: "signal", to: "a", attempt: 0, data: OFFER });
    hub.flush();
    expect(a.pairings).toEqual([]);
  });

  it("ignores a member's own id, signals for others and every malformed body", () => {
    const hub = createHub();
    const b = peer(hub, "b");
    hub.flush();
    const bad: unknown[] = [
      null,
      "announce",
      [{ kind: "announce" }],
      { kind: "hello" },
      { kind: "announce", to: 7 },
      { kind: "announce", to: "someone-else" },
      { kind: "signal", attempt: 0, data: 1 },
      { kind: "signal", to: "b", data: 1 },
      { kind: "signal", to: "b", attempt: -1, data: 1 },
      { kind: "signal", to: "b", attempt: 1.5, data: 1 },
      { kind: "signal", to: "b", attempt: 16, data: 1 },
      { kind: "signal", to: "b", attempt: "0", data: 1 },
      { kind: "signal", to: "b", attempt: 0 },
      { kind: "signal", to: "b", attempt: 0, data: "x".repeat(24_577) },
      { kind: "signal", to: "c", attempt: 0, data: OFFER },
      { kind: "retry", to: "b" },
    ];
    for (const body of bad) hub.inject("a", "b", body);
    hub.inject("b", "b", { kind: "announce" }); // itself, as a hostile relay might claim
    hub.flush();
    expect(b.pairings).toEqual([]);
    expect(b.signals).toEqual([]);
  });

  it("keeps signals that reach a pairing before its consumer subscribes, for the next microtask", async () => {
    const hub = createHub();
    const a = peer(hub, "a");
    const b = peer(hub, "b", {}, false);
    hub.flush();
    a.current("b")!.send(OFFER);
    a.current("b")!.send({ candidate: 1 });
    hub.flush();
    const got: unknown[] = [];
    b.current("a")!.onSignal((s) => got.push(s));
    expect(got).toEqual([]);
    await Promise.resolve();
    expect(got).toEqual([OFFER, { candidate: 1 }]);
  });
});

describe("rendezvous: leaving and closing", () => {
  it("closes the pairing with a member that left, and ignores its later signals", () => {
    const hub = createHub();
    const a = peer(hub, "a");
    const b = peer(hub, "b");
    hub.flush();
    b.room.close();
    hub.flush();
    expect(a.closes).toEqual([{ remote: "b", attempt: 0, reason: "left" }]);
    const send = a.pairings[0]!.send(OFFER);
    expect(send.ok || [send.error.code, send.error.data["reason"]]).toEqual(["ERR_MNG_NETWORK_PEER_UNREACHABLE", "pairing_closed"]);
    hub.inject("b", "a", { kind: "signal", to: "a", attempt: 0, data: ANSWER });
    hub.flush();
    expect(a.signals).toEqual([]);
    a.rendezvous.retry("b");
    expect(a.pairings).toHaveLength(1); // nothing to retry with a member that is gone
  });

  it("close() ends every pairing and pairs no more", () => {
    const hub = createHub();
    const a = peer(hub, "a");
    const b = peer(hub, "b");
    hub.flush();
    a.rendezvous.close();
    a.rendezvous.close();
    expect(a.closes).toEqual([{ remote: "b", attempt: 0, reason: "closed" }]);
    peer(hub, "c");
    b.current("a")!.send(ANSWER);
    hub.flush();
    expect(a.pairings.map((p) => p.remote)).toEqual(["b"]);
    expect(a.signals).toEqual([]);
  });

  it("closes every pairing when the room closes", () => {
    const hub = createHub();
    const a = peer(hub, "a");
    peer(hub, "b");
    hub.flush();
    a.room.close();
    expect(a.closes).toEqual([{ remote: "b", attempt: 0, reason: "closed" }]);
  });
});

describe("rendezvous: retry after a dropped link", () => {
  function connected(): { hub: Hub; a: Peer; b: Peer } {
    const hub = createHub();
    const a = peer(hub, "a");
    const b = peer(hub, "b");
    hub.flush();
    a.current("b")!.send(OFFER);
    hub.flush();
    b.current("a")!.send(ANSWER);
    hub.flush();
    return { hub, a, b };
  }

  it("the initiator's retry opens attempt 1; its offer replaces the other side's pairing", () => {
    const { hub, a, b } = connected();
    a.rendezvous.retry("b");
    expect(a.closes).toEqual([{ remote: "b", attempt: 0, reason: "replaced" }]);
    expect(a.current("b")).toMatchObject({ remote: "b", initiator: true, attempt: 1 });
    a.current("b")!.send({ ...OFFER, sdp: "v=0\r\nretry" });
    hub.flush();
    expect(b.closes).toEqual([{ remote: "a", attempt: 0, reason: "replaced" }]);
    expect(b.current("a")).toMatchObject({ remote: "a", initiator: false, attempt: 1 });
    expect(b.signals.at(-1)).toEqual({ attempt: 1, remote: "a", data: { ...OFFER, sdp: "v=0\r\nretry" } });
    b.current("a")!.send(ANSWER);
    hub.flush();
    expect(a.signals.at(-1)).toEqual({ attempt: 1, remote: "b", data: ANSWER });
  });

  it("drops late signals of an earlier attempt on both sides", () => {
    const { hub, a, b } = connected();
    a.rendezvous.retry("b");
    a.current("b")!.send(OFFER);
    hub.flush();
    const [aSeen, bSeen] = [a.signals.length, b.signals.length];
    hub.inject("a", "b", { kind: "signal", to: "b", attempt: 0, data: "stale" });
    hub.inject("b", "a", { kind: "signal", to: "a", attempt: 0, data: "stale" });
    hub.inject("b", "a", { kind: "signal", to: "a", attempt: 5, data: "the initiator owns attempt numbers" });
    hub.flush();
    expect([a.signals.length, b.signals.length]).toEqual([aSeen, bSeen]);
    expect(a.current("b")!.attempt).toBe(1);
  });

  it("the other side's retry asks the initiator, which opens the next attempt", () => {
    const { hub, a, b } = connected();
    b.rendezvous.retry("a");
    expect(b.pairings).toHaveLength(1); // it waits for the fresh offer
    hub.flush();
    expect(hub.posted.at(-1)).toEqual({ from: "b", body: { kind: "retry", to: "a", attempt: 0 } });
    expect(a.current("b")!.attempt).toBe(1);
    a.current("b")!.send(OFFER);
    hub.flush();
    expect(b.current("a")!.attempt).toBe(1);
  });

  it("starts one attempt, not two, when both sides retry the same attempt", () => {
    const { hub, a, b } = connected();
    const dropped = a.current("b")!.attempt;
    b.rendezvous.retry("a", b.current("a")!.attempt);
    hub.flush(); // a moves to attempt 1 on b's request
    a.rendezvous.retry("b", dropped); // a's own timer for the same drop: stale now
    expect(a.pairings.map((p) => p.attempt)).toEqual([0, 1]);
    a.rendezvous.retry("b", 1);
    expect(a.pairings.map((p) => p.attempt)).toEqual([0, 1, 2]);
  });

  it("ignores retry requests for an attempt other than the current one, and from the initiator", () => {
    const { hub, a, b } = connected();
    hub.inject("b", "a", { kind: "retry", to: "a", attempt: 3 });
    hub.inject("a", "b", { kind: "retry", to: "b", attempt: 0 });
    hub.flush();
    expect(a.pairings).toHaveLength(1);
    expect(b.pairings).toHaveLength(1);
  });

  it("stops at maxAttempts", () => {
    const hub = createHub();
    const a = peer(hub, "a", { maxAttempts: 3 });
    peer(hub, "b");
    hub.flush();
    for (let i = 0; i < 5; i++) a.rendezvous.retry("b");
    expect(a.pairings.map((p) => p.attempt)).toEqual([0, 1, 2]);
  });
});

describe("rendezvous: limits", () => {
  it("pairs at most maxPairings members", () => {
    const hub = createHub();
    const a = peer(hub, "a", { maxPairings: 2 });
    for (const id of ["b", "c", "d", "e"]) peer(hub, id);
    hub.flush();
    expect(a.pairings.map((p) => p.remote)).toEqual(["b", "c"]);
  });

  it("refuses a signal over maxSignalBytes (ERR_RESOURCE_RATE_LIMIT signal_too_large) and posts nothing", () => {
    const hub = createHub();
    const a = peer(hub, "a", { maxSignalBytes: 50 });
    peer(hub, "b");
    hub.flush();
    const before = hub.posted.length;
    const sent = a.current("b")!.send({ sdp: "é".repeat(25) }); // 35 characters of JSON, 60 bytes
    expect(sent.ok || [sent.error.code, sent.error.data["reason"]]).toEqual(["ERR_RESOURCE_RATE_LIMIT", "signal_too_large"]);
    expect(hub.posted.length).toBe(before);
    expect(a.current("b")!.send({ sdp: "x".repeat(20) }).ok).toBe(true);
  });

  it("refuses a signal with no JSON form (ERR_STRUCT_INVALID_TYPE not_json)", () => {
    const hub = createHub();
    const a = peer(hub, "a");
    peer(hub, "b");
    hub.flush();
    for (const bad of [undefined, 1n, () => 1]) {
      const sent = a.current("b")!.send(bad);
      expect(sent.ok || [sent.error.code, sent.error.data["reason"]]).toEqual(["ERR_STRUCT_INVALID_TYPE", "not_json"]);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    const sent = a.current("b")!.send(cyclic);
    expect(sent.ok || sent.error.data["reason"]).toBe("not_json");
  });

  it("bounds the signals kept for a consumer that has not subscribed", async () => {
    const hub = createHub();
    const a = peer(hub, "a");
    const b = peer(hub, "b", { maxPendingSignals: 2 }, false);
    hub.flush();
    for (let i = 1; i <= 4; i++) a.current("b")!.send(i);
    hub.flush();
    const got: unknown[] = [];
    b.current("a")!.onSignal((s) => got.push(s));
    await Promise.resolve();
    expect(got).toEqual([3, 4]);
  });
});
