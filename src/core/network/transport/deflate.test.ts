// Deflated frames (ADR 0035): what goes deflated and what plain, and every way an untrusted deflated
// frame is refused — not negotiated, too large deflated or inflated (a bomb stops early), not valid
// DEFLATE, or valid DEFLATE of something that is not a frame — plus a seeded fuzz of damaged frames.
import { deflateSync } from "fflate";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBase64url, utf8 } from "../../shared/bytes.ts";
import type { EnvelopeId } from "../../shared/ids.ts";
import { seededRandom } from "../../shared/clock.ts";
import { fuzzConfig } from "../../shared/test-support/fuzz-config.ts";
import {
  decodeFrame,
  deflateFrame,
  DEFLATE_MIN_BYTES,
  DEFLATED_MARK,
  encodeFrame,
  isDeflated,
  markDeflated,
  type HaveFrame,
} from "./index.ts";

const id = (byte: number) => toBase64url(new Uint8Array(32).fill(byte)) as EnvelopeId;

/** A `have` of `count` envelope texts, about 300 bytes each, as a package is: repetitive JSON. */
function have(count: number): HaveFrame {
  return {
    kind: "have",
    envelope_ids: Array.from({ length: count }, (_, i) => id(i + 1)),
    envelopes: Array.from({ length: count }, (_, i) =>
      JSON.stringify({ app: "app.notes", domain: "notes", seq: i, title: `note ${i}`.padEnd(240, ".") }),
    ),
  };
}

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe("deflated frames go out only when agreed and worth it", () => {
  it("deflates a big frame behind the 0x00 mark and decodes it back unchanged", () => {
    const frame = have(40);
    const plain = must(encodeFrame(frame));
    const deflated = must(encodeFrame(frame, { deflate: true }));
    expect(isDeflated(deflated)).toBe(true);
    expect(deflated.length * 3).toBeLessThan(plain.length);
    expect(must(decodeFrame(deflated, { deflate: true }))).toEqual(frame);
  });

  it("sends small frames, and every frame when not agreed, plain", () => {
    const small = must(encodeFrame(have(1), { deflate: true }));
    expect(small.length).toBeLessThan(DEFLATE_MIN_BYTES);
    expect(small[0]).toBe("{".charCodeAt(0));
    expect(isDeflated(must(encodeFrame(have(40))))).toBe(false);
  });

  it("leaves bytes that deflate would not shrink as they are", () => {
    const noise = seededRandom(5).bytes(8_192);
    expect(deflateFrame(noise)).toBe(noise);
  });

  it("refuses a frame whose JSON is over the limit however well it would deflate", () => {
    const result = encodeFrame(have(40), { deflate: true, maxFrameBytes: 4_096 });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large" } } });
  });
});

describe("an untrusted deflated frame", () => {
  const good = must(encodeFrame(have(40), { deflate: true }));

  it("is refused unless 2.1 was agreed, uninflated", () => {
    expect(decodeFrame(good)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "deflate_not_negotiated" } },
    });
  });

  it("is refused unread when its deflated bytes are over the limit", () => {
    expect(decodeFrame(good, { deflate: true, maxFrameBytes: good.length - 1 })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large", size: good.length } },
    });
  });

  it("is refused when it inflates past the limit, and taken when it inflates to exactly the limit", () => {
    const json = must(encodeFrame(have(40)));
    expect(decodeFrame(good, { deflate: true, maxFrameBytes: json.length - 1 })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large", limit: json.length - 1 } },
    });
    expect(decodeFrame(good, { deflate: true, maxFrameBytes: json.length }).ok).toBe(true);
  });

  it("refuses a deflate bomb as a frame too large", () => {
    // 16 MiB of spaces in ~16 KiB.
    const bomb = markDeflated(deflateSync(new Uint8Array(16 << 20).fill(0x20), { level: 9 }));
    expect(bomb.length).toBeLessThan(32 * 1024);
    expect(decodeFrame(bomb, { deflate: true })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large" } },
    });
  });

  it("stops inflating at the first slice past the limit: a damaged tail beyond it is never read", () => {
    // 240,000 letters of four kinds deflate ~4-fold: ~60 KB, whose first 32 KiB inflate past 100,000 bytes.
    const random = seededRandom(9).bytes(240_000);
    const text = Array.from(random, (b) => "acgt"[b & 3]).join("");
    const damaged = markDeflated(deflateSync(utf8(text)));
    damaged.fill(0xff, damaged.length - 16);
    expect(damaged.length).toBeGreaterThan(40_000);
    expect(damaged.length).toBeLessThan(100_000);
    expect(decodeFrame(damaged, { deflate: true, maxFrameBytes: 100_000 })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large" } },
    });
    // Under a limit it stays within, the whole stream is read and the damage found.
    expect(decodeFrame(damaged, { deflate: true })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "invalid_deflate" } },
    });
  });

  it.each([
    ["the mark alone", Uint8Array.of(DEFLATED_MARK)],
    ["a reserved block type", Uint8Array.of(DEFLATED_MARK, 0x07, 0x00)],
    ["a truncated stream", good.subarray(0, good.length >> 1)],
  ])("is refused as invalid DEFLATE: %s", (_name, bytes) => {
    expect(decodeFrame(bytes, { deflate: true })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "invalid_deflate" } },
    });
  });

  it.each([
    ["text that is not JSON", "not json at all", "syntax"],
    ["JSON with a repeated key", '{"kind":"close","reason":"a","reason":"b"}', "duplicate_key"],
  ])("is read as strictly as a plain frame once inflated: %s", (_name, text, reason) => {
    const result = decodeFrame(markDeflated(deflateSync(utf8(text))), { deflate: true });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason } } });
  });

  it("never throws on damaged bytes: each is a frame or a coded refusal (seeded)", () => {
    const { seed, numRuns } = fuzzConfig(200);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, byte, cut) => {
        const damaged = cut ? good.slice(0, at) : good.slice();
        if (!cut) damaged[at] = byte;
        const result = decodeFrame(damaged, { deflate: true });
        if (result.ok) expect(result.value.kind).toBe("have");
        else expect(result.error.code).toMatch(/^ERR_(STRUCT|RESOURCE)_/);
      }),
      { seed, numRuns },
    );
  });
});
