// The MessagePort transport against a fake host on a real MessageChannel: the port protocol alone,
// with no WebRTC, including the shared transport contract over an in-memory echoing host.
import { afterEach, describe, expect, it } from "vitest";
import { runTransportContract } from "../test-support/index.ts";
import { CLOSE_REASONS, type Transport, type TransportLimits } from "./transport.ts";
import { createPortTransport, PORT_PROTOCOL_ERROR, type PortHostMessage, type PortNodeMessage } from "./port-transport.ts";

const opened: MessagePort[] = [];

afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

function channel(): MessageChannel {
  const pair = new MessageChannel();
  opened.push(pair.port1, pair.port2);
  return pair;
}

/** The host end of one port: what the node posted, in order, and a way to wait for more. */
function fakeHost(port: MessagePort) {
  const received: PortNodeMessage[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  port.addEventListener("message", (event: MessageEvent<PortNodeMessage>) => {
    received.push(event.data);
    for (const w of [...waiters]) {
      if (received.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  port.start();
  return {
    received,
    /** Any value: tests post malformed messages on purpose. */
    post(message: unknown, transfer: Transferable[] = []): void {
      port.postMessage(message, transfer);
    },
    until(count: number): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

function closedWith(transport: Transport): Promise<string> {
  return new Promise((resolve) => transport.onClose(resolve));
}

function openedNow(transport: Transport): Promise<void> {
  return new Promise((resolve) => transport.onOpen(resolve));
}

async function openTransport(limits?: TransportLimits) {
  const { port1, port2 } = channel();
  const transport = createPortTransport(port1, limits === undefined ? { id: "t" } : { id: "t", limits });
  const host = fakeHost(port2);
  const open = openedNow(transport);
  host.post({ t: "open" });
  await open;
  return { transport, host };
}

/**
 * A tiny host that joins two node ports the way the page's channel bridge does: it hands each `send`
 * to the other side as a `message` and acks it at once; a `close` reaches the other side as `closed`.
 */
function echoingHost(left: MessagePort, right: MessagePort): void {
  const wire = (from: MessagePort, to: MessagePort) => {
    from.addEventListener("message", (event: MessageEvent<PortNodeMessage>) => {
      const message = event.data;
      if (message.t === "send") {
        const bytes = message.data.byteLength;
        to.postMessage({ t: "message", data: message.data } satisfies PortHostMessage, [message.data]);
        from.postMessage({ t: "ack", bytes } satisfies PortHostMessage);
      } else {
        to.postMessage({ t: "closed", reason: CLOSE_REASONS.peer } satisfies PortHostMessage);
      }
    });
    from.start();
    from.postMessage({ t: "open" } satisfies PortHostMessage);
  };
  wire(left, right);
  wire(right, left);
}

let pairs = 0;

runTransportContract("port transport over an in-memory host", () => {
  const a = channel();
  const b = channel();
  echoingHost(a.port2, b.port2);
  const n = ++pairs;
  return [createPortTransport(a.port1, { id: `port-${n}-a` }), createPortTransport(b.port1, { id: `port-${n}-b` })];
});

describe("port transport", () => {
  it("stays connecting until the host says open, and refuses send meanwhile (ERR_MNG_NETWORK_PEER_UNREACHABLE)", async () => {
    const { port1, port2 } = channel();
    const transport = createPortTransport(port1, { id: "t" });
    const host = fakeHost(port2);
    expect(transport.state).toBe("connecting");
    expect(transport.send(Uint8Array.of(1))).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "transport_not_open" } },
    });
    let opens = 0;
    transport.onOpen(() => opens++);
    const open = openedNow(transport);
    host.post({ t: "open" });
    await open;
    expect(transport.state).toBe("open");
    expect(opens).toBe(1);
    expect(host.received).toEqual([]);
  });

  it("posts a transferred copy of exactly the message, leaving the caller's buffer usable", async () => {
    const { transport, host } = await openTransport();
    const backing = Uint8Array.of(9, 1, 2, 3, 9);
    const message = backing.subarray(1, 4);
    expect(transport.send(message).ok).toBe(true);
    expect(transport.bufferedAmount()).toBe(3);
    backing.fill(0);
    expect(backing.buffer.byteLength).toBe(5);
    await host.until(1);
    const sent = host.received[0]!;
    expect(sent.t).toBe("send");
    expect(sent.t === "send" && new Uint8Array(sent.data)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("delivers host messages as bytes and releases the buffered amount on ack", async () => {
    const { transport, host } = await openTransport();
    const got: Uint8Array[] = [];
    transport.onMessage((m) => got.push(m));
    transport.send(new Uint8Array(10));
    transport.send(new Uint8Array(5));
    expect(transport.bufferedAmount()).toBe(15);
    host.post({ t: "ack", bytes: 10 });
    const data = Uint8Array.of(4, 5).buffer;
    host.post({ t: "message", data }, [data]);
    // Port order: the ack is in by the time the message arrives.
    await new Promise<void>((resolve) => transport.onMessage(() => resolve()));
    expect(got).toEqual([Uint8Array.of(4, 5)]);
    expect(transport.bufferedAmount()).toBe(5);
  });

  it("fires onDrain when an ack takes the buffered amount from above the low-water mark to at or below it", async () => {
    const limits = { maxMessageBytes: 100, maxBufferedBytes: 200, lowWaterMark: 50 };
    const { transport, host } = await openTransport(limits);
    for (let i = 0; i < 2; i++) expect(transport.send(new Uint8Array(100)).ok).toBe(true);
    expect(transport.send(new Uint8Array(1))).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "buffer_full" } },
    });
    let drains = 0;
    const drained = new Promise<void>((resolve) =>
      transport.onDrain(() => {
        drains++;
        resolve();
      }),
    );
    host.post({ t: "ack", bytes: 100 }); // 100 left: still above 50
    host.post({ t: "ack", bytes: 60 }); // 40: drains
    host.post({ t: "ack", bytes: 40 }); // 0: already below, no second drain
    const probe = new Promise<void>((resolve) => transport.onMessage(() => resolve()));
    host.post({ t: "message", data: new ArrayBuffer(0) });
    await drained;
    await probe;
    expect(drains).toBe(1);
    expect(transport.bufferedAmount()).toBe(0);
  });

  it("closes with the host's reason and refuses send afterwards", async () => {
    const { transport, host } = await openTransport();
    const closed = closedWith(transport);
    host.post({ t: "closed", reason: CLOSE_REASONS.lost });
    expect(await closed).toBe("link_lost");
    expect(transport.state).toBe("closed");
    expect(transport.send(Uint8Array.of(1))).toMatchObject({ ok: false, error: { data: { reason: "transport_closed" } } });
  });

  it("posts close after everything sent; the local reason stays local when it is not snake_case", async () => {
    const { transport, host } = await openTransport();
    const reasons: string[] = [];
    transport.onClose((r) => reasons.push(r));
    transport.send(Uint8Array.of(1));
    transport.send(Uint8Array.of(2));
    transport.close("Not A Reason");
    transport.close("again");
    await host.until(3);
    expect(host.received.map((m) => m.t)).toEqual(["send", "send", "close"]);
    expect(host.received[2]).toEqual({ t: "close", reason: "closed_locally" });
    expect(reasons).toEqual(["Not A Reason"]);
  });

  const malformed: readonly [string, (sent: number) => unknown, TransportLimits?][] = [
    ["a non-object", () => "open"],
    ["null", () => null],
    ["an unknown tag", () => ({ t: "hello" })],
    ["a message whose data is not an ArrayBuffer", () => ({ t: "message", data: [1, 2] })],
    ["a message whose data is a typed array", () => ({ t: "message", data: new Uint8Array(2) })],
    ["a negative ack", () => ({ t: "ack", bytes: -1 })],
    ["a fractional ack", () => ({ t: "ack", bytes: 0.5 })],
    ["an ack of more than was sent", (sent) => ({ t: "ack", bytes: sent + 1 })],
    ["a closed without a reason", () => ({ t: "closed" })],
    ["a closed with a reason that is not snake_case", () => ({ t: "closed", reason: "Link Lost" })],
    ["a closed with an overlong reason", () => ({ t: "closed", reason: "x".repeat(65) })],
    ["a second open", () => ({ t: "open" })],
    [
      "a message over the size limit",
      () => ({ t: "message", data: new ArrayBuffer(11) }),
      { maxMessageBytes: 10, maxBufferedBytes: 20, lowWaterMark: 5 },
    ],
  ];

  for (const [what, make, limits] of malformed) {
    it(`treats ${what} from the host as a broken link (port_protocol_error)`, async () => {
      const { transport, host } = await openTransport(limits);
      transport.send(Uint8Array.of(1, 2));
      const got: Uint8Array[] = [];
      transport.onMessage((m) => got.push(m));
      const closed = closedWith(transport);
      host.post(make(2));
      expect(await closed).toBe(PORT_PROTOCOL_ERROR);
      expect(transport.state).toBe("closed");
      await host.until(2);
      expect(host.received[1]).toEqual({ t: "close", reason: PORT_PROTOCOL_ERROR });
      expect(got).toEqual([]);
    });
  }

  it("treats a message before open as a broken link", async () => {
    const { port1, port2 } = channel();
    const transport = createPortTransport(port1, { id: "t" });
    const host = fakeHost(port2);
    const closed = closedWith(transport);
    host.post({ t: "message", data: new ArrayBuffer(1) });
    expect(await closed).toBe(PORT_PROTOCOL_ERROR);
    let opens = 0;
    transport.onOpen(() => opens++);
    host.post({ t: "open" });
    await host.until(1);
    expect(opens).toBe(0);
  });

  it("rejects nonsense limits as a configuration bug", () => {
    const { port1 } = channel();
    expect(() => createPortTransport(port1, { id: "t", limits: { maxMessageBytes: 10, maxBufferedBytes: 5, lowWaterMark: 1 } })).toThrow(
      RangeError,
    );
  });
});
