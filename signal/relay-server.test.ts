// The relay over real loopback sockets (127.0.0.1, ephemeral port): room semantics, replay, and a
// negative test for every limit and malformed input, each asserting the code, the reason and that
// nothing was relayed (a later sentinel post is the next frame the other member sees).
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_RELAY_LIMITS, MEMBER_ID_PATTERN, type RelayLimits } from "./relay-protocol.ts";
import { startRelay, type Relay } from "./relay-server.ts";
import { connect, joinedClient, type TestClient } from "./test-support/relay-test-client.ts";

let relay: Relay | undefined;
const clients: TestClient[] = [];
let logLines: string[] = [];
let clock = 1_000_000;

async function start(limits: Partial<RelayLimits> = {}): Promise<Relay> {
  logLines = [];
  relay = await startRelay({ host: "127.0.0.1", port: 0, limits, now: () => clock, log: (line) => logLines.push(line) });
  return relay;
}

async function member(room: string): Promise<{ client: TestClient; member: string; members: number }> {
  const joined = await joinedClient(relay!.url, room);
  clients.push(joined.client);
  return joined;
}

async function raw(): Promise<TestClient> {
  const client = await connect(relay!.url);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.terminate();
  await relay?.close();
  relay = undefined;
});

/** Asserts that `observer` saw nothing from `sender` before the sentinel `sender` posts now. */
async function expectNothingRelayed(sender: TestClient, observer: TestClient, postsBefore: number): Promise<void> {
  expect(relay!.stats().posts).toBe(postsBefore);
  sender.send({ type: "post", body: "sentinel" });
  const next = await observer.next();
  expect(next).toMatchObject({ type: "message", body: "sentinel", replay: false });
}

describe("signal relay: rooms", () => {
  it("binds loopback on an ephemeral port and reports it", async () => {
    const r = await start();
    expect(r.port).toBeGreaterThan(0);
    expect(r.url).toBe(`ws://127.0.0.1:${r.port}`);
  });

  it("assigns distinct member ids and counts members", async () => {
    await start();
    const a = await member("lobby");
    const b = await member("lobby");
    expect(a.member).toMatch(MEMBER_ID_PATTERN);
    expect(b.member).toMatch(MEMBER_ID_PATTERN);
    expect(a.member).not.toBe(b.member);
    expect([a.members, b.members]).toEqual([1, 2]);
    expect(relay!.stats()).toMatchObject({ sockets: 2, rooms: 1, members: 2 });
  });

  it("relays posts both ways between two members", async () => {
    await start();
    const a = await member("lobby");
    const b = await member("lobby");
    a.client.send({ type: "post", body: { kind: "offer", n: 1 } });
    expect(await b.client.next()).toEqual({ type: "message", from: a.member, body: { kind: "offer", n: 1 }, replay: false });
    b.client.send({ type: "post", body: ["answer", null, 2.5, true] });
    expect(await a.client.next()).toEqual({ type: "message", from: b.member, body: ["answer", null, 2.5, true], replay: false });
  });

  it("never echoes a post to its sender", async () => {
    await start();
    const a = await member("lobby");
    const b = await member("lobby");
    a.client.send({ type: "post", body: "mine" });
    await b.client.next();
    b.client.send({ type: "post", body: "theirs" });
    expect(await a.client.next()).toMatchObject({ from: b.member, body: "theirs" });
    expect(a.client.pending()).toEqual([]);
  });

  it("replays earlier messages to a late joiner, in order, with replay:true, then goes live", async () => {
    await start();
    const a = await member("lobby");
    const b = await member("lobby");
    a.client.send({ type: "post", body: 1 });
    await b.client.next();
    b.client.send({ type: "post", body: 2 });
    await a.client.next();
    a.client.send({ type: "post", body: 3 });
    await b.client.next();
    const c = await member("lobby");
    expect(c.members).toBe(3);
    expect([await c.client.next(), await c.client.next(), await c.client.next()]).toEqual([
      { type: "message", from: a.member, body: 1, replay: true },
      { type: "message", from: b.member, body: 2, replay: true },
      { type: "message", from: a.member, body: 3, replay: true },
    ]);
    b.client.send({ type: "post", body: 4 });
    expect(await c.client.next()).toEqual({ type: "message", from: b.member, body: 4, replay: false });
  });

  it("keeps only the newest roomLogSize messages for replay", async () => {
    await start({ roomLogSize: 3 });
    const a = await member("lobby");
    for (let i = 1; i <= 5; i++) a.client.send({ type: "post", body: i });
    const b = await member("lobby");
    const replayed = [await b.client.next(), await b.client.next(), await b.client.next()];
    expect(replayed.map((f) => f["body"])).toEqual([3, 4, 5]);
    a.client.send({ type: "post", body: "live" });
    expect(await b.client.next()).toMatchObject({ body: "live", replay: false });
  });

  it("replays a full log of maximum-size messages without treating the joiner as a slow consumer", async () => {
    await start({ messageBurst: 100 }); // default size limits; the burst lets one sender fill the log at once
    const a = await member("lobby");
    const overhead = JSON.stringify({ type: "post", body: "" }).length;
    const body = (i: number): string => String(i % 10).repeat(32_768 - overhead);
    for (let i = 0; i < 64; i++) a.client.send({ type: "post", body: body(i) });
    await vi.waitFor(() => expect(relay!.stats().posts).toBe(64));
    // The byte budget, not the count, is what fills first: the newest that fit roomLogBytes stay.
    const kept = Math.floor(DEFAULT_RELAY_LIMITS.roomLogBytes / JSON.stringify(body(0)).length);
    expect(relay!.stats().logBytes).toBe(kept * JSON.stringify(body(0)).length);
    const b = await member("lobby");
    for (let i = 64 - kept; i < 64; i++) expect(await b.client.next()).toMatchObject({ body: body(i), replay: true });
    a.client.send({ type: "post", body: "live" });
    expect(await b.client.next()).toMatchObject({ body: "live", replay: false });
    expect(logLines).toEqual([]);
  });

  it("on leave: notifies `left` and removes the member's messages from the log", async () => {
    await start();
    const a = await member("lobby");
    const b = await member("lobby");
    a.client.send({ type: "post", body: "offer from a" });
    await b.client.next();
    b.client.send({ type: "post", body: "offer from b" });
    await a.client.next();
    await a.client.close();
    expect(await b.client.next()).toEqual({ type: "left", member: a.member });
    expect(relay!.stats().members).toBe(1);
    const c = await member("lobby");
    expect(c.members).toBe(2);
    expect(await c.client.next()).toEqual({ type: "message", from: b.member, body: "offer from b", replay: true });
    b.client.send({ type: "post", body: "after" });
    expect(await c.client.next()).toMatchObject({ body: "after", replay: false });
  });

  it("deletes a room when its last member leaves", async () => {
    await start();
    const a = await member("lobby");
    a.client.send({ type: "post", body: "x" });
    await a.client.close();
    await vi.waitFor(() => expect(relay!.stats()).toMatchObject({ rooms: 0, members: 0, sockets: 0 }));
    const b = await member("lobby");
    expect(b.members).toBe(1);
    b.client.send({ type: "post", body: "probe" });
    const c = await member("lobby");
    expect(await c.client.next()).toMatchObject({ body: "probe", replay: true }); // nothing older survived
  });

  it("isolates rooms", async () => {
    await start();
    const a = await member("one");
    const b = await member("two");
    const c = await member("one");
    const d = await member("two");
    a.client.send({ type: "post", body: "for one" });
    expect(await c.client.next()).toMatchObject({ from: a.member, body: "for one" });
    d.client.send({ type: "post", body: "for two" });
    expect(await b.client.next()).toMatchObject({ from: d.member, body: "for two" });
    expect(a.client.pending()).toEqual([]);
    const late = await member("two");
    expect(await late.client.next()).toMatchObject({ from: d.member, body: "for two", replay: true });
    expect(late.client.pending()).toEqual([]);
  });

  it("closes every socket with 1001 on close()", async () => {
    const r = await start();
    const a = await member("lobby");
    await r.close();
    expect(await a.client.closed).toEqual({ code: 1001, reason: "relay_closing" });
  });
});

describe("signal relay: malformed input and limits", () => {
  async function pair(): Promise<{ a: TestClient; b: TestClient }> {
    const a = await member("lobby");
    const b = await member("lobby");
    return { a: a.client, b: b.client };
  }

  async function expectError(client: TestClient, code: string, reason: string): Promise<void> {
    const frame = await client.next();
    expect(frame).toMatchObject({ type: "error", code, reason });
    expect(typeof frame["message"]).toBe("string");
  }

  it("rejects text that is not JSON (ERR_STRUCT_INVALID_ENCODING not_json)", async () => {
    await start();
    const { a, b } = await pair();
    a.sendRaw('{"type":"post","body":');
    await expectError(a, "ERR_STRUCT_INVALID_ENCODING", "not_json");
    await expectNothingRelayed(a, b, 0);
  });

  it("rejects binary frames (ERR_STRUCT_INVALID_ENCODING binary_frame)", async () => {
    await start();
    const { a, b } = await pair();
    a.sendRaw(Buffer.from(JSON.stringify({ type: "post", body: "bin" })), true);
    await expectError(a, "ERR_STRUCT_INVALID_ENCODING", "binary_frame");
    await expectNothingRelayed(a, b, 0);
  });

  it.each([["[1,2]"], ['"post"'], ["null"], ["42"]])(
    "rejects a non-object frame %s (ERR_STRUCT_INVALID_TYPE not_an_object)",
    async (text) => {
      await start();
      const { a, b } = await pair();
      a.sendRaw(text);
      await expectError(a, "ERR_STRUCT_INVALID_TYPE", "not_an_object");
      await expectNothingRelayed(a, b, 0);
    },
  );

  it.each([[{ type: "broadcast", body: 1 }], [{ body: 1 }], [{ type: "POST", body: 1 }]])(
    "rejects an unknown frame type %j (ERR_STRUCT_INVALID_TYPE unknown_type)",
    async (frame) => {
      await start();
      const { a, b } = await pair();
      a.send(frame);
      await expectError(a, "ERR_STRUCT_INVALID_TYPE", "unknown_type");
      await expectNothingRelayed(a, b, 0);
    },
  );

  it("rejects a post before join (ERR_STRUCT_INVALID_TYPE not_joined)", async () => {
    await start();
    const { a, b } = await pair();
    const stranger = await raw();
    stranger.send({ type: "post", body: "sneaky" });
    await expectError(stranger, "ERR_STRUCT_INVALID_TYPE", "not_joined");
    await expectNothingRelayed(a, b, 0);
  });

  it("rejects a second join (ERR_STRUCT_INVALID_TYPE already_joined) and stays in the first room", async () => {
    await start();
    const { a, b } = await pair();
    a.send({ type: "join", room: "elsewhere" });
    await expectError(a, "ERR_STRUCT_INVALID_TYPE", "already_joined");
    expect(relay!.stats().rooms).toBe(1);
    await expectNothingRelayed(a, b, 0);
  });

  it.each([[""], ["has space"], ["a".repeat(65)], ["ünï"], ["../x"], [42], [null]])(
    "rejects room name %j (ERR_STRUCT_INVALID_IDENTIFIER invalid_room)",
    async (room) => {
      await start();
      const client = await raw();
      client.send({ type: "join", room });
      await expectError(client, "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_room");
      expect(relay!.stats().rooms).toBe(0);
    },
  );

  it("rejects a join without a room (ERR_STRUCT_INVALID_IDENTIFIER invalid_room)", async () => {
    await start();
    const client = await raw();
    client.send({ type: "join" });
    await expectError(client, "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_room");
  });

  it("accepts the longest legal room name", async () => {
    await start();
    const a = await member("A-z_9".repeat(12) + "abcd");
    expect(a.members).toBe(1);
  });

  it("rejects a post without a body (ERR_STRUCT_MISSING_FIELD missing_body)", async () => {
    await start();
    const { a, b } = await pair();
    a.send({ type: "post" });
    await expectError(a, "ERR_STRUCT_MISSING_FIELD", "missing_body");
    await expectNothingRelayed(a, b, 0);
  });

  it("relays a body of null (present, not missing)", async () => {
    await start();
    const { a, b } = await pair();
    a.send({ type: "post", body: null });
    expect(await b.next()).toMatchObject({ type: "message", body: null });
  });

  it("rejects a frame over maxMessageBytes (ERR_RESOURCE_RATE_LIMIT message_too_large) and relays one at the limit", async () => {
    await start({ maxMessageBytes: 200 });
    const { a, b } = await pair();
    const overhead = JSON.stringify({ type: "post", body: "" }).length;
    a.send({ type: "post", body: "x".repeat(201 - overhead) });
    await expectError(a, "ERR_RESOURCE_RATE_LIMIT", "message_too_large");
    expect(relay!.stats().posts).toBe(0);
    a.send({ type: "post", body: "y".repeat(200 - overhead) });
    expect(await b.next()).toMatchObject({ type: "message", body: "y".repeat(200 - overhead) });
  });

  it("counts the limit in UTF-8 bytes, not characters", async () => {
    await start({ maxMessageBytes: 100 });
    const { a, b } = await pair();
    a.send({ type: "post", body: "é".repeat(45) }); // 73 characters, 118 bytes
    await expectError(a, "ERR_RESOURCE_RATE_LIMIT", "message_too_large");
    await expectNothingRelayed(a, b, 0);
  });

  it("closes the socket (1009) for a frame over maxFrameBytes, before buffering it", async () => {
    await start({ maxMessageBytes: 100, maxFrameBytes: 1000 });
    const { a, b } = await pair();
    a.send({ type: "post", body: "z".repeat(2000) });
    expect((await a.closed).code).toBe(1009);
    expect(await b.next()).toMatchObject({ type: "left" });
    expect(relay!.stats().posts).toBe(0);
    expect(logLines.some((l) => l.includes("WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"))).toBe(true);
  });

  it("rate-limits a socket past its burst (ERR_RESOURCE_RATE_LIMIT rate_limited) and refills with time", async () => {
    await start({ messagesPerSecond: 2, messageBurst: 3 });
    const { a, b } = await pair(); // the join took one token
    a.send({ type: "post", body: 1 });
    a.send({ type: "post", body: 2 });
    a.send({ type: "post", body: 3 });
    await expectError(a, "ERR_RESOURCE_RATE_LIMIT", "rate_limited");
    expect((await b.next())["body"]).toBe(1);
    expect((await b.next())["body"]).toBe(2);
    expect(relay!.stats().posts).toBe(2);
    clock += 500; // one token at 2/s
    await expectNothingRelayed(a, b, 2);
    a.send({ type: "post", body: "again" });
    await expectError(a, "ERR_RESOURCE_RATE_LIMIT", "rate_limited");
    expect(b.pending()).toEqual([]);
  });

  it("closes a socket with 1008 after maxViolations rejections", async () => {
    await start({ maxViolations: 2 });
    const { a, b } = await pair();
    for (let i = 0; i < 3; i++) a.sendRaw("nope");
    await expectError(a, "ERR_STRUCT_INVALID_ENCODING", "not_json");
    await expectError(a, "ERR_STRUCT_INVALID_ENCODING", "not_json");
    await expectError(a, "ERR_STRUCT_INVALID_ENCODING", "not_json");
    expect(await a.closed).toEqual({ code: 1008, reason: "policy_violation" });
    expect(await b.next()).toMatchObject({ type: "left" });
    expect(relay!.stats().posts).toBe(0);
  });

  it("refuses a member beyond maxMembersPerRoom (ERR_RESOURCE_PEER_LIMIT room_full); it may join another room", async () => {
    await start({ maxMembersPerRoom: 2 });
    const { a, b } = await pair();
    const third = await raw();
    third.send({ type: "join", room: "lobby" });
    await expectError(third, "ERR_RESOURCE_PEER_LIMIT", "room_full");
    expect(relay!.stats().members).toBe(2);
    third.send({ type: "post", body: "from outside" });
    await expectError(third, "ERR_STRUCT_INVALID_TYPE", "not_joined");
    await expectNothingRelayed(a, b, 0);
    third.send({ type: "join", room: "annex" });
    expect(await third.next()).toMatchObject({ type: "joined", room: "annex", members: 1 });
  });

  it("refuses a new room beyond maxRooms (ERR_RESOURCE_PEER_LIMIT too_many_rooms); existing rooms still join", async () => {
    await start({ maxRooms: 1 });
    await member("first");
    const client = await raw();
    client.send({ type: "join", room: "second" });
    await expectError(client, "ERR_RESOURCE_PEER_LIMIT", "too_many_rooms");
    expect(relay!.stats().rooms).toBe(1);
    client.send({ type: "join", room: "first" });
    expect(await client.next()).toMatchObject({ type: "joined", room: "first", members: 2 });
  });

  it("closes sockets beyond maxSockets with 1013", async () => {
    await start({ maxSockets: 1 });
    await raw();
    const extra = await raw();
    expect(await extra.closed).toEqual({ code: 1013, reason: "relay_full" });
    expect(logLines.some((l) => l.startsWith("signal relay: refused relay_full"))).toBe(true);
  });

  it("terminates a consumer whose outbound buffer is over maxBufferedBytes", async () => {
    await start({ maxBufferedBytes: -1 }); // every send finds the buffer "over": the path, deterministically
    const client = await raw();
    client.send({ type: "join", room: "lobby" });
    expect((await client.closed).code).toBe(1006);
    expect(logLines.some((l) => l.startsWith("signal relay: closed slow_consumer"))).toBe(true);
  });

  it("logs one line per rejection, with code and reason and never the body", async () => {
    await start({ maxMessageBytes: 100 });
    const { a } = await pair();
    a.send({ type: "shout", body: "SECRET-1" });
    await expectError(a, "ERR_STRUCT_INVALID_TYPE", "unknown_type");
    a.send({ type: "post", body: "SECRET-2".repeat(20) });
    await expectError(a, "ERR_RESOURCE_RATE_LIMIT", "message_too_large");
    expect(logLines).toHaveLength(2);
    expect(logLines[0]).toMatch(/^signal relay: rejected ERR_STRUCT_INVALID_TYPE unknown_type member=[A-Za-z0-9_-]+ room=lobby$/);
    expect(logLines[1]).toMatch(/^signal relay: rejected ERR_RESOURCE_RATE_LIMIT message_too_large /);
    expect(logLines.join("\n")).not.toContain("SECRET");
  });
});
