// The session frame codec (DESIGN §3 "Session"): the plain-JSON messages two nodes exchange over a
// transport, their strict structural check, and size limits applied before any byte is parsed.
// Stateless: which frame may come when is the session's concern, and hello signing lives in hello.ts.
import { fail, firstViolation } from "../../shared/structural-walk.ts";
import { fromBase64url, utf8 } from "../../shared/bytes.ts";
import { tryCanonicalize } from "../../shared/canonical-json.ts";
import { isProtocolErrorCode, nodeError, type ProtocolErrorCode } from "../../shared/errors.ts";
import {
  parseEnvelopeId,
  parseIdentityId,
  parsePublicKeyText,
  type EnvelopeId,
  type IdentityId,
  type PublicKeyText,
} from "../../shared/ids.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../../shared/json.ts";
import { err, ok, type Result } from "../../shared/result.ts";
import { parseWireJson } from "../../shared/wire-json.ts";
import { MAX_DIFFICULTY_BITS, PUZZLE_ALGORITHM, type Challenge, type Solution } from "../../dos-guard/index.ts";
import {
  checkPackageFrameStructure,
  isCanonicalTimestamp,
  isSyncDomain,
  MAX_FRAME_ENVELOPES,
  type PackageFrame,
  type ProtocolVersion,
} from "../../wire/index.ts";
import { deflateFrame, inflateFrame, isDeflated } from "./deflate.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "./transport.ts";

export const FRAME_KINDS = [
  "challenge",
  "solution",
  "admitted",
  "hello",
  "domains",
  "cursors",
  "progress",
  "package",
  "want",
  "have",
  "error",
  "close",
] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

/** DESIGN D7: before admission a peer sends nothing but these, and each is small. */
export const PRE_ADMISSION_KINDS: readonly FrameKind[] = ["challenge", "solution", "admitted", "error", "close"];
export const PRE_ADMISSION_MAX_FRAME_BYTES = 4_096;

/** Counts that bound one frame's work for the receiver. */
export const FRAME_LIMITS = {
  /** Sync domains in `offered_domains`, `accepted` and `cursors`. */
  maxDomains: 256,
  /** Ids in `want` and `have`, as many as one package frame carries. */
  maxIds: MAX_FRAME_ENVELOPES,
  /** Echoed puzzle fields of a `solution` (ADR 0007 issues 22- and 43-character values). */
  maxEchoChars: 128,
  /** Largest component of a protocol version. */
  maxVersionPart: 65_535,
} as const;

/** Session nonces are 32 random bytes, base64url. */
export const NONCE_BYTES = 32;

/** The DoS Guard's challenge (ADR 0007), sent by the admitting side. */
export type ChallengeFrame = { readonly kind: "challenge" } & Challenge;
/** The dialer's answer (ADR 0007): the challenge fields echoed unchanged and the counter found. */
export type SolutionFrame = { readonly kind: "solution" } & Solution;
/** Each side sends one once it admits the other; the nonce is the one the peer's hello must echo. */
export type AdmittedFrame = { readonly kind: "admitted"; readonly nonce: string };
export type HelloFrame = {
  readonly kind: "hello";
  readonly protocol_version: ProtocolVersion;
  readonly node_identity: IdentityId;
  readonly node_key: PublicKeyText;
  /** Sorted, unique `<app>/<domain>` names. */
  readonly offered_domains: readonly string[];
  /** The sender's own nonce (from its `admitted`). */
  readonly nonce: string;
  /** The receiver's nonce, so the hello is good for this session only. */
  readonly peer_nonce: string;
  /** Ed25519 by `node_key` over the JCS of the hello without `signature`. */
  readonly signature: string;
};
/** The domains this side will sync in this session: sorted, unique, within both offers. */
export type DomainsFrame = { readonly kind: "domains"; readonly accepted: readonly string[] };
/** For each accepted domain, the last sequence number received from this peer (0: none yet). */
export type CursorsFrame = { readonly kind: "cursors"; readonly cursors: Readonly<Record<string, number>> };
/** For each domain, how many envelopes the sender still has for the receiver after its cursor (ADR 0026). */
export type ProgressFrame = { readonly kind: "progress"; readonly pending: Readonly<Record<string, number>> };
/** A signed package frame and the canonical texts of the envelopes it names, in its order. */
export type PackageMessage = { readonly kind: "package"; readonly frame: PackageFrame; readonly envelopes: readonly string[] };
export type WantFrame = { readonly kind: "want"; readonly envelope_ids: readonly EnvelopeId[] };
/** The answer to a `want`: the envelopes this side holds, may send and was asked for, with their ids. */
export type HaveFrame = { readonly kind: "have"; readonly envelope_ids: readonly EnvelopeId[]; readonly envelopes: readonly string[] };
/** A protocol code and a snake_case reason; never the rejected input (protocol 10 §5). */
export type ErrorFrame = { readonly kind: "error"; readonly code: ProtocolErrorCode; readonly reason: string };
export type CloseFrame = { readonly kind: "close"; readonly reason: string };

export type SessionFrame =
  | ChallengeFrame
  | SolutionFrame
  | AdmittedFrame
  | HelloFrame
  | DomainsFrame
  | CursorsFrame
  | ProgressFrame
  | PackageMessage
  | WantFrame
  | HaveFrame
  | ErrorFrame
  | CloseFrame;

const REASON_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

function string(value: JsonValue | undefined, path: string): string {
  if (typeof value !== "string") fail("ERR_STRUCT_INVALID_TYPE", path, "expected_string");
  return value;
}

function array(value: JsonValue | undefined, path: string, max: number, reason: string): readonly JsonValue[] {
  if (!Array.isArray(value)) fail("ERR_STRUCT_INVALID_TYPE", path, "expected_array");
  const items = value as readonly JsonValue[];
  if (items.length > max) fail("ERR_STRUCT_INVALID_TYPE", path, reason);
  return items;
}

function integer(value: JsonValue | undefined, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) fail("ERR_STRUCT_INVALID_TYPE", path, "expected_integer");
  if (value < min || value > max) fail("ERR_STRUCT_INVALID_TYPE", path, "out_of_range");
  return value;
}

/** base64url (strict, unpadded) of `min`..`max` bytes. */
function token(value: JsonValue | undefined, path: string, min: number, max: number, reason: string): string {
  const text = string(value, path);
  const bytes = fromBase64url(text);
  if (bytes === undefined || bytes.length < min || bytes.length > max) fail("ERR_STRUCT_INVALID_ENCODING", path, reason);
  return text;
}

function echo(value: JsonValue | undefined, path: string): void {
  const text = string(value, path);
  if (text.length === 0 || text.length > FRAME_LIMITS.maxEchoChars) fail("ERR_STRUCT_INVALID_ENCODING", path, "invalid_echo");
}

function reasonWord(value: JsonValue | undefined, path: string): string {
  if (!REASON_PATTERN.test(string(value, path))) fail("ERR_STRUCT_INVALID_IDENTIFIER", path, "invalid_reason");
  return value as string;
}

/** A set of sync domains has one spelling: sorted by UTF-16 code units, no repeats. */
function domainList(value: JsonValue | undefined, path: string): void {
  const items = array(value, path, FRAME_LIMITS.maxDomains, "too_many_domains");
  items.forEach((item, i) => {
    if (!isSyncDomain(string(item, `${path}[${i}]`))) fail("ERR_STRUCT_INVALID_IDENTIFIER", `${path}[${i}]`, "invalid_sync_domain");
    if (i > 0 && !((items[i - 1] as string) < (item as string))) fail("ERR_STRUCT_INVALID_ENCODING", `${path}[${i}]`, "domains_not_sorted");
  });
}

function idList(value: JsonValue | undefined, path: string): void {
  const items = array(value, path, FRAME_LIMITS.maxIds, "too_many_ids");
  if (items.length === 0) fail("ERR_STRUCT_MISSING_FIELD", path, "no_ids");
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (parseEnvelopeId(string(item, `${path}[${i}]`)) === undefined)
      fail("ERR_STRUCT_INVALID_IDENTIFIER", `${path}[${i}]`, "invalid_envelope_id");
    if (seen.has(item as string)) fail("ERR_STRUCT_INVALID_ENCODING", `${path}[${i}]`, "duplicate_id");
    seen.add(item as string);
  });
}

/** Canonical envelope texts beside a package frame or in a `have`; the State manager binds them to ids. */
function envelopeTexts(value: JsonValue | undefined, path: string): void {
  const items = array(value, path, MAX_FRAME_ENVELOPES, "too_many_envelopes");
  items.forEach((item, i) => {
    if (string(item, `${path}[${i}]`).length === 0) fail("ERR_STRUCT_INVALID_ENCODING", `${path}[${i}]`, "empty_envelope");
  });
}

export function versionText(version: readonly number[]): string {
  return version.join(".");
}

/** Field checks per kind, in the order the fields are listed; `kind` itself is checked before. */
const FIELDS: { readonly [K in FrameKind]: Readonly<Record<string, (value: JsonValue | undefined, path: string) => void>> } = {
  // Strict where the solver must refuse work (an unknown algorithm, more than MAX_DIFFICULTY_BITS).
  challenge: {
    challenge_id: (v, p) => token(v, p, 16, 16, "invalid_challenge_id"),
    algorithm: (v, p) => {
      if (string(v, p) !== PUZZLE_ALGORITHM) fail("ERR_STRUCT_INVALID_TYPE", p, "unsupported_algorithm");
    },
    difficulty: (v, p) => integer(v, p, 1, MAX_DIFFICULTY_BITS),
    expires_at: (v, p) => {
      if (!isCanonicalTimestamp(string(v, p))) fail("ERR_STRUCT_INVALID_ENCODING", p, "invalid_timestamp");
    },
    payload: (v, p) => token(v, p, 32, 32, "invalid_payload"),
    context_binding: (v, p) => token(v, p, 32, 32, "invalid_context_binding"),
  },
  // Lenient on the echoed fields: the guard compares them and names the mismatch (ADR 0007 order).
  solution: {
    challenge_id: echo,
    algorithm: echo,
    payload: echo,
    context_binding: echo,
    counter: (v, p) => integer(v, p, 0, Number.MAX_SAFE_INTEGER),
  },
  admitted: {
    nonce: (v, p) => token(v, p, NONCE_BYTES, NONCE_BYTES, "invalid_nonce"),
  },
  hello: {
    protocol_version: (v, p) => {
      if (!Array.isArray(v) || v.length !== 3) fail("ERR_STRUCT_INVALID_TYPE", p, "invalid_protocol_version");
      (v as readonly JsonValue[]).forEach((part, i) => {
        if (typeof part !== "number" || !Number.isSafeInteger(part) || part < 0 || part > FRAME_LIMITS.maxVersionPart) {
          fail("ERR_STRUCT_INVALID_TYPE", `${p}[${i}]`, "invalid_protocol_version");
        }
      });
    },
    node_identity: (v, p) => {
      if (parseIdentityId(string(v, p)) === undefined) fail("ERR_STRUCT_INVALID_IDENTIFIER", p, "invalid_identity_id");
    },
    node_key: (v, p) => {
      if (parsePublicKeyText(string(v, p)) === undefined) fail("ERR_STRUCT_INVALID_ENCODING", p, "invalid_public_key");
    },
    offered_domains: domainList,
    nonce: (v, p) => token(v, p, NONCE_BYTES, NONCE_BYTES, "invalid_nonce"),
    peer_nonce: (v, p) => token(v, p, NONCE_BYTES, NONCE_BYTES, "invalid_nonce"),
    signature: (v, p) => token(v, p, 64, 64, "invalid_signature_encoding"),
  },
  domains: { accepted: domainList },
  cursors: { cursors: countPerDomain },
  progress: { pending: countPerDomain },
  package: {
    frame: (v, p) => {
      const checked = checkPackageFrameStructure(v ?? null);
      if (!checked.ok)
        fail(checked.error.code, joinPath(p, String(checked.error.data["path"] ?? "")), String(checked.error.data["reason"]));
    },
    envelopes: envelopeTexts,
  },
  want: { envelope_ids: idList },
  have: { envelope_ids: idList, envelopes: envelopeTexts },
  error: {
    code: (v, p) => {
      if (!isProtocolErrorCode(string(v, p))) fail("ERR_STRUCT_INVALID_TYPE", p, "unknown_error_code");
    },
    reason: reasonWord,
  },
  close: { reason: reasonWord },
};

/** `{"<app>/<domain>": n}` with n a safe integer ≥ 0, at most `maxDomains` entries. */
function countPerDomain(v: JsonValue | undefined, p: string): void {
  if (!isJsonObject(v)) fail("ERR_STRUCT_INVALID_TYPE", p, "expected_object");
  const domains = Object.keys(v);
  if (domains.length > FRAME_LIMITS.maxDomains) fail("ERR_STRUCT_INVALID_TYPE", p, "too_many_domains");
  for (const domain of domains.sort()) {
    if (!isSyncDomain(domain)) fail("ERR_STRUCT_INVALID_IDENTIFIER", `${p}.${domain}`, "invalid_sync_domain");
    integer(v[domain], `${p}.${domain}`, 0, Number.MAX_SAFE_INTEGER);
  }
}

function joinPath(path: string, field: string): string {
  return field === "" ? path : `${path}.${field}`;
}

function checkFrame(value: JsonValue): SessionFrame {
  if (!isJsonObject(value)) fail("ERR_STRUCT_INVALID_TYPE", "", "expected_object");
  if (!Object.hasOwn(value, "kind")) fail("ERR_STRUCT_MISSING_FIELD", "kind", "missing_field");
  const kind = string(value["kind"], "kind");
  if (!(FRAME_KINDS as readonly string[]).includes(kind)) fail("ERR_STRUCT_INVALID_TYPE", "kind", "unknown_kind");
  const fields = FIELDS[kind as FrameKind];
  const names = Object.keys(fields);
  // ADR 0003 walk order: missing fields before unknown ones, then values in the listed order.
  for (const name of names) if (!Object.hasOwn(value, name)) fail("ERR_STRUCT_MISSING_FIELD", name, "missing_field");
  const unknown = Object.keys(value)
    .filter((k) => k !== "kind" && !names.includes(k))
    .sort();
  if (unknown.length > 0) fail("ERR_STRUCT_INVALID_TYPE", unknown[0]!, "unknown_field");
  for (const name of names) fields[name]!(value[name], name);
  return value as SessionFrame;
}

/** Stage 1 for session frames: kind, exact fields, types, identifiers, counts. */
export function checkFrameStructure(value: JsonValue): Result<SessionFrame> {
  return firstViolation("Session frame", () => checkFrame(value));
}

export type FrameCodecOptions = {
  /** `network.envelope.max_bytes`; PRE_ADMISSION_MAX_FRAME_BYTES before admission. Bounds a frame's JSON, deflated or not. */
  readonly maxFrameBytes?: number;
  /** The peer's hello speaks protocol 2.1 or later (ADR 0035): frames may go and come deflated. */
  readonly deflate?: boolean;
};

function frameTooLarge(size: number, limit: number): Result<never> {
  // ADR 0008: a local resource bound, not a structural verdict; the bytes are never read.
  return err(
    nodeError("ERR_RESOURCE_RATE_LIMIT", "The frame is larger than this node accepts.", { reason: "frame_too_large", size, limit }),
  );
}

/** Nesting of the deepest legal frame (`package.frame.envelope_ids`) is 3. */
const MAX_FRAME_DEPTH = 4;

/**
 * Decodes one untrusted frame: size first (unread when too large), then, a deflated frame, inflating
 * within the same limit (refused unless `deflate` was negotiated), then strict JSON (UTF-8, no
 * duplicate keys, bounded depth), then the structure of its kind. Canonical form is not required:
 * nothing is signed over frame bytes; signed parts are re-canonicalized by their verifiers.
 */
export function decodeFrame(bytes: Uint8Array, options: FrameCodecOptions = {}): Result<SessionFrame> {
  const limit = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (bytes.length > limit) return frameTooLarge(bytes.length, limit);
  if (isDeflated(bytes)) {
    if (options.deflate !== true)
      return err(
        nodeError("ERR_STRUCT_INVALID_ENCODING", "A deflated frame from a peer that has not said it speaks protocol 2.1.", {
          path: "",
          reason: "deflate_not_negotiated",
        }),
      );
    const inflated = inflateFrame(bytes, limit);
    if (!inflated.ok) return inflated;
    bytes = inflated.value;
  }
  const parsed = parseWireJson(bytes, { maxBytes: limit, maxDepth: MAX_FRAME_DEPTH });
  if (!parsed.ok) return parsed;
  return checkFrameStructure(parsed.value);
}

/**
 * UTF-8 canonical JSON of a frame, deflated when `deflate` is on and that makes it smaller. Refuses
 * what a receiver would reject, and frames whose JSON is over the limit.
 */
export function encodeFrame(frame: SessionFrame, options: FrameCodecOptions = {}): Result<Uint8Array> {
  const checked = checkFrameStructure(frame);
  if (!checked.ok) return checked;
  const text = tryCanonicalize(frame);
  if (!text.ok) return text;
  const bytes = utf8(text.value);
  const limit = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (bytes.length > limit) return frameTooLarge(bytes.length, limit);
  return ok(options.deflate === true ? deflateFrame(bytes) : bytes);
}

/** The unsigned part of a hello: what its signature covers. */
export function helloSignedValue(hello: HelloFrame): JsonObject {
  const { signature: _signature, ...unsigned } = hello;
  return unsigned;
}
