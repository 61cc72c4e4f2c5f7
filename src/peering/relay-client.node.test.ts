// The relay client against the real relay (loopback, ephemeral port) and against a hostile fake relay
// that sends malformed frames: only well-formed frames reach listeners, failures carry exact codes.
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import type { AddressInfo } from "node:net";
import { startRelay, type Relay, type RelayOptions } from "../../signal/relay-server.ts";
import { MEMBER_ID_PATTERN } from "../../signal/relay-protocol.ts";
import { joinRelayRoom, parseServerFrame, type JoinRelayOptions, type RelayMessage, type RelayRoom } from "./relay-client.ts";

let relay: Relay | undefined;
let fake: WebSocketServer | undefined;
const rooms: RelayRoom[] = [];

afterEach(async () => {
  for (const r of rooms.splice(0)) r.close();
  await relay?.close();
  relay = undefined;
  if (fake) {
    for (const c of fake.clients) c.terminate();
    await new Promise<void>((resolve) => fake!.close(() => resolve()));
    fake = undefined;
  }
});

async function start(options: RelayOptions = {}): Promise<Relay> {
  relay = await startRelay({ host: "127.0.0.1", port: 0, log: () => {}, ...options });
  return relay;
}

async function join(room = "lobby", extra: Partial<JoinRelayOptions> = {}): Promise<RelayRoom> {
  const joined = await joinRelayRoom({ url: relay!.url, room, WebSocketImpl: WebSocket, ...extra });
  if (!joined.ok) throw new Error(`join failed: ${JSON.stringify(joined.error)}`);
  rooms.push(joined.value);
  return joined.value;
}

function nextMessage(room: RelayRoom): Promise<RelayMessage> {
  return new Promise((resolve) => {
    const off = room.onMessage((m) => {
      off();
      resolve(m);
    });
  });
}

/** A fake relay on loopback that answers a join with `script(send, joinedRoom)`. */
async function hostileRelay(script: (socket: WebSocket, room: string) => void): Promise<string> {
  fake = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => fake!.once("listening", () => resolve()));
  fake.on("connection", (socket) => {
    socket.on("message", (data) => {
      const frame = JSON.parse((data as Buffer).toString("utf8")) as { type: string; room: string };
      if (frame.type === "join") script(socket, frame.room);
    });
  });
  return `ws://127.0.0.1:${(fake.address() as AddressInfo).port}`;
}

describe("relay client: with the real relay", () => {
  it("joins with a relay-assigned member id and exchanges posts", async () => {
    await start();
    const a = await join();
    const b = await join();
    expect(a.memberId).toMatch(MEMBER_ID_PATTERN);
    expect(a.memberId).not.toBe(b.memberId);
    expect(a.room).toBe("lobby");
    const got = nextMessage(b);
    expect(a.post({ kind: "announce" })).toEqual({ ok: true, value: undefined });
    expect(await got).toEqual({ from: a.memberId, body: { kind: "announce" }, replay: false });
  });

  it("keeps messages that arrive before anyone listens and delivers them in order on the next microtask", async () => {
    await start();
    const a = await join();
    a.post("x");
    a.post("y");
    const b = await join(); // the replay arrives right after `joined`, before anyone listens
    const live = nextMessage(a); // sync point: b's post reaches a after b's replay reached b
    b.post("ping");
    await live;
    const first: RelayMessage[] = [];
    const second: RelayMessage[] = [];
    b.onMessage((m) => first.push(m));
    b.onMessage((m) => second.push(m));
    expect(first).toEqual([]); // never inside onMessage(): the caller holds its handle first
    await Promise.resolve();
    const replayed = [
      { from: a.memberId, body: "x", replay: true },
      { from: a.memberId, body: "y", replay: true },
    ];
    expect(first).toEqual(replayed);
    expect(second).toEqual(replayed);
    const got = nextMessage(b);
    a.post("live");
    expect(await got).toEqual({ from: a.memberId, body: "live", replay: false });
    expect(first.map((m) => m.body)).toEqual(["x", "y", "live"]);
  });

  it("leaves the rest of the backlog for the next listener when one unsubscribes mid-way", async () => {
    await start();
    const a = await join();
    a.post(1);
    a.post(2);
    a.post(3);
    const b = await join();
    const live = nextMessage(a);
    b.post("sync");
    await live;
    expect((await nextMessage(b)).body).toBe(1);
    const rest: unknown[] = [];
    b.onMessage((m) => rest.push(m.body));
    await Promise.resolve();
    expect(rest).toEqual([2, 3]);
  });

  it("bounds the backlog, dropping the oldest", async () => {
    await start();
    const a = await join();
    for (let i = 1; i <= 5; i++) a.post(i);
    const b = await join("lobby", { limits: { maxBuffered: 2 } });
    const live = nextMessage(a);
    b.post("sync");
    await live;
    const seen: unknown[] = [];
    b.onMessage((m) => seen.push(m.body));
    await Promise.resolve();
    expect(seen).toEqual([4, 5]);
  });

  it("reports a departed member on onLeft and forgets its buffered messages", async () => {
    await start();
    const a = await join();
    const b = await join();
    const c = await join();
    const cSawLeft = new Promise<string>((resolve) => c.onLeft(resolve));
    a.post("stale offer");
    await nextMessage(c);
    a.close();
    expect(await cSawLeft).toBe(a.memberId);
    // b never listened: its backlog held a's message and the `left`; the message is gone now.
    const bLeft = new Promise<string>((resolve) => b.onLeft(resolve));
    expect(await bLeft).toBe(a.memberId);
    const seen: RelayMessage[] = [];
    b.onMessage((m) => seen.push(m));
    await Promise.resolve();
    expect(seen).toEqual([]);
  });

  it("refuses posts it cannot send: not_json, message_too_large, relay_closed", async () => {
    await start();
    const a = await join("lobby", { limits: { maxMessageBytes: 100 } });
    const b = await join();
    const notJson = a.post(10n as never);
    expect(notJson.ok || [notJson.error.code, notJson.error.data["reason"]]).toEqual(["ERR_STRUCT_INVALID_TYPE", "not_json"]);
    const undef = a.post(undefined as never);
    expect(undef.ok || undef.error.data["reason"]).toBe("not_json");
    const big = a.post("x".repeat(100));
    expect(big.ok || [big.error.code, big.error.data["reason"]]).toEqual(["ERR_RESOURCE_RATE_LIMIT", "message_too_large"]);
    const relayed = nextMessage(b);
    expect(a.post("x".repeat(100 - 25)).ok).toBe(true); // {"type":"post","body":"…"} is 25 bytes of frame
    await relayed;
    a.close();
    const closed = a.post("late");
    expect(closed.ok || [closed.error.code, closed.error.data["reason"]]).toEqual(["ERR_MNG_NETWORK_PEER_UNREACHABLE", "relay_closed"]);
    expect(relay!.stats().posts).toBe(1);
  });

  it("surfaces the relay's refusals on onError as data (rate limit)", async () => {
    await start({ limits: { messageBurst: 2, messagesPerSecond: 0.001 } });
    const a = await join();
    const refused = new Promise((resolve) => a.onError(resolve));
    a.post(1);
    a.post(2);
    expect(await refused).toMatchObject({
      code: "ERR_MNG_NETWORK_PEER_UNREACHABLE",
      data: { reason: "relay_refused", relayCode: "ERR_RESOURCE_RATE_LIMIT", relayReason: "rate_limited" },
    });
  });

  it("fires onClose once: closed_locally on close(), at once for a late listener", async () => {
    await start();
    const a = await join();
    const reasons: string[] = [];
    a.onClose((r) => reasons.push(r));
    a.close();
    a.close();
    expect(reasons).toEqual(["closed_locally"]);
    const late: string[] = [];
    a.onClose((r) => late.push(r));
    expect(late).toEqual(["closed_locally"]);
  });

  it("reports relay_closed_1001 when the relay shuts down", async () => {
    const r = await start();
    const a = await join();
    const reason = new Promise<string>((resolve) => a.onClose(resolve));
    await r.close();
    expect(await reason).toBe("relay_closed_1001");
  });

  it("fails a refused join with relay_refused and the relay's code (room full)", async () => {
    await start({ limits: { maxMembersPerRoom: 1 } });
    await join();
    const refused = await joinRelayRoom({ url: relay!.url, room: "lobby", WebSocketImpl: WebSocket });
    expect(refused.ok || refused.error).toMatchObject({
      code: "ERR_MNG_NETWORK_PEER_UNREACHABLE",
      data: { reason: "relay_refused", relayCode: "ERR_RESOURCE_PEER_LIMIT", relayReason: "room_full" },
    });
  });

  it("fails with relay_unreachable when nothing listens (ERR_MNG_NETWORK_PEER_UNREACHABLE)", async () => {
    const r = await start();
    const url = r.url;
    await r.close();
    relay = undefined;
    const result = await joinRelayRoom({ url, room: "lobby", WebSocketImpl: WebSocket });
    expect(result.ok || [result.error.code, result.error.data["reason"]]).toEqual([
      "ERR_MNG_NETWORK_PEER_UNREACHABLE",
      "relay_unreachable",
    ]);
  });

  it("fails with join_aborted when the signal aborts", async () => {
    await start();
    const controller = new AbortController();
    const pending = joinRelayRoom({ url: relay!.url, room: "lobby", WebSocketImpl: WebSocket, signal: controller.signal });
    controller.abort();
    const result = await pending;
    expect(result.ok || result.error.data["reason"]).toBe("join_aborted");
  });
});

describe("relay client: refuses bad input before connecting", () => {
  const neverConstructed = class {
    constructor() {
      throw new Error("must not connect");
    }
  } as unknown as JoinRelayOptions["WebSocketImpl"] & {};

  it.each([["has space"], [""], ["x".repeat(65)]])("rejects room %j (ERR_STRUCT_INVALID_IDENTIFIER invalid_room)", async (room) => {
    const result = await joinRelayRoom({ url: "ws://127.0.0.1:1", room, WebSocketImpl: neverConstructed });
    expect(result.ok || [result.error.code, result.error.data["reason"]]).toEqual(["ERR_STRUCT_INVALID_IDENTIFIER", "invalid_room"]);
  });

  it.each([["not a url"], ["http://127.0.0.1:8787"], ["file:///etc/passwd"]])(
    "rejects relay address %j (ERR_STRUCT_INVALID_ENCODING invalid_url)",
    async (url) => {
      const result = await joinRelayRoom({ url, room: "lobby", WebSocketImpl: neverConstructed });
      expect(result.ok || [result.error.code, result.error.data["reason"]]).toEqual(["ERR_STRUCT_INVALID_ENCODING", "invalid_url"]);
    },
  );
});

describe("relay client: against a hostile relay", () => {
  it("drops every malformed frame and delivers only well-formed ones", async () => {
    const url = await hostileRelay((socket, room) => {
      socket.send("before joined is ignored");
      socket.send(JSON.stringify({ type: "message", from: "early", body: "too early", replay: false }));
      socket.send(JSON.stringify({ type: "joined", room: "another-room", member: "wrong", members: 1 }));
      socket.send(JSON.stringify({ type: "joined", room, member: "me", members: 2 }));
      const bad: unknown[] = [
        "not json",
        [1, 2],
        { type: "message", from: "x y", body: 1, replay: false },
        { type: "message", from: "peer", replay: false },
        { type: "message", from: "peer", body: 1, replay: "no" },
        { type: "message", from: "me", body: "echo of myself", replay: false },
        { type: "message", from: "p".repeat(65), body: 1, replay: false },
        { type: "message", from: "peer", body: "x".repeat(70_000), replay: false },
        { type: "joined", room, member: "again", members: 3 },
        { type: "left", member: "me" },
        { type: "left", member: 7 },
        { type: "error", code: "not-a-code", reason: "r", message: "m" },
        { type: "error", code: "ERR_X", reason: "Bad Reason", message: "m" },
        { type: "whatever" },
      ];
      for (const frame of bad) socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
      socket.send(Buffer.from(JSON.stringify({ type: "message", from: "peer", body: "binary", replay: false })), { binary: true });
      socket.send(JSON.stringify({ type: "message", from: "peer", body: { ok: true }, replay: true }));
      socket.send(JSON.stringify({ type: "left", member: "gone" }));
      socket.send(JSON.stringify({ type: "error", code: "ERR_RESOURCE_RATE_LIMIT", reason: "rate_limited", message: "m" }));
    });
    const joined = await joinRelayRoom({ url, room: "lobby", WebSocketImpl: WebSocket });
    if (!joined.ok) throw new Error(JSON.stringify(joined.error));
    const room = joined.value;
    rooms.push(room);
    expect(room.memberId).toBe("me");
    const errors: unknown[] = [];
    const lastError = new Promise<void>((resolve) =>
      room.onError((e) => {
        errors.push(e.data);
        resolve();
      }),
    );
    await lastError;
    const seen: RelayMessage[] = [];
    const lefts: string[] = [];
    room.onMessage((m) => seen.push(m));
    room.onLeft((m) => lefts.push(m));
    await Promise.resolve();
    expect(seen).toEqual([{ from: "peer", body: { ok: true }, replay: true }]);
    expect(lefts).toEqual(["gone"]);
    expect(errors).toEqual([{ reason: "relay_refused", relayCode: "ERR_RESOURCE_RATE_LIMIT", relayReason: "rate_limited" }]);
  });

  it("times out a relay that never answers the join (relay_timeout)", async () => {
    const url = await hostileRelay(() => {});
    const result = await joinRelayRoom({ url, room: "lobby", WebSocketImpl: WebSocket, limits: { joinTimeoutMs: 50 } });
    expect(result.ok || [result.error.code, result.error.data["reason"]]).toEqual(["ERR_MNG_NETWORK_PEER_UNREACHABLE", "relay_timeout"]);
  });

  it("fails with relay_closed when the relay hangs up before the join", async () => {
    const url = await hostileRelay((socket) => socket.close(1011));
    const result = await joinRelayRoom({ url, room: "lobby", WebSocketImpl: WebSocket });
    expect(result.ok || result.error.data).toEqual({ reason: "relay_closed", closeCode: 1011 });
  });
});

describe("parseServerFrame", () => {
  it("accepts each well-formed frame and rejects oversize text by UTF-8 bytes", () => {
    expect(parseServerFrame('{"type":"left","member":"abc"}', 100)).toEqual({ type: "left", member: "abc" });
    expect(parseServerFrame('{"type":"joined","room":"r","member":"m","members":1}', 100)).toEqual({
      type: "joined",
      room: "r",
      member: "m",
      members: 1,
    });
    expect(parseServerFrame('{"type":"joined","room":"r","member":"m","members":0}', 100)).toBeUndefined();
    expect(parseServerFrame('{"type":"joined","room":"r","member":"m","members":1.5}', 100)).toBeUndefined();
    const text = JSON.stringify({ type: "message", from: "m", body: "é".repeat(30), replay: false });
    expect(parseServerFrame(text, text.length)).toBeUndefined(); // 30 more bytes than characters
    expect(parseServerFrame(text, text.length + 30)).toMatchObject({ type: "message" });
    expect(parseServerFrame(new ArrayBuffer(4), 100)).toBeUndefined();
  });
});
