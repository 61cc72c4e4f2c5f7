// The loopback transport: the shared transport contract, its delivery modes, and every fault,
// seeded so the same seed replays the same trace (STYLE: sync tests over a faulty loopback).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../shared/bytes.ts";
import { manualClock, seededRandom } from "../../shared/clock.ts";
import { fuzzConfig } from "../../shared/test-support/fuzz-config.ts";
import { formatFrameTrace, runTransportContract } from "../test-support/index.ts";
import { createLoopbackTransportPair, encodeFrame, type Faults, type LoopbackOptions, type TraceEntry } from "./index.ts";

runTransportContract("loopback, microtask delivery", () => createLoopbackTransportPair());
runTransportContract("loopback, small limits", () =>
  createLoopbackTransportPair({ limits: { maxMessageBytes: 16_384, maxBufferedBytes: 65_536, lowWaterMark: 8_192 } }),
);

/** Message i: its index in two bytes, then `size - 2` pattern bytes. */
function message(i: number, size = 12): Uint8Array {
  const out = new Uint8Array(size);
  out[0] = i >> 8;
  out[1] = i & 0xff;
  for (let k = 2; k < size; k++) out[k] = (i + k) & 0xff;
  return out;
}

const indexOf = (m: Uint8Array) => (m[0]! << 8) | m[1]!;

/** Sends `count` messages a→b on a manual pair, delivers everything due (after `advanceMs`), and returns what b got. */
function run(options: LoopbackOptions, count = 200, advanceMs = 0) {
  const pair = createLoopbackTransportPair({ delivery: "manual", ...options });
  const [a, b] = pair;
  const received: Uint8Array[] = [];
  b.onMessage((m) => received.push(m));
  const sent = Array.from({ length: count }, (_, i) => message(i));
  for (const m of sent) expect(a.send(m).ok).toBe(true);
  pair.flush();
  if (advanceMs > 0) pair.advance(advanceMs);
  return { pair, sent, received, trace: pair.trace(), fates: countFates(pair.trace()) };
}

function countFates(trace: readonly TraceEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of trace) counts[e.fate] = (counts[e.fate] ?? 0) + 1;
  return counts;
}

const seeded = (seed: number, faults: Faults): LoopbackOptions => ({ faults, random: seededRandom(seed) });

describe("loopback delivery", () => {
  it("in manual mode delivers nothing until step or flush, and bufferedAmount counts what is undelivered", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const [a, b] = pair;
    const got: number[] = [];
    b.onMessage((m) => got.push(indexOf(m)));
    for (let i = 0; i < 3; i++) a.send(message(i, 10));
    expect(a.bufferedAmount()).toBe(30);
    expect(pair.pending()).toBe(3);
    expect(got).toEqual([]);
    expect(pair.step()).toBe(true);
    expect(got).toEqual([0]);
    expect(a.bufferedAmount()).toBe(20);
    expect(pair.flush()).toBe(2);
    expect(got).toEqual([0, 1, 2]);
    expect(a.bufferedAmount()).toBe(0);
    expect(pair.step()).toBe(false);
  });

  it("fires onDrain once, when the buffered amount falls to the low-water mark", () => {
    const pair = createLoopbackTransportPair({
      delivery: "manual",
      limits: { maxMessageBytes: 10, maxBufferedBytes: 50, lowWaterMark: 20 },
    });
    const [a] = pair;
    const drains: number[] = [];
    a.onDrain(() => drains.push(a.bufferedAmount()));
    a.onDrain(() => drains.push(-1))();
    for (let i = 0; i < 5; i++) expect(a.send(message(i, 10)).ok).toBe(true);
    expect(a.send(message(5, 1))).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "buffer_full", buffered: 50 } },
    });
    pair.step();
    pair.step();
    expect(drains).toEqual([]);
    pair.step();
    expect(drains).toEqual([20]);
    pair.flush();
    expect(drains).toEqual([20]);
  });

  it("keeps a connecting pair closed to sends (ERR_MNG_NETWORK_PEER_UNREACHABLE) until open() fires onOpen", async () => {
    const pair = createLoopbackTransportPair({ open: false });
    const [a, b] = pair;
    expect(a.state).toBe("connecting");
    expect(a.send(message(0))).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "transport_not_open" } },
    });
    const opens: string[] = [];
    a.onOpen(() => opens.push("a"));
    b.onOpen(() => opens.push("b"));
    pair.open();
    pair.open();
    expect(opens).toEqual(["a", "b"]);
    const got = new Promise<Uint8Array>((resolve) => b.onMessage(resolve));
    expect(a.send(message(1)).ok).toBe(true);
    expect(indexOf(await got)).toBe(1);
  });

  it("holds messages for the latency until the pair's clock advances", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual", latency: 10 });
    const [a, b] = pair;
    const got: number[] = [];
    b.onMessage((m) => got.push(indexOf(m)));
    a.send(message(0));
    pair.advance(9);
    expect(got).toEqual([]);
    pair.advance(1);
    expect(got).toEqual([0]);
    expect(pair.trace()[0]).toMatchObject({ fate: "delivered", at: 10 });
  });

  it("follows an injected clock: due messages arrive when the test moves it and flushes", () => {
    const clock = manualClock(1_000);
    const pair = createLoopbackTransportPair({ delivery: "manual", latency: 5, clock });
    const [a, b] = pair;
    const got: number[] = [];
    b.onMessage((m) => got.push(indexOf(m)));
    a.send(message(0));
    expect(pair.flush()).toBe(0);
    clock.advance(5);
    expect(pair.flush()).toBe(1);
    expect(got).toEqual([0]);
  });

  it("closes the local end at once and the remote end behind what was already sent", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const [a, b] = pair;
    const events: string[] = [];
    a.onClose((r) => events.push(`a:${r}`));
    b.onClose((r) => events.push(`b:${r}`));
    b.onMessage(() => events.push("b:message"));
    a.send(message(0));
    b.send(message(1));
    a.close();
    expect(events).toEqual(["a:closed_locally"]);
    expect(b.state).toBe("open");
    pair.flush();
    expect(events).toEqual(["a:closed_locally", "b:message", "b:closed_by_peer"]);
    expect(pair.trace().map((e) => [e.from, e.fate, e.detail])).toEqual([
      ["a", "delivered", ""],
      ["b", "dropped", "receiver closed"],
      ["a", "closed", ""],
    ]);
    expect(b.bufferedAmount()).toBe(0);
  });

  it("fires onClose once per side when both sides close at once, or the link dies after a close", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const [a, b] = pair;
    const reasons: string[] = [];
    a.onClose((r) => reasons.push(`a:${r}`));
    b.onClose((r) => reasons.push(`b:${r}`));
    a.close("a_done");
    b.close("b_done");
    pair.flush();
    pair.cut();
    expect(reasons).toEqual(["a:a_done", "b:b_done"]);
    expect(pair.trace().map((e) => [e.from, e.fate, e.detail])).toEqual([
      ["a", "closed", "peer already closed"],
      ["b", "closed", "peer already closed"],
      ["a", "cut", "link lost"],
      ["b", "cut", "link lost"],
    ]);
  });

  it("refuses nonsense options (bugs throw)", () => {
    expect(() => createLoopbackTransportPair({ faults: { drop: 2 } })).toThrow(/probabilities/);
    expect(() => createLoopbackTransportPair({ faults: { reorder: { probability: 0.5, window: 0 } } })).toThrow(/window/);
    expect(() => createLoopbackTransportPair({ limits: { lowWaterMark: 10, maxBufferedBytes: 10, maxMessageBytes: 5 } })).toThrow(
      RangeError,
    );
    expect(() => createLoopbackTransportPair({ limits: { maxMessageBytes: 11, maxBufferedBytes: 10, lowWaterMark: 0 } })).toThrow(
      RangeError,
    );
    expect(() => createLoopbackTransportPair({ clock: { now: () => 0 } }).advance(1)).toThrow(/advance/);
  });
});

describe("loopback faults (seeded)", () => {
  it("drop: loses some messages and delivers the rest intact", () => {
    const { sent, received, fates } = run(seeded(1, { drop: 0.3 }));
    expect(fates["dropped"]).toBeGreaterThan(20);
    expect(fates["dropped"]! + fates["delivered"]!).toBe(200);
    expect(received).toHaveLength(fates["delivered"]!);
    for (const m of received) expect(m).toEqual(sent[indexOf(m)]);
    expect(received.map(indexOf)).toEqual([...received.map(indexOf)].sort((x, y) => x - y));
  });

  it("duplicate: delivers every message, some twice, copies equal to the original", () => {
    const { sent, received, fates, trace } = run(seeded(2, { duplicate: 0.3 }));
    expect(fates["duplicated"]).toBeGreaterThan(20);
    expect(received).toHaveLength(200 + fates["duplicated"]!);
    expect(new Set(received.map(indexOf)).size).toBe(200);
    for (const e of trace.filter((t) => t.fate === "duplicated")) expect(e.bytes).toEqual(sent[e.seq - 1]);
  });

  it("reorder: delivers a permutation of what was sent, not in send order", () => {
    const { received, fates } = run(seeded(3, { reorder: { probability: 0.3, window: 3 } }));
    expect(fates["reordered"]).toBeGreaterThan(10);
    const order = received.map(indexOf);
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it("delay: holds some messages until time moves, and later ones overtake them", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual", ...seeded(4, { delay: { probability: 0.5, maxMs: 50 } }) });
    const [a, b] = pair;
    const got: number[] = [];
    b.onMessage((m) => got.push(indexOf(m)));
    for (let i = 0; i < 100; i++) a.send(message(i));
    pair.flush();
    const early = got.length;
    expect(early).toBeGreaterThan(20);
    expect(early).toBeLessThan(80);
    pair.advance(50);
    expect(got).toHaveLength(100);
    expect(got).not.toEqual([...got].sort((x, y) => x - y));
    expect(countFates(pair.trace())["delayed"]).toBe(100 - early);
  });

  it("corrupt: flips exactly one bit of every non-empty message and leaves empty ones alone", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual", ...seeded(5, { corrupt: 1 }) });
    const [a, b] = pair;
    const got: Uint8Array[] = [];
    b.onMessage((m) => got.push(m));
    const sent = [...Array.from({ length: 50 }, (_, i) => message(i, 1 + (i % 40))), new Uint8Array(0)];
    for (const m of sent) a.send(m);
    pair.flush();
    expect(got).toHaveLength(sent.length);
    got.forEach((m, i) => {
      const original = sent[i]!;
      let flipped = 0;
      for (let k = 0; k < m.length; k++) for (let x = m[k]! ^ original[k]!; x !== 0; x &= x - 1) flipped++;
      expect(flipped).toBe(original.length === 0 ? 0 : 1);
    });
    expect(pair.trace().map((e) => e.fate)).toEqual([...Array<string>(50).fill("corrupted"), "delivered"]);
  });

  it("truncate: delivers a strict prefix of every non-empty message", () => {
    const { sent, received, fates } = run(seeded(6, { truncate: 1 }), 50);
    expect(fates["truncated"]).toBe(50);
    received.forEach((m, i) => {
      expect(m.length).toBeLessThan(sent[i]!.length);
      expect(m).toEqual(sent[i]!.subarray(0, m.length));
    });
  });

  it("dropNext: loses exactly the next n messages of one side", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const [a, b] = pair;
    const atA: number[] = [];
    const atB: number[] = [];
    a.onMessage((m) => atA.push(indexOf(m)));
    b.onMessage((m) => atB.push(indexOf(m)));
    pair.dropNext(3, "a");
    for (let i = 0; i < 5; i++) {
      a.send(message(i));
      b.send(message(i));
    }
    pair.flush();
    expect(atB).toEqual([3, 4]);
    expect(atA).toEqual([0, 1, 2, 3, 4]);
    expect(
      pair
        .trace()
        .filter((e) => e.fate === "dropped")
        .map((e) => e.detail),
    ).toEqual(["dropNext", "dropNext", "dropNext"]);
  });

  it("cut: kills the link mid-stream, loses what is in flight and closes both ends once with link_lost", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const [a, b] = pair;
    const got: number[] = [];
    const closes: string[] = [];
    b.onMessage((m) => got.push(indexOf(m)));
    a.onClose((r) => closes.push(`a:${r}`));
    b.onClose((r) => closes.push(`b:${r}`));
    for (let i = 0; i < 10; i++) a.send(message(i));
    for (let i = 0; i < 4; i++) pair.step();
    pair.cut();
    pair.cut();
    a.close();
    expect(got).toEqual([0, 1, 2, 3]);
    expect(closes).toEqual(["a:link_lost", "b:link_lost"]);
    expect(a.bufferedAmount()).toBe(0);
    expect(a.send(message(11))).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "transport_closed" } },
    });
    const trace = pair.trace();
    expect(trace.filter((e) => e.detail === "cut")).toHaveLength(6);
    expect(trace.filter((e) => e.fate === "cut").map((e) => `${e.from}→${e.to}`)).toEqual(["a→b", "b→a"]);
    expect(pair.flush()).toBe(0);
  });

  it("cutAfter: with microtask delivery, the link dies after n messages", async () => {
    const pair = createLoopbackTransportPair();
    const [a, b] = pair;
    const got: number[] = [];
    b.onMessage((m) => got.push(indexOf(m)));
    const closed = new Promise<string>((resolve) => b.onClose(resolve));
    pair.cutAfter(5);
    for (let i = 0; i < 10; i++) a.send(message(i));
    expect(await closed).toBe("link_lost");
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it("replays: the same seed gives the same trace, another seed another one", () => {
    const faults: Faults = {
      drop: 0.1,
      duplicate: 0.1,
      reorder: { probability: 0.2 },
      delay: { probability: 0.2, maxMs: 20 },
      corrupt: 0.05,
      truncate: 0.05,
    };
    const first = run(seeded(42, faults), 300, 20);
    const again = run(seeded(42, faults), 300, 20);
    const other = run(seeded(43, faults), 300, 20);
    expect(again.trace).toEqual(first.trace);
    expect(again.pair.formatTrace()).toBe(first.pair.formatTrace());
    expect(other.pair.formatTrace()).not.toBe(first.pair.formatTrace());
    for (const fate of ["dropped", "duplicated", "reordered", "delayed", "corrupted", "truncated"])
      expect(first.fates[fate]).toBeGreaterThan(0);
  });

  it("replays any seed exactly, and the buffer always empties (property)", () => {
    const { seed, numRuns } = fuzzConfig(25);
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 0.5, noNaN: true }), (s, p) => {
        const faults: Faults = {
          drop: p,
          duplicate: p,
          reorder: { probability: p, window: 3 },
          delay: { probability: p, maxMs: 10 },
          corrupt: p / 4,
          truncate: p / 4,
        };
        const first = run(seeded(s, faults), 60, 10);
        const again = run(seeded(s, faults), 60, 10);
        expect(again.trace).toEqual(first.trace);
        expect(first.pair[0].bufferedAmount()).toBe(0);
        expect(first.pair.pending()).toBe(0);
        expect(first.trace.filter((e) => e.fate !== "duplicated")).toHaveLength(60);
      }),
      { seed, numRuns },
    );
  });

  it("prints the trace one line per entry, frames by kind", () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const [a] = pair;
    const close = encodeFrame({ kind: "close", reason: "done" });
    if (!close.ok) throw new Error(close.error.message);
    a.send(close.value);
    pair.dropNext(1);
    a.send(utf8("not a frame"));
    a.send(Uint8Array.of(0, 1, 2));
    pair.flush();
    expect(pair.formatTrace().split("\n")).toEqual([
      `#1 a→b @0 ${close.value.length} B delivered "{\\"kind\\":\\"close\\",\\"reason\\":\\"done\\"}"`,
      `#2 a→b @0 11 B dropped (dropNext) "not a frame"`,
      "#3 a→b @0 3 B delivered 000102",
    ]);
    expect(formatFrameTrace(pair.trace()).split("\n")).toEqual([
      `#1 a→b @0 ${close.value.length} B delivered close done`,
      "#2 a→b @0 11 B dropped (dropNext) undecodable: ERR_STRUCT_INVALID_ENCODING syntax",
      "#3 a→b @0 3 B delivered undecodable: ERR_STRUCT_INVALID_ENCODING invalid_deflate", // 0x00 marks a deflated frame
    ]);
  });
});
