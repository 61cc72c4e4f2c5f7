// Copy-paste invite codes: one WebRTC offer or answer as a line of text (and a link, and a QR code),
// to connect two browsers with no server at all. `twoway1.o.<base64url(deflate-raw(utf8 JSON))>`.
// Decoding is untrusted input: it is bounded before and during decompression (zip bombs).
import { renderSVG } from "uqr";
import { assert } from "../core/shared/assert.ts";
import { concatBytes, fromBase64url, fromUtf8, toBase64url, utf8, utf8ByteLength } from "../core/shared/bytes.ts";
import { nodeError } from "../core/shared/errors.ts";
import { isJsonObject } from "../core/shared/json.ts";
import { err, ok, type Result } from "../core/shared/result.ts";

export type InviteSignal = { readonly type: "offer" | "answer"; readonly sdp: string };

export const INVITE_VERSION = 1;

export const INVITE_LIMITS = {
  /** The SDP itself, as webrtc-peer's DEFAULT_MAX_SIGNAL_BYTES. */
  maxSdpBytes: 16_384,
  /** The decompressed JSON: a 16 KiB SDP with its CR LF escaped fits. Checked while inflating. */
  maxJsonBytes: 24_576,
  /** The base64url payload: deflate never grows the JSON by more than a few bytes, plus 4/3. */
  maxPayloadChars: 32_800,
  /** The pasted text, whitespace and all; longer input is refused before any other work. */
  maxInputChars: 65_536,
} as const;

/** QR version 40 at error correction L holds 2953 bytes in byte mode (ISO/IEC 18004:2015 table 7). */
export const INVITE_QR_MAX_BYTES = 2953;

const KIND = { offer: "o", answer: "a" } as const;

function invalid(reason: "not_an_invite" | "unsupported_version" | "damaged" | "too_large", message: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_ENCODING", message, { reason }));
}

async function collect(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Result<Uint8Array>> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        // Stop inflating at the bound: a small code must not expand into megabytes.
        await reader.cancel().catch(() => {});
        return invalid("too_large", "The invite expands to more than an invite may hold.");
      }
      chunks.push(value);
    }
  } catch {
    return invalid("damaged", "The invite is damaged: it does not decompress.");
  }
  return ok(concatBytes(...chunks));
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new Blob([bytes.slice()]).stream();
}

function inflate(compressed: Uint8Array): Promise<Result<Uint8Array>> {
  return collect(streamOf(compressed).pipeThrough(new DecompressionStream("deflate-raw")), INVITE_LIMITS.maxJsonBytes);
}

/**
 * The invite code for an offer or an answer. The signal comes from our own WebRTC peer, so one an
 * invite cannot hold (an SDP over INVITE_LIMITS.maxSdpBytes) is a bug and throws.
 */
export async function encodeInviteCode(signal: InviteSignal): Promise<string> {
  assert(signal.type === "offer" || signal.type === "answer", "encodeInviteCode: type is offer or answer");
  assert(utf8ByteLength(signal.sdp) <= INVITE_LIMITS.maxSdpBytes, "encodeInviteCode: the SDP is larger than an invite holds");
  const json = utf8(JSON.stringify({ type: signal.type, sdp: signal.sdp }));
  assert(json.length <= INVITE_LIMITS.maxJsonBytes, "encodeInviteCode: the signal is larger than an invite holds");
  const compressed = await collect(streamOf(json).pipeThrough(new CompressionStream("deflate-raw")), Number.MAX_SAFE_INTEGER);
  assert(compressed.ok, "encodeInviteCode: compression failed");
  return `twoway${INVITE_VERSION}.${KIND[signal.type]}.${toBase64url(compressed.value)}`;
}

/** The code inside pasted text: whitespace and line breaks anywhere are dropped; a pasted invite link works too. */
function extractCode(text: string): string {
  const compact = text.replace(/\s+/g, "");
  const fromLink = /[?&]invite=([^&#]*)/.exec(compact);
  return fromLink ? fromLink[1]! : compact;
}

/**
 * Reads an invite code. Refusals: ERR_STRUCT_INVALID_ENCODING with reason not_an_invite,
 * unsupported_version, damaged or too_large; ERR_STRUCT_INVALID_TYPE with wrong_shape (not one
 * `{type, sdp}` session description) or type_mismatch (the prefix and the content disagree).
 */
export async function decodeInviteCode(text: string): Promise<Result<InviteSignal>> {
  if (typeof text !== "string") return invalid("not_an_invite", "This is not an invite code.");
  if (text.length > INVITE_LIMITS.maxInputChars) return invalid("too_large", "The text is longer than any invite code.");
  const code = extractCode(text);
  const head = /^twoway(\d{1,6})\./.exec(code);
  if (!head) return invalid("not_an_invite", "This is not an invite code: it starts with twoway1.");
  if (head[1] !== String(INVITE_VERSION))
    return invalid("unsupported_version", `This invite is version ${head[1]}; this app reads version ${INVITE_VERSION}.`);
  const body = /^([oa])\.(.*)$/.exec(code.slice(head[0].length));
  if (!body) return invalid("not_an_invite", "This is not an invite code: it is neither an offer nor an answer.");
  const [, kind, payload] = body as unknown as [string, "o" | "a", string];
  if (payload.length > INVITE_LIMITS.maxPayloadChars) return invalid("too_large", "The code is longer than an invite may be.");
  const compressed = payload.length === 0 ? undefined : fromBase64url(payload);
  if (!compressed) return invalid("damaged", "The invite is damaged: it was cut short or mistyped.");
  const inflated = await inflate(compressed);
  if (!inflated.ok) return inflated;
  // Bytes after the end of the deflate stream: Chromium refuses them, Node ignores them. The same
  // answer everywhere: a complete stream minus its last byte never inflates, so if it does, that byte was extra.
  if ((await inflate(compressed.subarray(0, -1))).ok)
    return invalid("damaged", "The invite is damaged: it has extra characters at the end.");
  const json = fromUtf8(inflated.value);
  let value: unknown;
  try {
    value = json === undefined ? undefined : JSON.parse(json);
  } catch {
    value = undefined;
  }
  if (value === undefined) return invalid("damaged", "The invite is damaged: its content is not readable.");
  return parseSignal(value, kind === "o" ? "offer" : "answer");
}

function parseSignal(value: unknown, expected: InviteSignal["type"]): Result<InviteSignal> {
  const wrongShape = (message: string) => err(nodeError("ERR_STRUCT_INVALID_TYPE", message, { reason: "wrong_shape" }));
  if (!isJsonObject(value)) return wrongShape("An invite holds one session description.");
  const keys = Object.keys(value).sort();
  if (keys.length !== 2 || keys[0] !== "sdp" || keys[1] !== "type") return wrongShape("An invite holds exactly `type` and `sdp`.");
  const { type, sdp } = value;
  if (type !== "offer" && type !== "answer") return wrongShape("An invite holds an offer or an answer.");
  if (typeof sdp !== "string" || !sdp.startsWith("v=0")) return wrongShape("An invite's `sdp` is a session description.");
  if (utf8ByteLength(sdp) > INVITE_LIMITS.maxSdpBytes)
    return invalid("too_large", "The session description is larger than an invite may hold.");
  if (type !== expected)
    return err(nodeError("ERR_STRUCT_INVALID_TYPE", `The code says ${expected} but holds an ${type}.`, { reason: "type_mismatch" }));
  return ok({ type, sdp });
}

/** The link that opens the peers page with the code filled in. The code is URL-safe as it is. */
export function inviteLink(origin: string, code: string): string {
  return `${origin.replace(/\/+$/, "")}/#/peers?invite=${code}`;
}

/**
 * The text as a QR code in an SVG string (black on white, quiet zone of 4 modules).
 * Text over INVITE_QR_MAX_BYTES cannot be a QR code: the SVG then says so in words, and the
 * caller still shows the code to copy. Library: `uqr` (unjs), chosen over `lean-qr` because it has
 * no dependencies, ships ESM with types, renders SVG itself and is far more widely used.
 */
export function inviteQrSvg(text: string): string {
  if (utf8ByteLength(text) > INVITE_QR_MAX_BYTES) {
    return (
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 60" role="img" aria-label="too long for a QR code">' +
      '<rect width="320" height="60" fill="white"/><text x="160" y="35" text-anchor="middle" font-size="14">' +
      "Too long for a QR code: copy the text instead.</text></svg>"
    );
  }
  return renderSVG(text, { ecc: "L", boostEcc: true, border: 4 });
}
