// Chunk framing: split→reassemble is the identity (seeded property test), and every malformed or
// oversize chunk stream from a hostile far side gets a coded error before it costs memory.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesEqual } from "../core/shared/bytes.ts";
import { fuzzConfig } from "../core/shared/test-support/fuzz-config.ts";
import { CHUNK_HEADER, closeChunk, createReassembler, DEFAULT_CHUNK_BYTES, splitMessage, type Reassembled } from "./chunking.ts";
import type { Result } from "../core/shared/result.ts";

function pattern(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected ${result.error.code} ${JSON.stringify(result.error.data)}`);
  return result.value;
}

/** Pushes every chunk; all but the last must be partial. */
function reassemble(chunks: readonly Uint8Array[], maxMessageBytes = 1 << 20): Reassembled {
  const reassembler = createReassembler({ maxMessageBytes });
  chunks.slice(0, -1).forEach((chunk) => expect(value(reassembler.push(chunk))).toEqual({ kind: "partial" }));
  return value(reassembler.push(chunks[chunks.length - 1]!));
}

describe("splitMessage", () => {
  it("makes 16 KiB chunks by default: 1023 payload bytes short of a KiB boundary each", () => {
    const chunks = splitMessage(pattern(DEFAULT_CHUNK_BYTES * 2));
    expect(chunks.map((c) => c.length)).toEqual([DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, 3]);
    expect(chunks.map((c) => c[0])).toEqual([CHUNK_HEADER.more, CHUNK_HEADER.more, CHUNK_HEADER.final]);
  });

  it("sends an empty message as one header-only final chunk", () => {
    expect(splitMessage(new Uint8Array(0), 4)).toEqual([Uint8Array.of(CHUNK_HEADER.final)]);
  });

  it("fills the last chunk exactly when the size is a multiple of the payload", () => {
    const chunks = splitMessage(pattern(9), 4);
    expect(chunks.map((c) => c.length)).toEqual([4, 4, 4]);
    expect(chunks[2]![0]).toBe(CHUNK_HEADER.final);
  });

  it("copies: changing the message after splitting changes no chunk", () => {
    const message = Uint8Array.of(1, 2, 3);
    const [chunk] = splitMessage(message, 8);
    message.fill(0);
    expect(chunk).toEqual(Uint8Array.of(CHUNK_HEADER.final, 1, 2, 3));
  });

  it("refuses a chunk size with no room for payload", () => {
    expect(() => splitMessage(pattern(3), 1)).toThrow(RangeError);
    expect(() => splitMessage(pattern(3), 2.5)).toThrow(RangeError);
  });
});

describe("createReassembler", () => {
  it("split then reassemble is the identity for any size and chunk size, 0 and exact multiples included", () => {
    const { seed, numRuns } = fuzzConfig(300);
    const sizeAndChunk = fc.integer({ min: 2, max: 600 }).chain((chunkBytes) =>
      fc.tuple(
        fc.oneof(
          fc.integer({ min: 0, max: 4000 }),
          // Exact multiples of the payload, and one either side of them.
          fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: -1, max: 1 })).map(([k, d]) => Math.max(0, k * (chunkBytes - 1) + d)),
        ),
        fc.constant(chunkBytes),
        fc.integer({ min: 0, max: 255 }),
      ),
    );
    fc.assert(
      fc.property(sizeAndChunk, ([size, chunkBytes, fill]) => {
        const message = pattern(size, fill);
        const chunks = splitMessage(message, chunkBytes);
        expect(chunks).toHaveLength(Math.max(1, Math.ceil(size / (chunkBytes - 1))));
        expect(chunks.every((c) => c.length <= chunkBytes)).toBe(true);
        const got = reassemble(chunks);
        // bytesEqual: a deep toEqual over kilobytes, hundreds of times, takes seconds.
        expect(got.kind === "message" && bytesEqual(got.bytes, message)).toBe(true);
      }),
      { seed, numRuns },
    );
  });

  it("reassembles a stream of messages back to back and a 1 MiB frame in 16 KiB chunks", () => {
    const reassembler = createReassembler({ maxMessageBytes: 1 << 20 });
    const messages = [pattern(0), pattern(1 << 20, 3), pattern(5), pattern(16_383)];
    const got: Uint8Array[] = [];
    for (const message of messages)
      for (const chunk of splitMessage(message)) {
        const step = value(reassembler.push(chunk));
        if (step.kind === "message") got.push(step.bytes);
      }
    expect(got.length).toBe(messages.length);
    got.forEach((bytes, i) => expect(bytesEqual(bytes, messages[i]!)).toBe(true));
    expect(reassembler.pendingBytes()).toBe(0);
  });

  it("delivers a message of exactly the limit and refuses one byte more before buffering it (ERR_RESOURCE_RATE_LIMIT)", () => {
    expect(reassemble(splitMessage(pattern(100), 16), 100)).toMatchObject({ kind: "message" });
    const reassembler = createReassembler({ maxMessageBytes: 100 });
    const chunks = splitMessage(pattern(101), 16);
    const results = chunks.map((c) => reassembler.push(c));
    const refused = results.findIndex((r) => !r.ok);
    // 6 chunks of 15 bytes hold 90; the 7th (11 bytes) would make 101 > 100 and is refused whole.
    expect(refused).toBe(6);
    expect(results[refused]).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "message_too_large", size: 101, limit: 100 } },
    });
    expect(reassembler.pendingBytes()).toBe(0);
  });

  it("refuses an endless stream of `more` chunks once it passes the limit", () => {
    const reassembler = createReassembler({ maxMessageBytes: 1000 });
    const chunk = new Uint8Array(101);
    let pushed = 0;
    for (; pushed < 100; pushed++) if (!reassembler.push(chunk).ok) break;
    // Ten chunks of 100 payload bytes reach the limit exactly; the eleventh is refused.
    expect(pushed).toBe(10);
    expect(reassembler.pendingBytes()).toBe(0);
  });

  it("reports an in-band close with its reason", () => {
    const reassembler = createReassembler({ maxMessageBytes: 10 });
    expect(value(reassembler.push(splitMessage(pattern(3), 4)[0]!))).toEqual({ kind: "message", bytes: pattern(3) });
    expect(value(reassembler.push(closeChunk("closed_by_peer")))).toEqual({ kind: "close", reason: "closed_by_peer" });
  });

  const broken: readonly [string, string, Uint8Array[]][] = [
    ["an empty chunk", "empty_chunk", [new Uint8Array(0)]],
    ["an unknown header", "unknown_chunk_header", [Uint8Array.of(0x03, 1)]],
    ["a header with high bits", "unknown_chunk_header", [Uint8Array.of(0x81)]],
    ["a close without a reason", "bad_close_reason", [Uint8Array.of(CHUNK_HEADER.close)]],
    ["a close whose reason is not snake_case", "bad_close_reason", [Uint8Array.of(CHUNK_HEADER.close, 0x41)]],
    ["a close whose reason is not utf8", "bad_close_reason", [Uint8Array.of(CHUNK_HEADER.close, 0xff, 0xfe)]],
    ["a close with a 65-byte reason", "bad_close_reason", [Uint8Array.of(CHUNK_HEADER.close, ...new Array<number>(65).fill(0x61))]],
    ["a close inside a message", "close_inside_message", [Uint8Array.of(CHUNK_HEADER.more, 1), closeChunk("done")]],
  ];

  for (const [what, reason, chunks] of broken) {
    it(`refuses ${what} (ERR_STRUCT_INVALID_ENCODING ${reason}) and everything after it`, () => {
      const reassembler = createReassembler({ maxMessageBytes: 1000 });
      const results = chunks.map((c) => reassembler.push(c));
      expect(results[results.length - 1]).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason } } });
      expect(reassembler.push(Uint8Array.of(CHUNK_HEADER.final, 1))).toMatchObject({
        ok: false,
        error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "reassembler_closed" } },
      });
    });
  }

  it("accepts a 64-byte close reason, and refuses pushes after a close", () => {
    const reassembler = createReassembler({ maxMessageBytes: 10 });
    expect(value(reassembler.push(closeChunk("a".repeat(64))))).toEqual({ kind: "close", reason: "a".repeat(64) });
    expect(reassembler.push(Uint8Array.of(CHUNK_HEADER.final))).toMatchObject({
      ok: false,
      error: { data: { reason: "reassembler_closed" } },
    });
  });

  it("closeChunk refuses a reason it could not send", () => {
    expect(() => closeChunk("Not Snake")).toThrow(RangeError);
    expect(() => closeChunk("a".repeat(65))).toThrow(RangeError);
    expect(() => closeChunk("")).toThrow(RangeError);
  });
});
