// The relay's hardening limits (ADR 0016) over real loopback sockets: depth before work, guarded
// handlers, per-address quotas (other hosts are other loopback source addresses, 127.0.0.x), the
// join and idle timeouts on an injected clock, and replay logs bounded per room and overall.
import { connect as tcpConnect, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RelayLimits } from "./relay-protocol.ts";
import { startRelay, type Relay } from "./relay-server.ts";
import { connect, joinedClient, type ConnectOptions, type TestClient } from "./test-support/relay-test-client.ts";

let relay: Relay | undefined;
const clients: TestClient[] = [];
const tcps: Socket[] = [];
let logLines: string[] = [];
let clock = 1_000_000;

async function start(limits: Partial<RelayLimits> = {}): Promise<Relay> {
  logLines = [];
  relay = await startRelay({ host: "127.0.0.1", port: 0, limits, now: () => clock, sweepIntervalMs: 10, log: (l) => logLines.push(l) });
  return relay;
}

const from = (n: number): ConnectOptions => ({ localAddress: `127.0.0.${n}` });

async function member(room: string, options: ConnectOptions = from(1)) {
  const joined = await joinedClient(relay!.url, room, options);
  clients.push(joined.client);
  return joined;
}

async function raw(options: ConnectOptions = from(1)): Promise<TestClient> {
  const client = await connect(relay!.url, options);
  clients.push(client);
  return client;
}

async function expectError(client: TestClient, code: string, reason: string): Promise<void> {
  expect(await client.next()).toMatchObject({ type: "error", code, reason });
}

/** The pair still relays: a post from `a` is the next frame `b` sees. */
async function expectRelays(a: TestClient, b: TestClient, body: string): Promise<void> {
  a.send({ type: "post", body });
  expect(await b.next()).toMatchObject({ type: "message", body, replay: false });
}

const nested = (depth: number): string => '{"type":"post","body":' + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of clients.splice(0)) c.socket.terminate();
  for (const t of tcps.splice(0)) t.destroy();
  await relay?.close();
  relay = undefined;
});

describe("signal relay: depth and faults", () => {
  it("relays a frame at maxDepth and refuses one deeper (ERR_STRUCT_INVALID_ENCODING too_deep)", async () => {
    await start({ maxDepth: 6 });
    const a = await member("lobby");
    const b = await member("lobby");
    a.client.sendRaw(nested(6));
    expect(await b.client.next()).toMatchObject({ type: "message", body: [[[[[]]]]] });
    a.client.sendRaw(nested(7));
    await expectError(a.client, "ERR_STRUCT_INVALID_ENCODING", "too_deep");
    expect(relay!.stats().posts).toBe(1);
    await expectRelays(a.client, b.client, "after");
  });

  it("refuses the 9 KB post nested 4,600 deep of issue 13 and logs nothing for a late joiner", async () => {
    await start();
    const a = await member("lobby");
    const b = await member("lobby");
    const bomb = nested(4_600);
    expect(bomb.length).toBeLessThan(10_000);
    a.client.sendRaw(bomb);
    await expectError(a.client, "ERR_STRUCT_INVALID_ENCODING", "too_deep");
    expect(relay!.stats()).toMatchObject({ posts: 0, logBytes: 0, faults: 0 });
    const late = await member("lobby");
    await expectRelays(b.client, late.client, "nothing replayed before this");
  });

  it("a handler that throws closes only its socket, is logged and counted", async () => {
    await start();
    const a = await member("lobby");
    const b = await member("lobby");
    const c = await member("lobby");
    // The stack overflow the issue found, injected where it struck: serializing a body.
    const stringify = JSON.stringify.bind(JSON);
    vi.spyOn(JSON, "stringify").mockImplementation((value: unknown) => {
      if (value === "boom") throw new RangeError("Maximum call stack size exceeded");
      return stringify(value);
    });
    a.client.sendRaw('{"type":"post","body":"boom"}');
    expect((await a.client.closed).code).toBe(1006);
    expect(await b.client.next()).toMatchObject({ type: "left", member: a.member });
    expect(relay!.stats()).toMatchObject({ faults: 1, posts: 0 });
    expect(logLines).toContainEqual(expect.stringMatching(/^signal relay: fault in message \(RangeError\) member=/));
    expect(logLines.join("\n")).not.toContain("boom");
    await c.client.next(); // c saw the `left` too
    await expectRelays(b.client, c.client, "still up");
  });
});

describe("signal relay: per-address quotas", () => {
  it("closes sockets beyond maxSocketsPerAddress with 1013 address_full; other addresses still connect", async () => {
    await start({ maxSocketsPerAddress: 2 });
    await raw(from(2));
    const second = await raw(from(2));
    const third = await raw(from(2));
    expect(await third.closed).toEqual({ code: 1013, reason: "address_full" });
    expect(logLines).toContain("signal relay: refused address_full address=127.0.0.2");
    const elsewhere = await member("lobby", from(3));
    expect(elsewhere.members).toBe(1);
    await second.close();
    await vi.waitFor(() => expect(relay!.stats().sockets).toBe(2));
    const again = await member("lobby", from(2)); // a freed slot is usable again
    expect(again.members).toBe(2);
  });

  it("refuses a join into one room more than maxRoomsPerAddress (ERR_RESOURCE_PEER_LIMIT address_too_many_rooms)", async () => {
    await start({ maxRoomsPerAddress: 2 });
    await member("one", from(2));
    await member("two", from(2));
    const extra = await raw(from(2));
    extra.send({ type: "join", room: "three" });
    await expectError(extra, "ERR_RESOURCE_PEER_LIMIT", "address_too_many_rooms");
    expect(relay!.stats().rooms).toBe(2);
    extra.send({ type: "join", room: "one" }); // a room it is already in costs nothing more
    expect(await extra.next()).toMatchObject({ type: "joined", room: "one", members: 2 });
    expect((await member("three", from(3))).members).toBe(1);
  });

  it("refuses a member beyond maxMembersPerAddressInRoom (ERR_RESOURCE_PEER_LIMIT address_room_full); others still join", async () => {
    await start({ maxMembersPerAddressInRoom: 2 });
    const a = await member("lobby", from(2));
    await member("lobby", from(2));
    const extra = await raw(from(2));
    extra.send({ type: "join", room: "lobby" });
    await expectError(extra, "ERR_RESOURCE_PEER_LIMIT", "address_room_full");
    expect(relay!.stats().members).toBe(2);
    const honest = await member("lobby", from(3));
    expect(honest.members).toBe(3);
    await expectRelays(a.client, honest.client, "hello");
  });

  it("destroys raw TCP connections beyond twice maxSocketsPerAddress, before any upgrade", async () => {
    await start({ maxSocketsPerAddress: 1 });
    const closedEarly: Promise<void>[] = [];
    for (let i = 0; i < 3; i++) {
      const tcp = tcpConnect({ host: "127.0.0.1", port: relay!.port, localAddress: "127.0.0.4" });
      tcps.push(tcp);
      tcp.on("error", () => {});
      closedEarly.push(new Promise((resolve) => tcp.once("close", () => resolve())));
    }
    await Promise.race(closedEarly);
    await vi.waitFor(() => expect(logLines).toContain("signal relay: refused tcp_flood address=127.0.0.4"));
    expect((await member("lobby", from(5))).members).toBe(1);
  });

  it("answers plain HTTP with 426", async () => {
    await start();
    const response = await fetch(`http://127.0.0.1:${relay!.port}/`);
    expect(response.status).toBe(426);
  });
});

describe("signal relay: timeouts", () => {
  it("closes a socket that has not joined within handshakeTimeoutMs (1008 join_timeout); a joined one stays", async () => {
    await start({ handshakeTimeoutMs: 5_000 });
    const stranger = await raw();
    const joined = await member("lobby");
    clock += 5_000;
    expect(await stranger.closed).toEqual({ code: 1008, reason: "join_timeout" });
    expect(logLines).toContainEqual(expect.stringMatching(/^signal relay: closed join_timeout member=\S+ room=-$/));
    const other = await member("lobby");
    await expectRelays(joined.client, other.client, "still here");
  });

  it("pings a silent member at half idleTimeoutMs, counts its pong as life, and closes one that never answers (1001 idle_timeout)", async () => {
    await start({ idleTimeoutMs: 10_000, handshakeTimeoutMs: 60_000 });
    const alive = await member("lobby");
    const silent = await member("lobby", { ...from(1), autoPong: false });
    clock += 6_000;
    await vi.waitFor(() => expect([alive.client.pings(), silent.client.pings()]).toEqual([1, 1]));
    await vi.waitFor(() => expect(relay!.stats().pongs).toBe(1));
    clock += 6_000; // 12 s after the silent one's last frame, 6 s after the live one's pong
    expect(await silent.client.closed).toEqual({ code: 1001, reason: "idle_timeout" });
    await vi.waitFor(() => expect(alive.client.pings()).toBe(2));
    expect(alive.client.socket.readyState).toBe(alive.client.socket.OPEN);
  });
});

describe("signal relay: replay logs", () => {
  const post = (client: TestClient, size: number, tag: string) => client.send({ type: "post", body: tag + "x".repeat(size) });

  it("keeps at most roomLogBytes per room, newest first", async () => {
    await start({ roomLogBytes: 250 });
    const a = await member("lobby");
    for (let i = 0; i < 5; i++) post(a.client, 100, String(i));
    await vi.waitFor(() => expect(relay!.stats().posts).toBe(5));
    expect(relay!.stats().logBytes).toBe(2 * 103);
    const b = await member("lobby");
    expect(((await b.client.next())["body"] as string)[0]).toBe("3");
    expect(((await b.client.next())["body"] as string)[0]).toBe("4");
  });

  it("never logs a body larger than a room's budget, but relays it live", async () => {
    await start({ roomLogBytes: 50 });
    const a = await member("lobby");
    const b = await member("lobby");
    post(a.client, 100, "big");
    expect(await b.client.next()).toMatchObject({ replay: false });
    expect(relay!.stats().logBytes).toBe(0);
  });

  it("past totalLogBytes trims the largest room first: a small honest log survives a filler", async () => {
    await start({ totalLogBytes: 1_000, roomLogBytes: 800, messageBurst: 100 });
    const honest = await member("honest", from(3));
    honest.client.send({ type: "post", body: { kind: "announce" } });
    const filler = await member("filler", from(2));
    const filler2 = await member("filler2", from(2));
    for (let i = 0; i < 20; i++) post(i % 2 ? filler.client : filler2.client, 100, "f");
    await vi.waitFor(() => expect(relay!.stats().posts).toBe(21));
    expect(relay!.stats().logBytes).toBeLessThanOrEqual(1_000);
    const late = await member("honest", from(4));
    expect(await late.client.next()).toMatchObject({ body: { kind: "announce" }, replay: true });
  });

  it("frees a room's log with the room", async () => {
    await start();
    const a = await member("lobby");
    post(a.client, 1_000, "x");
    await vi.waitFor(() => expect(relay!.stats().logBytes).toBe(1_003));
    await a.client.close();
    await vi.waitFor(() => expect(relay!.stats()).toMatchObject({ rooms: 0, logBytes: 0, addresses: 0 }));
  });
});
