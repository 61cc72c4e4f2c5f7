// The channel bridge in Node over an in-memory channel pair: the full node-side path
// (PortTransport → port → bridge → channel → bridge → port → PortTransport) passes the transport
// contract, and the bridge's chunking, backpressure, acks and close rules hold without WebRTC.
import { afterEach, describe, expect, it } from "vitest";
import { CLOSE_REASONS, createPortTransport, type PortHostMessage, type Transport } from "../core/network/index.ts";
import { runTransportContract } from "../core/network/test-support/index.ts";
import { bridgeChannelToPort, LINK_PROTOCOL_ERROR, type ChannelBridgeOptions } from "./channel-bridge.ts";
import { CHUNK_HEADER, closeChunk } from "./chunking.ts";
import type { PeerChannel } from "./webrtc-peer.ts";

/** Runs `callback` in a later task, in Node and in a browser alike (no timer clamping). */
function macrotask(callback: () => void): void {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => {
    port1.close();
    callback();
  };
  port2.postMessage(null);
}

const nextTask = () => new Promise<void>((resolve) => macrotask(resolve));

type Wire = { readonly to: FakeEnd; readonly bytes: Uint8Array | "close" };

/** One end of an in-memory data channel: a send buffer that drains as the link delivers, RTCDataChannel-style. */
class FakeEnd implements PeerChannel {
  buffered = 0;
  closed = false;
  readonly sent: Uint8Array[] = [];
  private readonly data = new Set<(bytes: Uint8Array) => void>();
  private readonly lows = new Set<() => void>();
  private readonly closes = new Set<(reason: string) => void>();
  other!: FakeEnd;

  constructor(
    private readonly link: FakeLink,
    readonly threshold: number,
  ) {}

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.sent.push(bytes);
    this.buffered += bytes.length;
    this.link.carry({ to: this.other, bytes: new Uint8Array(bytes) });
  }
  bufferedAmount(): number {
    return this.buffered;
  }
  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.data.add(listener);
    return () => void this.data.delete(listener);
  }
  onBufferedLow(listener: () => void): () => void {
    this.lows.add(listener);
    return () => void this.lows.delete(listener);
  }
  onClose(listener: (reason: string) => void): () => void {
    this.closes.add(listener);
    return () => void this.closes.delete(listener);
  }
  /** Graceful, like RTCDataChannel.close(): what is buffered is delivered first. */
  close(): void {
    if (this.closed) return;
    this.link.carry({ to: this.other, bytes: "close" });
  }

  delivered(item: Wire): void {
    const from = item.to.other;
    if (item.bytes === "close") {
      from.shut(CLOSE_REASONS.local);
      item.to.shut(CLOSE_REASONS.lost);
      return;
    }
    const before = from.buffered;
    from.buffered -= item.bytes.length;
    if (!item.to.closed) for (const l of [...item.to.data]) l(item.bytes);
    if (before > from.threshold && from.buffered <= from.threshold && !from.closed) for (const l of [...from.lows]) l();
  }

  shut(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.closes]) l(reason);
  }
}

/** Two ends; delivery in order, on its own (a macrotask per round) or only on `step()` when manual. */
class FakeLink {
  readonly a: FakeEnd;
  readonly b: FakeEnd;
  private readonly queue: Wire[] = [];
  private scheduled = false;

  constructor(
    threshold: number,
    private readonly manual = false,
  ) {
    this.a = new FakeEnd(this, threshold);
    this.b = new FakeEnd(this, threshold);
    this.a.other = this.b;
    this.b.other = this.a;
  }

  carry(item: Wire): void {
    this.queue.push(item);
    this.schedule();
  }

  /** One round per macrotask: what was queued when it began, so ports and the link interleave. */
  private schedule(): void {
    if (this.manual || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    macrotask(() => {
      this.scheduled = false;
      for (let n = this.queue.length; n > 0 && this.step(); n--);
      this.schedule();
    });
  }

  step(): boolean {
    const item = this.queue.shift();
    if (item === undefined) return false;
    item.to.delivered(item);
    return true;
  }

  /** The link dies: nothing more is delivered and both ends close. */
  cut(): void {
    this.queue.length = 0;
    this.a.shut(CLOSE_REASONS.lost);
    this.b.shut(CLOSE_REASONS.lost);
  }
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

function channel(): MessageChannel {
  const pair = new MessageChannel();
  ports.push(pair.port1, pair.port2);
  return pair;
}

let count = 0;

/** A node transport bridged onto one end of the link. */
function nodeOn(end: FakeEnd, options?: ChannelBridgeOptions) {
  const { port1, port2 } = channel();
  const bridge = bridgeChannelToPort(end, port2, options);
  const transport = createPortTransport(port1, { id: `bridged-${++count}` });
  return { transport, bridge };
}

function opened(transport: Transport): Promise<void> {
  return transport.state === "open" ? Promise.resolve() : new Promise((resolve) => transport.onOpen(resolve));
}

function closedWith(transport: Transport): Promise<string> {
  return new Promise((resolve) => transport.onClose(resolve));
}

function nextMessage(transport: Transport): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const stop = transport.onMessage((m) => {
      stop();
      resolve(m);
    });
  });
}

/** Lets port messages and link rounds run until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !done(); i++) await nextTask();
  expect(done()).toBe(true);
}

function bridgedPair(options?: ChannelBridgeOptions, threshold = 65_536) {
  const link = new FakeLink(threshold);
  return [nodeOn(link.a, options).transport, nodeOn(link.b, options).transport] as const;
}

runTransportContract("port transport over the channel bridge and an in-memory channel", () => bridgedPair());
runTransportContract("port transport over the channel bridge with 100-byte chunks and a 4 KiB high-water mark", () =>
  bridgedPair({ chunkBytes: 100, highWaterBytes: 4096 }, 1024),
);

describe("channel bridge", () => {
  it("hands chunks to the channel only below the high-water mark, resumes on bufferedLow, and acks whole messages", async () => {
    const link = new FakeLink(1000, true);
    const { transport } = nodeOn(link.a, { chunkBytes: 1001, highWaterBytes: 3000 });
    await opened(transport);
    expect(transport.send(new Uint8Array(10_000)).ok).toBe(true);
    await until(() => link.a.sent.length === 3);
    // Three 1001-byte chunks reach 3003 ≥ 3000: the rest waits, and the message is not acked yet.
    expect(link.a.bufferedAmount()).toBe(3003);
    expect(transport.bufferedAmount()).toBe(10_000);
    link.step();
    link.step(); // 1001 left: still above the threshold of 1000
    await nextTask();
    expect(link.a.sent.length).toBe(3);
    link.step(); // 0: bufferedLow
    expect(link.a.sent.length).toBe(6);
    while (link.a.sent.length < 10) link.step();
    expect(link.a.sent.map((c) => c[0])).toEqual([...new Array<number>(9).fill(CHUNK_HEADER.more), CHUNK_HEADER.final]);
    await until(() => transport.bufferedAmount() === 0);
  });

  it("delivers a 1 MiB message in 16 KiB chunks", async () => {
    const [a, b] = bridgedPair();
    await Promise.all([opened(a), opened(b)]);
    const big = new Uint8Array(1 << 20).map((_, i) => i * 13);
    const got = nextMessage(b);
    expect(a.send(big).ok).toBe(true);
    const message = await got;
    expect(message.length).toBe(big.length);
    expect(message.every((v, i) => v === big[i])).toBe(true);
  });

  it("stalls toward the node once stallInboundAfterBytes reached it: later messages are held back, the other way still flows", async () => {
    const link = new FakeLink(65_536);
    const a = nodeOn(link.a).transport;
    let stalls = 0;
    const b = nodeOn(link.b, { stallInboundAfterBytes: 250, onStall: () => (stalls += 1) }).transport;
    await Promise.all([opened(a), opened(b)]);
    const received: number[] = [];
    b.onMessage((m) => received.push(m[0]!));
    for (let i = 1; i <= 3; i++) expect(a.send(new Uint8Array(100).fill(i)).ok).toBe(true);
    await until(() => received.length === 3); // 0, 100 and 200 bytes before: each below 250, delivered
    expect(a.send(new Uint8Array(100).fill(4)).ok).toBe(true);
    await until(() => stalls === 1);
    expect(a.send(new Uint8Array(100).fill(5)).ok).toBe(true);
    const back = nextMessage(a);
    expect(b.send(new Uint8Array([9])).ok).toBe(true);
    expect([...(await back)]).toEqual([9]);
    await until(() => a.bufferedAmount() === 0);
    for (let i = 0; i < 50; i++) await nextTask();
    expect(received).toEqual([1, 2, 3]);
    expect(stalls).toBe(1);
    expect(b.state).toBe("open");
  });

  it("on the node's close: flushes the queue, sends the in-band close, then closes the channel", async () => {
    const link = new FakeLink(1000, true);
    const { transport } = nodeOn(link.a, { chunkBytes: 1001, highWaterBytes: 3000 });
    await opened(transport);
    transport.send(new Uint8Array(5000));
    transport.close("test_done");
    // Deliver whatever is on the link until the channel has closed (the port's close may arrive late).
    await until(() => {
      while (link.step());
      return link.a.closed;
    });
    expect(link.a.sent.map((c) => c[0])).toEqual([0, 0, 0, 0, 1, CHUNK_HEADER.close]);
    expect(link.a.sent[5]).toEqual(closeChunk("test_done"));
    expect(link.a.closed).toBe(true);
  });

  it("tells the node `closed_by_peer` on an in-band close from the far side", async () => {
    const [a, b] = bridgedPair();
    await Promise.all([opened(a), opened(b)]);
    const closed = closedWith(b);
    a.close("done_here");
    expect(await closed).toBe(CLOSE_REASONS.peer);
  });

  it("tells the node `link_lost` when the channel closes without an in-band close", async () => {
    const link = new FakeLink(1000);
    const a = nodeOn(link.a).transport;
    const b = nodeOn(link.b).transport;
    await Promise.all([opened(a), opened(b)]);
    const closedA = closedWith(a);
    const closedB = closedWith(b);
    link.cut();
    expect(await closedA).toBe(CLOSE_REASONS.lost);
    expect(await closedB).toBe(CLOSE_REASONS.lost);
  });

  const hostile: readonly [string, Uint8Array][] = [
    ["a chunk with an unknown header", Uint8Array.of(0x7f, 1, 2)],
    ["an empty chunk", new Uint8Array(0)],
    ["a close with a bad reason", Uint8Array.of(CHUNK_HEADER.close, 0x41)],
  ];
  for (const [what, chunk] of hostile) {
    it(`closes the link with link_protocol_error on ${what} from the far side`, async () => {
      const link = new FakeLink(1000);
      const a = nodeOn(link.a).transport;
      const b = nodeOn(link.b).transport;
      await Promise.all([opened(a), opened(b)]);
      const closedA = closedWith(a);
      const closedB = closedWith(b);
      // Raw, past the bridge: what a hostile far side can put on the channel.
      link.a.send(chunk);
      expect(await closedB).toBe(LINK_PROTOCOL_ERROR);
      await until(() => link.b.closed);
      // The hostile side sees its channel close with no in-band close.
      expect(await closedA).toBe(CLOSE_REASONS.lost);
    });
  }

  it("refuses an oversize message from the far side without buffering it (link_protocol_error)", async () => {
    const link = new FakeLink(1 << 20);
    const a = nodeOn(link.a, { maxMessageBytes: 100_000 }).transport;
    const b = nodeOn(link.b, { maxMessageBytes: 1000 }).transport;
    await Promise.all([opened(a), opened(b)]);
    const closedB = closedWith(b);
    const got: Uint8Array[] = [];
    b.onMessage((m) => got.push(m));
    a.send(new Uint8Array(1001));
    expect(await closedB).toBe(LINK_PROTOCOL_ERROR);
    expect(got).toEqual([]);
  });

  it("on the page's close: the node hears the reason, the far side an in-band close after what was queued", async () => {
    const link = new FakeLink(1000);
    const a = nodeOn(link.a);
    const b = nodeOn(link.b).transport;
    await Promise.all([opened(a.transport), opened(b)]);
    const got: number[] = [];
    b.onMessage((m) => got.push(m.length));
    const closedA = closedWith(a.transport);
    const closedB = closedWith(b);
    a.transport.send(new Uint8Array(3));
    await until(() => link.a.sent.length === 1);
    a.bridge.close("user_left");
    a.bridge.close("again");
    expect(await closedA).toBe("user_left");
    expect(await closedB).toBe(CLOSE_REASONS.peer);
    expect(got).toEqual([3]);
    expect(link.a.sent[1]).toEqual(closeChunk("user_left"));
  });

  const malformed: readonly [string, unknown][] = [
    ["an unknown tag", { t: "open" }],
    ["a send without an ArrayBuffer", { t: "send", data: [1, 2] }],
    ["a send over the message limit", { t: "send", data: new ArrayBuffer(2_000_000) }],
    ["a close with a bad reason", { t: "close", reason: "Bye" }],
    ["null", null],
  ];
  for (const [what, message] of malformed) {
    it(`answers ${what} from the node with closed port_protocol_error and drops the channel`, async () => {
      const link = new FakeLink(1000);
      const { port1, port2 } = channel();
      bridgeChannelToPort(link.a, port2);
      const heard: PortHostMessage[] = [];
      port1.addEventListener("message", (event: MessageEvent<PortHostMessage>) => heard.push(event.data));
      port1.start();
      port1.postMessage(message);
      await until(() => heard.length === 2);
      expect(heard).toEqual([{ t: "open" }, { t: "closed", reason: "port_protocol_error" }]);
      await until(() => link.a.closed);
    });
  }
});
