// The real link in Chromium: two simple-peer connections in this page, signalled in memory with
// loopback candidates only, each channel bridged to a MessagePort and a PortTransport on the other end
// (the path the node worker uses). It passes the same transport contract as the loopback.
import { afterEach, describe, expect, it } from "vitest";
import { CLOSE_REASONS, createPortTransport, type Transport } from "../core/network/index.ts";
import { runTransportContract, type TransportPair } from "../core/network/test-support/index.ts";
import { bytesEqual } from "../core/shared/bytes.ts";
import { bridgeChannelToPort, LINK_PROTOCOL_ERROR } from "./channel-bridge.ts";
import { createWebRtcPeer, loopbackOnly, type PeerChannel, type SessionSignal, type WebRtcPeer } from "./webrtc-peer.ts";

const live: WebRtcPeer[] = [];
afterEach(() => {
  for (const peer of live.splice(0)) peer.destroy();
});

function connected(peer: WebRtcPeer): Promise<PeerChannel> {
  return new Promise((resolve, reject) => {
    peer.onConnect(resolve);
    peer.onClose((reason) => reject(new Error(`peer closed before connecting: ${reason}`)));
  });
}

/** Two peers in this page, each one's single signal handed to the other; only 127.0.0.1 candidates pass. */
async function connectedPeers() {
  const a = createWebRtcPeer({ initiator: true, allowCandidate: loopbackOnly });
  const b = createWebRtcPeer({ initiator: false, allowCandidate: loopbackOnly });
  live.push(a, b);
  const signals: SessionSignal[] = [];
  a.onSignal((signal) => {
    signals.push(signal);
    expect(b.signal(signal)).toEqual({ ok: true, value: undefined });
  });
  b.onSignal((signal) => {
    signals.push(signal);
    expect(a.signal(signal)).toEqual({ ok: true, value: undefined });
  });
  const [channelA, channelB] = await Promise.all([connected(a), connected(b)]);
  return { peers: [a, b] as const, channels: [channelA, channelB] as const, signals };
}

let count = 0;

function transportOn(channel: PeerChannel): Transport {
  const { port1, port2 } = new MessageChannel();
  bridgeChannelToPort(channel, port2);
  return createPortTransport(port1, { id: `webrtc-${++count}` });
}

async function bridgedPair(): Promise<TransportPair & { channels: readonly [PeerChannel, PeerChannel] }> {
  const { channels } = await connectedPeers();
  return Object.assign([transportOn(channels[0]), transportOn(channels[1])] as const, { channels });
}

function opened(transport: Transport): Promise<void> {
  return transport.state === "open" ? Promise.resolve() : new Promise((resolve) => transport.onOpen(resolve));
}

function closedWith(transport: Transport): Promise<string> {
  return new Promise((resolve) => transport.onClose(resolve));
}

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}

runTransportContract("webrtc data channel (simple-peer) via MessagePort", bridgedPair);

describe("webrtc peer (simple-peer) in Chromium", () => {
  it("signals one offer and one answer carrying only loopback candidates, and connects over them", async () => {
    const { signals } = await connectedPeers();
    expect(signals.map((s) => s.type)).toEqual(["offer", "answer"]);
    for (const { sdp } of signals) {
      const candidates = sdp.split("\r\n").filter((line) => line.startsWith("a=candidate:"));
      expect(candidates.length).toBeGreaterThan(0);
      expect(candidates.every(loopbackOnly)).toBe(true);
    }
  });

  it("hands data over as plain Uint8Array copies", async () => {
    const { channels } = await connectedPeers();
    const got = new Promise<Uint8Array>((resolve) => channels[1].onData(resolve));
    channels[0].send(Uint8Array.of(1, 2, 3));
    const bytes = await got;
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(bytes).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("refuses a malformed signal, and a second one, with codes", async () => {
    const { peers } = await connectedPeers();
    expect(peers[0].signal({ type: "answer", sdp: "v=0\r\n", extra: 1 })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "signal_invalid" } },
    });
    expect(peers[0].signal({ type: "answer", sdp: "v=0\r\n" })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "signal_unexpected" } },
    });
  });

  it("reports closed_locally on destroy and link_lost on the far side", async () => {
    const { peers } = await connectedPeers();
    const local = new Promise<string>((resolve) => peers[0].onClose(resolve));
    const far = new Promise<string>((resolve) => peers[1].onClose(resolve));
    peers[0].destroy();
    expect(await local).toBe("closed_locally");
    expect(await far).toBe("link_lost");
    expect(peers[0].signal({ type: "answer", sdp: "v=0\r\n" })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE" },
    });
  });
});

describe("webrtc transport through the bridge", () => {
  it("carries 1 MiB frames intact both ways, chunked", async () => {
    const [a, b] = await bridgedPair();
    await Promise.all([opened(a), opened(b)]);
    const toB = [pattern(1 << 20, 1), pattern(1 << 20, 2), pattern(1 << 20, 3)];
    const toA = [pattern(1 << 20, 4)];
    const atB: Uint8Array[] = [];
    const atA: Uint8Array[] = [];
    const doneB = new Promise<void>((resolve) => b.onMessage((m) => atB.push(m) === toB.length && resolve()));
    const doneA = new Promise<void>((resolve) => a.onMessage((m) => atA.push(m) === toA.length && resolve()));
    // Two fit the 2 MiB buffer at once; the third waits for a drain.
    expect(a.send(toB[0]!).ok).toBe(true);
    expect(a.send(toB[1]!).ok).toBe(true);
    expect(b.send(toA[0]!).ok).toBe(true);
    expect(a.send(toB[2]!)).toMatchObject({ ok: false, error: { data: { reason: "buffer_full" } } });
    await new Promise<void>((resolve) => a.onDrain(resolve));
    expect(a.send(toB[2]!).ok).toBe(true);
    await Promise.all([doneA, doneB]);
    expect(atB.every((m, i) => bytesEqual(m, toB[i]!))).toBe(true);
    expect(bytesEqual(atA[0]!, toA[0]!)).toBe(true);
  });

  it("delivers what was queued before a graceful close, even megabytes of it", async () => {
    const [a, b] = await bridgedPair();
    await Promise.all([opened(a), opened(b)]);
    const sizes: number[] = [];
    b.onMessage((m) => sizes.push(m.length));
    const closed = closedWith(b).then((reason) => ({ reason, count: sizes.length }));
    a.send(pattern(1 << 20, 5));
    a.send(pattern(1 << 20, 6));
    a.close("test_done");
    expect(await closed).toEqual({ reason: CLOSE_REASONS.peer, count: 2 });
  });

  it("closes the link with link_protocol_error when the far side sends a raw chunk with a bad header", async () => {
    const pair = await bridgedPair();
    const [a, b] = pair;
    await Promise.all([opened(a), opened(b)]);
    const closedA = closedWith(a);
    const closedB = closedWith(b);
    // Past the bridge, straight onto the channel: what a hostile far side can send.
    pair.channels[0].send(Uint8Array.of(0x7f, 1, 2, 3));
    expect(await closedB).toBe(LINK_PROTOCOL_ERROR);
    expect(await closedA).toBe(CLOSE_REASONS.lost);
  });

  it("reports link_lost on both nodes when the connection is torn down under them", async () => {
    const { peers, channels } = await connectedPeers();
    const a = transportOn(channels[0]);
    const b = transportOn(channels[1]);
    await Promise.all([opened(a), opened(b)]);
    const closedA = closedWith(a);
    const closedB = closedWith(b);
    peers[1].destroy();
    expect(await closedB).toBe(CLOSE_REASONS.lost);
    expect(await closedA).toBe(CLOSE_REASONS.lost);
  });
});
