// Invite codes: round trips of a realistic Chromium data-channel offer, whitespace and link
// tolerance, every refusal reason (zip bomb included), and the QR code's SVG structure.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AssertionError } from "../core/shared/assert.ts";
import { fuzzConfig } from "../core/shared/test-support/fuzz-config.ts";
import { concatBytes, fromBase64url, toBase64url, utf8 } from "../core/shared/bytes.ts";
import {
  INVITE_LIMITS,
  INVITE_QR_MAX_BYTES,
  decodeInviteCode,
  encodeInviteCode,
  inviteLink,
  inviteQrSvg,
  type InviteSignal,
} from "./invite-code.ts";

/** What Chromium's localDescription looks like for a data channel after gathering, with one loopback host candidate. */
const CHROMIUM_OFFER_SDP = [
  "v=0",
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0",
  "a=extmap-allow-mixed",
  "a=msid-semantic: WMS",
  "m=application 54321 UDP/DTLS/SCTP webrtc-datachannel",
  "c=IN IP4 127.0.0.1",
  "a=candidate:3125629745 1 udp 2122260223 127.0.0.1 54321 typ host generation 0 network-id 1",
  "a=ice-ufrag:EsAw",
  "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1",
  "a=ice-options:trickle",
  "a=fingerprint:sha-256 D4:7B:3A:91:0E:55:C2:18:6F:A0:94:27:BB:E3:5D:10:C8:72:49:FE:03:6A:8D:B1:E6:2C:97:40:5F:1B:AD:38",
  "a=setup:actpass",
  "a=mid:0",
  "a=sctp-port:5000",
  "a=max-message-size:262144",
  "",
].join("\r\n");

const OFFER: InviteSignal = { type: "offer", sdp: CHROMIUM_OFFER_SDP };
const ANSWER: InviteSignal = {
  type: "answer",
  sdp: CHROMIUM_OFFER_SDP.replace("a=setup:actpass", "a=setup:active").replace("54321", "54999").replace("EsAw", "Qm7t"),
};

async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A code around arbitrary content, to reach the checks behind decompression. */
async function craft(kind: "o" | "a", content: string | Uint8Array): Promise<string> {
  return `twoway1.${kind}.${toBase64url(await deflateRaw(typeof content === "string" ? utf8(content) : content))}`;
}

async function rejection(text: string): Promise<[string, unknown]> {
  const result = await decodeInviteCode(text);
  if (result.ok) return ["accepted", result.value.type];
  return [result.error.code, result.error.data["reason"]];
}

describe("invite codes: round trip", () => {
  it("encodes an offer as twoway1.o.<base64url> and decodes it back exactly", async () => {
    const code = await encodeInviteCode(OFFER);
    expect(code).toMatch(/^twoway1\.o\.[A-Za-z0-9_-]+$/);
    expect(await decodeInviteCode(code)).toEqual({ ok: true, value: OFFER });
  });

  it("encodes an answer as twoway1.a.…", async () => {
    const code = await encodeInviteCode(ANSWER);
    expect(code.startsWith("twoway1.a.")).toBe(true);
    expect(await decodeInviteCode(code)).toEqual({ ok: true, value: ANSWER });
  });

  it("tolerates surrounding whitespace and line breaks anywhere in the pasted code", async () => {
    const code = await encodeInviteCode(OFFER);
    const wrapped = code.match(/.{1,40}/g)!.join("\r\n");
    for (const pasted of [
      `  ${code}\n`,
      `\n\t${wrapped}\n\n`,
      code.split("").join(" "),
      `> ${code.slice(0, 20)}\n  ${code.slice(20)}`.slice(2),
    ]) {
      expect(await decodeInviteCode(pasted)).toEqual({ ok: true, value: OFFER });
    }
  });

  it("reads a pasted invite link as well as the bare code", async () => {
    const code = await encodeInviteCode(OFFER);
    expect(await decodeInviteCode(inviteLink("http://127.0.0.1:4173", code))).toEqual({ ok: true, value: OFFER });
  });

  it("round-trips any SDP-like text, and never mistakes a truncated stream for trailing bytes (seeded property)", async () => {
    const sdp = fc
      .array(fc.string({ unit: "grapheme", maxLength: 80 }), { maxLength: 60 })
      .map((lines) => ["v=0", ...lines, ""].join("\r\n"));
    await fc.assert(
      fc.asyncProperty(sdp, fc.constantFrom("offer" as const, "answer" as const), async (text, type) => {
        const signal = { type, sdp: text };
        expect(await decodeInviteCode(await encodeInviteCode(signal))).toEqual({ ok: true, value: signal });
      }),
      fuzzConfig(200),
    );
  });

  it("refuses to encode an SDP larger than an invite holds (a bug: throws)", async () => {
    await expect(encodeInviteCode({ type: "offer", sdp: "v=0\r\n" + "a".repeat(INVITE_LIMITS.maxSdpBytes) })).rejects.toThrow(
      AssertionError,
    );
  });
});

describe("invite codes: refusals", () => {
  it.each([
    [""],
    ["hello"],
    ["twoway"],
    ["twoway1"],
    ["twoway1.o"],
    ["twoway1.x.AAAA"],
    ["TWOWAY1.o.AAAA"],
    ["twowayX.o.AAAA"],
    ["v=0\r\no=- 1 2 IN IP4 127.0.0.1"],
  ])("rejects %j (ERR_STRUCT_INVALID_ENCODING not_an_invite)", async (text) => {
    expect(await rejection(text)).toEqual(["ERR_STRUCT_INVALID_ENCODING", "not_an_invite"]);
  });

  it.each([["twoway2.o.AAAA"], ["twoway0.a.AAAA"], ["twoway12.o.AAAA"]])(
    "rejects %j (ERR_STRUCT_INVALID_ENCODING unsupported_version)",
    async (text) => {
      expect(await rejection(text)).toEqual(["ERR_STRUCT_INVALID_ENCODING", "unsupported_version"]);
    },
  );

  it("rejects damaged codes (ERR_STRUCT_INVALID_ENCODING damaged)", async () => {
    const code = await encodeInviteCode(OFFER);
    const damaged = [
      "twoway1.o.", // nothing after the kind
      code.slice(0, -12), // cut short
      code.slice(0, 20) + "$" + code.slice(21), // not base64url
      code.slice(0, 20) + "=" + code.slice(21),
      code + "A", // a length base64url never has, or one byte too many
      `twoway1.o.${toBase64url(concatBytes(fromBase64url(code.slice(10))!, new Uint8Array([0x41])))}`, // a byte after the deflate stream
      `twoway1.o.${toBase64url(concatBytes(fromBase64url(code.slice(10))!, utf8("trailing")))}`,
      `twoway1.o.${toBase64url(new Uint8Array([0xff, 0xff, 0xff, 0xff]))}`, // not deflate
      await craft("o", new Uint8Array([0xc3, 0x28, 0xff])), // not UTF-8
      await craft("o", '{"type":"offer","sdp":'), // not JSON
    ];
    for (const text of damaged)
      expect([text.slice(0, 24), ...(await rejection(text))]).toEqual([text.slice(0, 24), "ERR_STRUCT_INVALID_ENCODING", "damaged"]);
  });

  it("rejects a code whose middle was changed (ERR_STRUCT_INVALID_ENCODING damaged)", async () => {
    const code = await encodeInviteCode(OFFER);
    const at = Math.floor(code.length / 2);
    const flipped = code.slice(0, at) + (code[at] === "A" ? "B" : "A") + code.slice(at + 1);
    const result = await rejection(flipped);
    expect(result[0]).not.toBe("accepted");
    expect(["damaged", "wrong_shape"]).toContain(result[1]);
  });

  it("rejects pasted text beyond maxInputChars before reading it (too_large)", async () => {
    expect(await rejection("twoway1.o." + "A".repeat(INVITE_LIMITS.maxInputChars))).toEqual(["ERR_STRUCT_INVALID_ENCODING", "too_large"]);
  });

  it("rejects a payload beyond maxPayloadChars before decoding it (too_large)", async () => {
    expect(await rejection("twoway1.o." + "A".repeat(INVITE_LIMITS.maxPayloadChars + 4))).toEqual([
      "ERR_STRUCT_INVALID_ENCODING",
      "too_large",
    ]);
  });

  it("stops inflating a zip bomb at maxJsonBytes (too_large)", async () => {
    const bomb = await craft("o", new Uint8Array(8 * 1024 * 1024)); // 8 MiB of zeros in a few KiB
    expect(bomb.length).toBeLessThan(INVITE_LIMITS.maxPayloadChars);
    expect(await rejection(bomb)).toEqual(["ERR_STRUCT_INVALID_ENCODING", "too_large"]);
  });

  it("accepts content just under maxJsonBytes and rejects one byte over", async () => {
    const fits = JSON.stringify({ type: "offer", sdp: "v=0" });
    const pad = (n: number) => `${fits.slice(0, -1)}${" ".repeat(n)}}`; // whitespace keeps it valid JSON
    expect(await rejection(await craft("o", pad(INVITE_LIMITS.maxJsonBytes - fits.length)))).toEqual(["accepted", "offer"]);
    expect(await rejection(await craft("o", pad(INVITE_LIMITS.maxJsonBytes - fits.length + 1)))).toEqual([
      "ERR_STRUCT_INVALID_ENCODING",
      "too_large",
    ]);
  });

  it("rejects an SDP over maxSdpBytes inside a small enough code (too_large)", async () => {
    const sdp = "v=0\r\n" + "a".repeat(INVITE_LIMITS.maxSdpBytes);
    expect(await rejection(await craft("o", JSON.stringify({ type: "offer", sdp })))).toEqual(["ERR_STRUCT_INVALID_ENCODING", "too_large"]);
  });

  it.each([
    ["an array", ["offer", "v=0"]],
    ["a string", "v=0"],
    ["no sdp", { type: "offer" }],
    ["an extra key", { type: "offer", sdp: "v=0\r\n", candidate: "x" }],
    ["another type", { type: "pranswer", sdp: "v=0\r\n" }],
    ["a number as sdp", { type: "offer", sdp: 0 }],
    ["an sdp that is no session description", { type: "offer", sdp: "hello" }],
  ])("rejects content that is %s (ERR_STRUCT_INVALID_TYPE wrong_shape)", async (_, content) => {
    expect(await rejection(await craft("o", JSON.stringify(content)))).toEqual(["ERR_STRUCT_INVALID_TYPE", "wrong_shape"]);
  });

  it("rejects an answer labelled as an offer and the reverse (ERR_STRUCT_INVALID_TYPE type_mismatch)", async () => {
    expect(await rejection(await craft("o", JSON.stringify(ANSWER)))).toEqual(["ERR_STRUCT_INVALID_TYPE", "type_mismatch"]);
    expect(await rejection(await craft("a", JSON.stringify(OFFER)))).toEqual(["ERR_STRUCT_INVALID_TYPE", "type_mismatch"]);
  });
});

describe("invite links and QR codes", () => {
  it("builds the peers-page link, with or without a trailing slash on the origin", () => {
    expect(inviteLink("http://127.0.0.1:4173", "twoway1.o.abc")).toBe("http://127.0.0.1:4173/#/peers?invite=twoway1.o.abc");
    expect(inviteLink("https://example.org/", "twoway1.a.x-y_z")).toBe("https://example.org/#/peers?invite=twoway1.a.x-y_z");
  });

  /** The side of the square viewBox, in SVG units (modules plus the 4-module quiet zone, 10 units each). */
  function side(svg: string): number {
    const box = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
    expect(box).not.toBeNull();
    expect(box![1]).toBe(box![2]);
    return Number(box![1]);
  }

  it("renders an SVG QR code: a white square with black modules, three finder patterns, quiet zone", () => {
    const svg = inviteQrSvg("twoway1.o.abc");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(svg).toMatch(/<rect fill="white" width="(\d+)" height="\1"\/>/);
    expect(svg).toContain('<path fill="black" d="M');
    const modules = side(svg) / 10 - 8;
    expect(modules).toBeGreaterThanOrEqual(21); // version 1 is 21×21
    expect((modules - 17) % 4).toBe(0); // every version is 17 + 4v modules
    expect(svg).toContain("M40,40h10v10h-10z"); // the top-left finder pattern starts just inside the quiet zone
  });

  it("grows with the input", () => {
    const sizes = [10, 100, 400, 1200].map((n) => side(inviteQrSvg("x".repeat(n))));
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(new Set(sizes).size).toBe(4);
  });

  it("fits a realistic offer's invite link", async () => {
    const link = inviteLink("http://127.0.0.1:4173", await encodeInviteCode(OFFER));
    expect(link.length).toBeLessThan(INVITE_QR_MAX_BYTES / 2);
    expect(inviteQrSvg(link)).toContain('<path fill="black"');
  });

  it("says so in words when the text is too long for any QR code", () => {
    expect(inviteQrSvg("x".repeat(INVITE_QR_MAX_BYTES))).toContain('<path fill="black"');
    const svg = inviteQrSvg("x".repeat(INVITE_QR_MAX_BYTES + 1));
    expect(svg).toContain("Too long for a QR code");
    expect(svg).not.toContain("<path");
  });
});
