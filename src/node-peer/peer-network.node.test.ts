// The peer over real WebRTC in Node.js (@roamhq/wrtc, ADR 0028), found through the real relay on
// loopback, with only 127.0.0.1 candidates: the page's peering code end to end, a signed session on
// it, and the peer's SQLite node converging with a browser-like node; a relay that goes away is joined
// again; an invite code that is not one is refused and opens nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { startRelay, type Relay } from "../../signal/relay-server.ts";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher, writeNotes } from "../core/acceptance/fixtures.ts";
import type { TwoWayNode } from "../core/index.ts";
import { createPeerNetwork, type PeerEvent, type PeerNetwork } from "./peer-network.ts";
import { startPeer } from "./peer.ts";

const FAST_PUZZLES = { "dos.difficulty.base_bits": 6, "dos.difficulty.max_bits": 12 };
const root = mkdtempSync(join(tmpdir(), "twoway-peer-net-"));
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quiet: PeerEvent = () => undefined;

async function relay(port = 0): Promise<Relay> {
  const started = await startRelay({ host: "127.0.0.1", port, log: () => undefined });
  return started;
}

function network(node: TwoWayNode, log: PeerEvent = quiet): PeerNetwork {
  const net = createPeerNetwork({ node, log, loopbackOnly: true, rejoinDelayMs: 50 });
  cleanup.push(() => net.close());
  return net;
}

async function digestsMatch(a: TwoWayNode, b: TwoWayNode): Promise<boolean> {
  return (await a.stateDigest()).digest === (await b.stateDigest()).digest;
}

describe("the peer's WebRTC links", () => {
  it("syncs a node's notes into the peer's SQLite database through a relay room", { timeout: 180_000 }, async () => {
    const signal = await relay();
    cleanup.push(() => signal.close());
    const ann = (await startNode({ config: FAST_PUZZLES })).node;
    cleanup.push(() => ann.stop());
    const notes = await (await testPublisher()).package(NOTES_SCHEMA);
    expectOk(await ann.apps.install(notes));
    const me = expectOk(await ann.identities.create({ name: "Ann" })).identityId;
    await writeNotes(ann, me, ["one", "two", "three"]);

    const peer = expectOk(await startPeer({ dataDir: join(root, "sync"), config: FAST_PUZZLES }));
    cleanup.push(() => peer.stop());
    expectOk(await peer.apps.install(notes));
    const events: string[] = [];
    const peerNet = network(peer, (event) => events.push(event));
    expectOk(await peerNet.joinRoom({ url: signal.url, room: "lobby" }));
    expectOk(await network(ann).joinRoom({ url: signal.url, room: "lobby" }));

    await vi.waitFor(async () => expect(await digestsMatch(ann, peer)).toBe(true), { timeout: 150_000, interval: 200 });
    expect(peerNet.sessions()).toEqual([expect.objectContaining({ via: "relay", state: "syncing", peerIdentity: ann.sync.nodeIdentity })]);
    expect(events).toEqual(expect.arrayContaining(["peer.room_joined", "peer.session_opened"]));
  });

  it("joins its room again after the relay went away and came back", { timeout: 120_000 }, async () => {
    const first = await relay();
    const port = Number(new URL(first.url).port);
    const peer = expectOk(await startPeer({ dataDir: join(root, "rejoin"), config: FAST_PUZZLES }));
    cleanup.push(() => peer.stop());
    const events: string[] = [];
    const net = network(peer, (event) => events.push(event));
    expectOk(await net.joinRoom({ url: first.url, room: "kept" }));
    await first.close();
    await vi.waitFor(() => expect(events).toContain("peer.room_rejoin_scheduled"), { timeout: 60_000, interval: 50 });
    const second = await relay(port);
    cleanup.push(() => second.close());
    await vi.waitFor(() => expect(net.rooms()).toEqual([{ url: first.url, room: "kept", joined: true }]), {
      timeout: 60_000,
      interval: 50,
    });
    expect(events.filter((event) => event === "peer.room_joined")).toHaveLength(2);
  });

  it("refuses an invite code that is not one, and opens no session", { timeout: 60_000 }, async () => {
    const peer = expectOk(await startPeer({ dataDir: join(root, "invite"), config: FAST_PUZZLES }));
    cleanup.push(() => peer.stop());
    const net = network(peer);
    const answered = await net.acceptInvite("not-an-invite");
    expect(answered.ok ? "answered" : answered.error.code).toMatch(/^ERR_/);
    expect(net.sessions()).toEqual([]);
  });
});
