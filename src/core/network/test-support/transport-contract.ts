// The one suite every Transport adapter passes (STYLE principle 4): the loopback now, the WebRTC
// transport later. Event-driven only: it awaits what the transport reports, never a timer.
import { describe, expect, it } from "vitest";
import { bytesEqual } from "../../shared/bytes.ts";
import type { Transport } from "../transport/index.ts";

export type TransportPair = readonly [Transport, Transport];

/** Collects a transport's messages; `until(n)` resolves once n have arrived. */
function inbox(transport: Transport) {
  const messages: Uint8Array[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const stop = transport.onMessage((message) => {
    messages.push(message);
    for (const w of [...waiters]) {
      if (messages.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  return {
    messages,
    stop,
    until(count: number): Promise<void> {
      if (messages.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

function once<T extends unknown[]>(subscribe: (listener: (...args: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const stop = subscribe((...args) => {
      stop();
      resolve(args);
    });
  });
}

async function opened(transport: Transport): Promise<void> {
  if (transport.state === "connecting") await once((l: () => void) => transport.onOpen(l));
  expect(transport.state).toBe("open");
}

/** Deterministic bytes: message `i` of `size` bytes. */
function pattern(i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) out[k] = (i * 31 + k * 7) & 0xff;
  return out;
}

/** Sends everything, waiting for onDrain whenever the buffer refuses (the caller's side of backpressure). */
async function sendAll(transport: Transport, messages: readonly Uint8Array[]): Promise<void> {
  for (const message of messages) {
    for (;;) {
      const sent = transport.send(message);
      if (sent.ok) break;
      expect(sent.error).toMatchObject({ code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "buffer_full" } });
      await once((l: () => void) => transport.onDrain(l));
    }
  }
}

export function runTransportContract(name: string, makePair: () => Promise<TransportPair> | TransportPair): void {
  async function pair(): Promise<TransportPair> {
    const [a, b] = await makePair();
    await Promise.all([opened(a), opened(b)]);
    return [a, b];
  }

  describe(`transport contract: ${name}`, () => {
    it("opens two ends with distinct local handles and sane limits", async () => {
      const [a, b] = await pair();
      expect(typeof a.id).toBe("string");
      expect(a.id).not.toBe(b.id);
      for (const t of [a, b]) {
        expect(t.limits.maxMessageBytes).toBeLessThanOrEqual(t.limits.maxBufferedBytes);
        expect(t.limits.lowWaterMark).toBeLessThan(t.limits.maxBufferedBytes);
        expect(t.bufferedAmount()).toBe(0);
      }
    });

    it("delivers messages intact and in order on a fault-free link", async () => {
      const [a, b] = await pair();
      const got = inbox(b);
      const sent = Array.from({ length: 200 }, (_, i) => pattern(i, (i * 37) % 1500));
      await sendAll(a, sent);
      await got.until(sent.length);
      expect(got.messages).toEqual(sent);
    });

    it("carries both directions at once", async () => {
      const [a, b] = await pair();
      const atA = inbox(a);
      const atB = inbox(b);
      const toB = Array.from({ length: 50 }, (_, i) => pattern(i, 64));
      const toA = Array.from({ length: 50 }, (_, i) => pattern(i + 1000, 32));
      await Promise.all([sendAll(a, toB), sendAll(b, toA)]);
      await Promise.all([atA.until(50), atB.until(50)]);
      expect(atB.messages).toEqual(toB);
      expect(atA.messages).toEqual(toA);
    });

    it("delivers zero-length messages", async () => {
      const [a, b] = await pair();
      const got = inbox(b);
      expect(a.send(new Uint8Array(0)).ok).toBe(true);
      expect(a.send(Uint8Array.of(7)).ok).toBe(true);
      expect(a.send(new Uint8Array(0)).ok).toBe(true);
      await got.until(3);
      expect(got.messages.map((m) => m.length)).toEqual([0, 1, 0]);
    });

    it("delivers a message of exactly the size limit intact and refuses one byte more (ERR_RESOURCE_RATE_LIMIT)", async () => {
      const [a, b] = await pair();
      const got = inbox(b);
      const limit = a.limits.maxMessageBytes;
      const over = a.send(new Uint8Array(limit + 1));
      expect(over).toMatchObject({ ok: false, error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "message_too_large", limit } } });
      expect(a.bufferedAmount()).toBe(0);
      const big = pattern(3, limit);
      expect(a.send(big).ok).toBe(true);
      await got.until(1);
      expect(got.messages).toHaveLength(1);
      expect(got.messages[0]!.length).toBe(limit);
      // bytesEqual: a deep toEqual over a megabyte takes seconds.
      expect(bytesEqual(got.messages[0]!, big)).toBe(true);
    });

    it("sends a copy: changing the buffer after send changes nothing that arrives", async () => {
      const [a, b] = await pair();
      const got = inbox(b);
      const buffer = Uint8Array.of(1, 2, 3);
      a.send(buffer);
      buffer.fill(9);
      await got.until(1);
      expect(got.messages[0]).toEqual(Uint8Array.of(1, 2, 3));
    });

    it("delivers a flood of 10,000 small messages complete and in order", async () => {
      const [a, b] = await pair();
      const got = inbox(b);
      const sent = Array.from({ length: 10_000 }, (_, i) => Uint8Array.of(i >> 8, i & 0xff));
      await sendAll(a, sent);
      await got.until(sent.length);
      expect(got.messages.length).toBe(sent.length);
      const wrong = got.messages.findIndex((m, i) => m[0] !== i >> 8 || m[1] !== (i & 0xff));
      expect(wrong).toBe(-1);
    });

    it("applies backpressure: the buffer grows while nothing is delivered, send refuses past the limit, onDrain follows delivery", async () => {
      const [a, b] = await pair();
      const got = inbox(b);
      const { maxBufferedBytes, lowWaterMark, maxMessageBytes } = a.limits;
      // Small enough that the buffer is above the low-water mark when it refuses.
      const chunk = Math.max(1, Math.min(maxMessageBytes, Math.floor((maxBufferedBytes - lowWaterMark) / 2)));
      const drained = once((l: () => void) => a.onDrain(l));
      // One synchronous burst: no transport can deliver before this task yields.
      let accepted = 0;
      let refusal: unknown;
      for (let i = 0; i <= Math.ceil(maxBufferedBytes / chunk) + 1; i++) {
        const before = a.bufferedAmount();
        const sent = a.send(pattern(i, chunk));
        if (!sent.ok) {
          refusal = sent.error;
          expect(before + chunk).toBeGreaterThan(maxBufferedBytes);
          expect(a.bufferedAmount()).toBe(before);
          break;
        }
        accepted++;
        expect(a.bufferedAmount()).toBeGreaterThan(before);
        expect(a.bufferedAmount()).toBeLessThanOrEqual(maxBufferedBytes);
      }
      expect(refusal).toMatchObject({ code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "buffer_full", limit: maxBufferedBytes } });
      expect(a.bufferedAmount()).toBeGreaterThan(lowWaterMark);
      await drained;
      expect(a.bufferedAmount()).toBeLessThanOrEqual(lowWaterMark);
      await got.until(accepted);
      expect(got.messages).toHaveLength(accepted);
      expect(a.send(pattern(0, chunk)).ok).toBe(true);
    });

    it("close propagates: onClose fires once on each side with a reason, and close is idempotent", async () => {
      const [a, b] = await pair();
      const reasonsA: string[] = [];
      const reasonsB: string[] = [];
      a.onClose((r) => reasonsA.push(r));
      const closedB = once((l: (r: string) => void) => b.onClose(l));
      b.onClose((r) => reasonsB.push(r));
      a.close("test_done");
      a.close("again");
      expect(a.state).toBe("closed");
      const [reason] = await closedB;
      expect(b.state).toBe("closed");
      b.close();
      expect(reasonsA).toEqual(["test_done"]);
      expect(reasonsB).toHaveLength(1);
      expect(reason).toMatch(/^[a-z_]+$/);
    });

    it("refuses send on a closed transport with a code and delivers nothing (ERR_MNG_NETWORK_PEER_UNREACHABLE)", async () => {
      const [a, b] = await pair();
      const atB = inbox(b);
      const atA = inbox(a);
      const closedB = once((l: (r: string) => void) => b.onClose(l));
      a.close();
      expect(a.send(Uint8Array.of(1))).toMatchObject({
        ok: false,
        error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "transport_closed" } },
      });
      await closedB;
      expect(b.send(Uint8Array.of(2))).toMatchObject({
        ok: false,
        error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "transport_closed" } },
      });
      expect(atB.messages).toEqual([]);
      expect(atA.messages).toEqual([]);
    });

    it("delivers what was sent before a graceful close before the peer sees the close", async () => {
      const [a, b] = await pair();
      const got = inbox(b);
      const countAtClose = once((l: (r: string) => void) => b.onClose(l)).then(() => got.messages.length);
      for (let i = 0; i < 20; i++) a.send(pattern(i, 100));
      a.close();
      expect(await countAtClose).toBe(20);
    });

    it("lets listeners unsubscribe", async () => {
      const [a, b] = await pair();
      const kept = inbox(b);
      const dropped: Uint8Array[] = [];
      const stop = b.onMessage((m) => dropped.push(m));
      stop();
      stop();
      let closes = 0;
      b.onClose(() => closes++)();
      a.send(Uint8Array.of(1));
      await kept.until(1);
      expect(dropped).toEqual([]);
      const closed = once((l: (r: string) => void) => b.onClose(l));
      a.close();
      await closed;
      expect(closes).toBe(0);
    });

    it("lets a listener answer from inside onMessage (ping-pong)", async () => {
      const [a, b] = await pair();
      b.onMessage((m) => void b.send(m));
      const got = inbox(a);
      const rounds = 100;
      a.onMessage((m) => {
        if (m[0]! < rounds - 1) a.send(Uint8Array.of(m[0]! + 1));
      });
      a.send(Uint8Array.of(0));
      await got.until(rounds);
      expect(got.messages.map((m) => m[0])).toEqual(Array.from({ length: rounds }, (_, i) => i));
    });
  });
}
