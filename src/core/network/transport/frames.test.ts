// Session frames: a round trip of every kind, a negative test for every structural rejection,
// oversized frames refused unread, and the hello's signature, session binding and version rules.
import { beforeAll, describe, expect, it } from "vitest";
import { createSigner, type Signer } from "../../crypto/index.ts";
import { fromBase64url, toBase64url, utf8 } from "../../shared/bytes.ts";
import { canonicalBytes, canonicalize } from "../../shared/canonical-json.ts";
import { manualClock, seededRandom } from "../../shared/clock.ts";
import { createDosGuard, type DosGuard } from "../../dos-guard/index.ts";
import { identityIdFromKey, type EnvelopeId } from "../../shared/ids.ts";
import type { JsonValue } from "../../shared/json.ts";
import {
  buildEnvelope,
  buildPackageFrame,
  PROTOCOL_VERSION,
  verifyPackageFrame,
  type ProtocolVersion,
  type VerifiedEnvelope,
} from "../../wire/index.ts";
import { formatFrameTrace } from "../test-support/index.ts";
import {
  buildHello,
  createLoopbackTransportPair,
  checkFrameStructure,
  checkProtocolCompatibility,
  decodeFrame,
  encodeFrame,
  FRAME_KINDS,
  newSessionNonce,
  PRE_ADMISSION_MAX_FRAME_BYTES,
  verifyHello,
  type HelloFrame,
  type SessionFrame,
  type Transport,
} from "./index.ts";

const b64 = (length: number, fill = 7) => toBase64url(new Uint8Array(length).fill(fill));
const id = (byte: number) => b64(32, byte) as EnvelopeId;
const nonceA = b64(32, 0xa1);
const nonceB = b64(32, 0xb2);
const DOMAINS = ["app.messaging/messages", "app.social/posts"];

let alice: Signer;
let bob: Signer;
let hello: HelloFrame;
let envelope: VerifiedEnvelope;
let samples: Record<SessionFrame["kind"], SessionFrame>;
let guard: DosGuard;
const CONNECTION = { connectionId: "conn-1" };

beforeAll(async () => {
  alice = await createSigner({ seed: new Uint8Array(32).fill(1) });
  bob = await createSigner({ seed: new Uint8Array(32).fill(2) });
  const built = await buildHello(alice, { offeredDomains: DOMAINS, nonce: nonceA, peerNonce: nonceB });
  if (!built.ok) throw new Error(built.error.message);
  hello = built.value;
  const genesis = await buildEnvelope(alice, {
    app: "system",
    domain: "identity",
    traceId: "t-1",
    seq: 1,
    prev: null,
    lamport: 0,
    createdAt: "2026-11-21T10:00:00.000Z",
    ops: [{ op: "parent_create", type_key: "system.identity", payload: { value: { name: "Ada" } } }],
  });
  if (!genesis.ok) throw new Error(genesis.error.message);
  envelope = genesis.value;
  const frame = await buildPackageFrame(alice, { syncDomain: "system/identity", fromSeq: 1, toSeq: 1, envelopeIds: [envelope.id] });
  if (!frame.ok) throw new Error(frame.error.message);
  // The puzzle frames carry what the DoS Guard issues and its solver answers (ADR 0007).
  guard = createDosGuard({
    clock: manualClock(),
    random: seededRandom(11),
    config: { baseBits: 4, maxBits: 8, decayMs: 60_000, puzzleTtlMs: 30_000, maxOutstanding: 16 },
  });
  const decision = guard.admit(CONNECTION);
  if (decision.kind !== "challenge") throw new Error("expected a challenge");
  const challenge = decision.challenge;
  const solution = await guard.solve(challenge);
  if (!solution.ok) throw new Error(solution.error.message);
  samples = {
    challenge: { kind: "challenge", ...challenge },
    solution: { kind: "solution", ...solution.value },
    admitted: { kind: "admitted", nonce: nonceA },
    hello,
    domains: { kind: "domains", accepted: DOMAINS },
    cursors: { kind: "cursors", cursors: { "app.messaging/messages": 17, "app.social/posts": 0 } },
    progress: { kind: "progress", pending: { "app.messaging/messages": 1240, "app.social/posts": 0 } },
    package: { kind: "package", frame: frame.value, envelopes: [envelope.text] },
    want: { kind: "want", envelope_ids: [id(1), id(2)] },
    have: { kind: "have", envelope_ids: [id(3)], envelopes: [envelope.text] },
    error: { kind: "error", code: "ERR_SYNC_RANGE_MISMATCH", reason: "ids_mismatch" },
    close: { kind: "close", reason: "shutdown" },
  };
});

/** A mutable deep copy of a sample, to break one rule at a time. */
const copy = (kind: SessionFrame["kind"]): Record<string, any> => JSON.parse(JSON.stringify(samples[kind])) as Record<string, any>;

function expectRejected(input: JsonValue | Uint8Array, code: string, reason: string, path?: string) {
  const result = input instanceof Uint8Array ? decodeFrame(input) : checkFrameStructure(input);
  expect(result).toMatchObject({ ok: false, error: { code, data: path === undefined ? { reason } : { reason, path } } });
  // Through the byte codec too: the decoder gives the same verdict as the structural check.
  if (!(input instanceof Uint8Array))
    expect(decodeFrame(utf8(JSON.stringify(input)))).toMatchObject({ ok: false, error: { code, data: { reason } } });
}

describe("frame round trips", () => {
  it.each(FRAME_KINDS)("encodes a %s frame as canonical UTF-8 JSON and decodes it back", (kind) => {
    const encoded = encodeFrame(samples[kind]);
    expect(encoded.ok).toBe(true);
    if (!encoded.ok) return;
    expect(encoded.value).toEqual(canonicalBytes(samples[kind] as JsonValue));
    expect(decodeFrame(encoded.value)).toEqual({ ok: true, value: samples[kind] });
  });

  it("decodes a non-canonical spelling of a frame (nothing is signed over frame bytes)", () => {
    const text = `{ "reason" : "shutdown",\n "kind":"close" }`;
    expect(decodeFrame(utf8(text))).toEqual({ ok: true, value: { kind: "close", reason: "shutdown" } });
  });

  it("keeps a package frame verifiable: the decoded frame verifies against the carried envelopes", async () => {
    const encoded = encodeFrame(samples.package);
    if (!encoded.ok) throw new Error(encoded.error.message);
    const decoded = decodeFrame(encoded.value);
    if (!decoded.ok || decoded.value.kind !== "package") throw new Error("package did not decode");
    expect(decoded.value.envelopes).toEqual([envelope.text]);
    expect((await verifyPackageFrame(decoded.value.frame, [envelope.id])).ok).toBe(true);
  });
});

describe("frame structure rejections", () => {
  it.each([
    ["text that is not JSON", utf8("{"), "ERR_STRUCT_INVALID_ENCODING", "syntax"],
    ["bytes that are not UTF-8", Uint8Array.of(0x7b, 0xff, 0x7d), "ERR_STRUCT_INVALID_ENCODING", "invalid_utf8"],
    ["a duplicate key", utf8(`{"kind":"close","kind":"close","reason":"x"}`), "ERR_STRUCT_INVALID_ENCODING", "duplicate_key"],
    ["nesting deeper than any frame", utf8(`{"kind":"close","reason":[[[[1]]]]}`), "ERR_STRUCT_INVALID_ENCODING", "too_deep"],
  ] as const)("rejects %s", (_name, bytes, code, reason) => expectRejected(bytes, code, reason));

  it.each([
    ["a frame that is not an object", ["close"], "ERR_STRUCT_INVALID_TYPE", "expected_object", ""],
    ["a frame without a kind", { reason: "x" }, "ERR_STRUCT_MISSING_FIELD", "missing_field", "kind"],
    ["a kind that is not a string", { kind: 3 }, "ERR_STRUCT_INVALID_TYPE", "expected_string", "kind"],
    ["an unknown kind", { kind: "ping" }, "ERR_STRUCT_INVALID_TYPE", "unknown_kind", "kind"],
  ] as const)("rejects %s", (_name, value, code, reason, path) => expectRejected(value, code, reason, path));

  describe.each(FRAME_KINDS)("%s: exact fields", (kind) => {
    it("rejects each missing field (ERR_STRUCT_MISSING_FIELD)", () => {
      for (const field of Object.keys(samples[kind]).filter((f) => f !== "kind")) {
        const value = copy(kind);
        delete value[field];
        expectRejected(value, "ERR_STRUCT_MISSING_FIELD", "missing_field", field);
      }
    });

    it("rejects an unknown field (ERR_STRUCT_INVALID_TYPE)", () => {
      expectRejected({ ...copy(kind), extra: 1 }, "ERR_STRUCT_INVALID_TYPE", "unknown_field", "extra");
    });

    it("rejects each field of the wrong JSON type (ERR_STRUCT_INVALID_TYPE)", () => {
      for (const field of Object.keys(samples[kind]).filter((f) => f !== "kind")) {
        const result = checkFrameStructure({ ...copy(kind), [field]: true });
        expect(result, field).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE", data: { path: field } } });
      }
    });
  });

  const many = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i));
  const domain = (i: number) => `app.a${String(i).padStart(3, "0")}/d`;

  it.each([
    ["challenge", "a short challenge_id", { challenge_id: b64(8) }, "ERR_STRUCT_INVALID_ENCODING", "invalid_challenge_id", "challenge_id"],
    ["challenge", "another puzzle algorithm", { algorithm: "md5" }, "ERR_STRUCT_INVALID_TYPE", "unsupported_algorithm", "algorithm"],
    ["challenge", "no work at all", { difficulty: 0 }, "ERR_STRUCT_INVALID_TYPE", "out_of_range", "difficulty"],
    ["challenge", "more work than any policy may ask", { difficulty: 33 }, "ERR_STRUCT_INVALID_TYPE", "out_of_range", "difficulty"],
    ["challenge", "a fractional difficulty", { difficulty: 1.5 }, "ERR_STRUCT_INVALID_TYPE", "expected_integer", "difficulty"],
    [
      "challenge",
      "a non-canonical expiry",
      { expires_at: "2026-11-21T10:00:30Z" },
      "ERR_STRUCT_INVALID_ENCODING",
      "invalid_timestamp",
      "expires_at",
    ],
    [
      "challenge",
      "a 31-byte context binding",
      { context_binding: b64(31) },
      "ERR_STRUCT_INVALID_ENCODING",
      "invalid_context_binding",
      "context_binding",
    ],
    ["challenge", "a padded payload", { payload: `${b64(32)}=` }, "ERR_STRUCT_INVALID_ENCODING", "invalid_payload", "payload"],
    ["solution", "an empty echoed field", { payload: "" }, "ERR_STRUCT_INVALID_ENCODING", "invalid_echo", "payload"],
    [
      "solution",
      "an echoed field of 129 characters",
      { challenge_id: "a".repeat(129) },
      "ERR_STRUCT_INVALID_ENCODING",
      "invalid_echo",
      "challenge_id",
    ],
    ["solution", "a negative counter", { counter: -1 }, "ERR_STRUCT_INVALID_TYPE", "out_of_range", "counter"],
    ["solution", "a fractional counter", { counter: 0.5 }, "ERR_STRUCT_INVALID_TYPE", "expected_integer", "counter"],
    ["admitted", "a 16-byte nonce", { nonce: b64(16) }, "ERR_STRUCT_INVALID_ENCODING", "invalid_nonce", "nonce"],
    [
      "hello",
      "a two-part version",
      { protocol_version: [1, 0] },
      "ERR_STRUCT_INVALID_TYPE",
      "invalid_protocol_version",
      "protocol_version",
    ],
    [
      "hello",
      "a negative patch",
      { protocol_version: [1, 0, -1] },
      "ERR_STRUCT_INVALID_TYPE",
      "invalid_protocol_version",
      "protocol_version[2]",
    ],
    [
      "hello",
      "a version part as text",
      { protocol_version: ["1", 0, 0] },
      "ERR_STRUCT_INVALID_TYPE",
      "invalid_protocol_version",
      "protocol_version[0]",
    ],
    ["hello", "a malformed identity", { node_identity: "ada" }, "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_identity_id", "node_identity"],
    ["hello", "a malformed key", { node_key: b64(31) }, "ERR_STRUCT_INVALID_ENCODING", "invalid_public_key", "node_key"],
    [
      "hello",
      "unsorted domains",
      { offered_domains: [...DOMAINS].reverse() },
      "ERR_STRUCT_INVALID_ENCODING",
      "domains_not_sorted",
      "offered_domains[1]",
    ],
    [
      "hello",
      "a repeated domain",
      { offered_domains: [DOMAINS[0], DOMAINS[0]] },
      "ERR_STRUCT_INVALID_ENCODING",
      "domains_not_sorted",
      "offered_domains[1]",
    ],
    [
      "hello",
      "a domain without an app",
      { offered_domains: ["messages"] },
      "ERR_STRUCT_INVALID_IDENTIFIER",
      "invalid_sync_domain",
      "offered_domains[0]",
    ],
    ["hello", "257 domains", { offered_domains: many(257, domain) }, "ERR_STRUCT_INVALID_TYPE", "too_many_domains", "offered_domains"],
    ["hello", "a malformed peer nonce", { peer_nonce: "nonce" }, "ERR_STRUCT_INVALID_ENCODING", "invalid_nonce", "peer_nonce"],
    ["hello", "a short signature", { signature: b64(32) }, "ERR_STRUCT_INVALID_ENCODING", "invalid_signature_encoding", "signature"],
    ["domains", "a domain that is not text", { accepted: [7] }, "ERR_STRUCT_INVALID_TYPE", "expected_string", "accepted[0]"],
    ["cursors", "cursors as a list", { cursors: [] }, "ERR_STRUCT_INVALID_TYPE", "expected_object", "cursors"],
    [
      "cursors",
      "a cursor for a malformed domain",
      { cursors: { "App/x": 1 } },
      "ERR_STRUCT_INVALID_IDENTIFIER",
      "invalid_sync_domain",
      "cursors.App/x",
    ],
    ["cursors", "a negative cursor", { cursors: { "app.x/y": -1 } }, "ERR_STRUCT_INVALID_TYPE", "out_of_range", "cursors.app.x/y"],
    ["progress", "a negative count", { pending: { "app.x/y": -1 } }, "ERR_STRUCT_INVALID_TYPE", "out_of_range", "pending.app.x/y"],
    ["cursors", "a fractional cursor", { cursors: { "app.x/y": 0.5 } }, "ERR_STRUCT_INVALID_TYPE", "expected_integer", "cursors.app.x/y"],
    [
      "cursors",
      "257 cursors",
      { cursors: Object.fromEntries(many(257, domain).map((d) => [d, 1])) },
      "ERR_STRUCT_INVALID_TYPE",
      "too_many_domains",
      "cursors",
    ],
    ["package", "a signed frame that is not an object", { frame: "package" }, "ERR_STRUCT_INVALID_TYPE", "expected_object", "frame"],
    [
      "package",
      "a signed frame without its range end",
      (v: Record<string, any>) => ({ frame: { ...v["frame"], to_seq: undefined } }),
      "ERR_STRUCT_MISSING_FIELD",
      "missing_field",
      "frame.to_seq",
    ],
    [
      "package",
      "a signed frame with a bad key",
      (v: Record<string, any>) => ({ frame: { ...v["frame"], sender_key: "k" } }),
      "ERR_STRUCT_INVALID_ENCODING",
      "invalid_public_key",
      "frame.sender_key",
    ],
    ["package", "an envelope that is not text", { envelopes: [{}] }, "ERR_STRUCT_INVALID_TYPE", "expected_string", "envelopes[0]"],
    ["package", "an empty envelope text", { envelopes: [""] }, "ERR_STRUCT_INVALID_ENCODING", "empty_envelope", "envelopes[0]"],
    ["package", "1,001 envelopes", { envelopes: many(1001, () => "{}") }, "ERR_STRUCT_INVALID_TYPE", "too_many_envelopes", "envelopes"],
    ["want", "no ids", { envelope_ids: [] }, "ERR_STRUCT_MISSING_FIELD", "no_ids", "envelope_ids"],
    ["want", "a malformed id", { envelope_ids: [id(1), "x"] }, "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_envelope_id", "envelope_ids[1]"],
    ["want", "an id twice", { envelope_ids: [id(1), id(2), id(1)] }, "ERR_STRUCT_INVALID_ENCODING", "duplicate_id", "envelope_ids[2]"],
    [
      "have",
      "1,001 ids",
      { envelope_ids: many(1001, (i) => toBase64url(Uint8Array.from({ length: 32 }, (_, k) => (k < 2 ? i >> (8 * k) : 0)))) },
      "ERR_STRUCT_INVALID_TYPE",
      "too_many_ids",
      "envelope_ids",
    ],
    ["have", "no envelopes field", { envelopes: undefined }, "ERR_STRUCT_MISSING_FIELD", "missing_field", "envelopes"],
    ["have", "an empty envelope text", { envelopes: [""] }, "ERR_STRUCT_INVALID_ENCODING", "empty_envelope", "envelopes[0]"],
    ["error", "a code outside the protocol registry", { code: "ERR_NOPE" }, "ERR_STRUCT_INVALID_TYPE", "unknown_error_code", "code"],
    ["error", "an interface code", { code: "network_rejected" }, "ERR_STRUCT_INVALID_TYPE", "unknown_error_code", "code"],
    [
      "error",
      "a reason that is not a snake_case word",
      { reason: "Bad reason" },
      "ERR_STRUCT_INVALID_IDENTIFIER",
      "invalid_reason",
      "reason",
    ],
    ["close", "a reason of 65 characters", { reason: "a".repeat(65) }, "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_reason", "reason"],
  ] as const)("%s: rejects %s", (kind, _name, change, code, reason, path) => {
    const original = copy(kind);
    const value = { ...original, ...(typeof change === "function" ? change(original) : change) };
    // Through JSON text, so an `undefined` member disappears as it would on the wire.
    expectRejected(JSON.parse(JSON.stringify(value)) as JsonValue, code, reason, path);
  });
});

describe("puzzle frames", () => {
  it("carry the guard's challenge to the solver and the solution back: the guard admits the connection", async () => {
    const fresh = guard.admit({ connectionId: "conn-2" });
    if (fresh.kind !== "challenge") throw new Error("expected a challenge");
    const sent = encodeFrame({ kind: "challenge", ...fresh.challenge }, { maxFrameBytes: PRE_ADMISSION_MAX_FRAME_BYTES });
    if (!sent.ok) throw new Error(sent.error.message);
    const received = decodeFrame(sent.value, { maxFrameBytes: PRE_ADMISSION_MAX_FRAME_BYTES });
    if (!received.ok || received.value.kind !== "challenge") throw new Error("challenge did not decode");
    const { kind: _kind, ...challenge } = received.value;
    const solved = await guard.solve(challenge);
    if (!solved.ok) throw new Error(solved.error.message);
    const answer = encodeFrame({ kind: "solution", ...solved.value });
    if (!answer.ok) throw new Error(answer.error.message);
    const decoded = decodeFrame(answer.value);
    if (!decoded.ok || decoded.value.kind !== "solution") throw new Error("solution did not decode");
    const { kind: _k, ...solution } = decoded.value;
    expect(guard.verify({ connectionId: "conn-2" }, solution)).toMatchObject({ ok: true, value: { connectionId: "conn-2" } });
  });

  it("leave a wrong echo to the guard, which names it (ERR_RESOURCE_PUZZLE_FAILED)", () => {
    const frame = { ...copy("solution"), algorithm: "sha1-leading-zero-bits" };
    const decoded = decodeFrame(utf8(JSON.stringify(frame)));
    if (!decoded.ok) throw new Error(decoded.error.message);
    const { kind: _kind, ...solution } = decoded.value as Record<string, unknown>;
    expect(guard.verify(CONNECTION, solution)).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_PUZZLE_FAILED", data: { reason: "algorithm_mismatch" } },
    });
  });
});

describe("frame sizes", () => {
  it("refuses a 10 MiB frame unread (ERR_RESOURCE_RATE_LIMIT)", () => {
    // Not UTF-8 and not JSON: a decoder that read it would say ERR_STRUCT_INVALID_ENCODING.
    const huge = new Uint8Array(10 * 1_048_576).fill(0xff);
    const result = decodeFrame(huge);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", category: "dos", data: { reason: "frame_too_large", size: huge.length, limit: 1_048_576 } },
    });
  });

  it("accepts a frame of exactly the limit and refuses one byte more", () => {
    const encoded = encodeFrame(samples.package);
    if (!encoded.ok) throw new Error(encoded.error.message);
    const size = encoded.value.length;
    expect(decodeFrame(encoded.value, { maxFrameBytes: size }).ok).toBe(true);
    expect(decodeFrame(encoded.value, { maxFrameBytes: size - 1 })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large" } },
    });
    expect(encodeFrame(samples.package, { maxFrameBytes: size - 1 })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large", size } },
    });
  });

  it("keeps pre-admission frames small, and a package frame does not fit", () => {
    for (const kind of ["challenge", "solution", "admitted", "error", "close"] as const) {
      const encoded = encodeFrame(samples[kind], { maxFrameBytes: PRE_ADMISSION_MAX_FRAME_BYTES });
      expect(encoded.ok, kind).toBe(true);
    }
    const big = {
      ...samples.package,
      envelopes: [envelope.text, envelope.text, envelope.text, envelope.text, envelope.text, envelope.text, envelope.text, envelope.text],
    } as SessionFrame;
    expect(encodeFrame(big, { maxFrameBytes: PRE_ADMISSION_MAX_FRAME_BYTES })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT" },
    });
  });

  it("refuses to encode a frame a receiver would reject, or one without a canonical form", () => {
    expect(encodeFrame({ ...samples.close, extra: 1 } as unknown as SessionFrame)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "unknown_field" } },
    });
    expect(encodeFrame({ ...samples.package, envelopes: ["\ud800"] } as SessionFrame)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "lone_surrogate" } },
    });
  });
});

describe("hello", () => {
  const verifyAsBob = (value: unknown, extra: { localVersion?: ProtocolVersion; expectedNonce?: string } = {}) =>
    verifyHello(value as JsonValue, { expectedPeerNonce: nonceB, ...extra });

  async function helloFor(signer: Signer, fields: Partial<Parameters<typeof buildHello>[1]> = {}): Promise<HelloFrame> {
    const built = await buildHello(signer, { offeredDomains: DOMAINS, nonce: nonceA, peerNonce: nonceB, ...fields });
    if (!built.ok) throw new Error(built.error.message);
    return built.value;
  }

  /** Re-signs a changed hello with `signer`, as a peer that chose those fields would. */
  async function resign(signer: Signer, value: Record<string, any>): Promise<Record<string, any>> {
    const { signature: _s, ...unsigned } = value;
    return { ...unsigned, signature: toBase64url(await signer.sign(utf8(canonicalize(unsigned)))) };
  }

  it("verifies a hello through the codec, with the effective version and the root-key flag", async () => {
    const encoded = encodeFrame(hello);
    if (!encoded.ok) throw new Error(encoded.error.message);
    const decoded = decodeFrame(encoded.value);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const result = await verifyAsBob(decoded.value, { expectedNonce: nonceA });
    expect(result).toEqual({ ok: true, value: { hello, effectiveVersion: [2, 1], rootKey: true } });
    expect(hello).toMatchObject({
      node_identity: identityIdFromKey(alice.publicKey),
      node_key: toBase64url(alice.publicKey),
      protocol_version: [...PROTOCOL_VERSION],
    });
    expect(PROTOCOL_VERSION).toEqual([2, 1, 0]); // wire profile v2 (DESIGN §3); 2.1 adds deflated frames (ADR 0035)
  });

  it("sorts and deduplicates offered domains; a device key is flagged for a binding lookup", async () => {
    const device = await helloFor(bob, {
      offeredDomains: [DOMAINS[1]!, DOMAINS[0]!, DOMAINS[1]!],
      nodeIdentity: identityIdFromKey(alice.publicKey),
    });
    expect(device.offered_domains).toEqual(DOMAINS);
    expect(await verifyAsBob(device)).toMatchObject({ ok: true, value: { rootKey: false } });
  });

  it("refuses to build a hello a verifier would reject", async () => {
    expect(await buildHello(alice, { offeredDomains: ["nope"], nonce: nonceA, peerNonce: nonceB })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_IDENTIFIER" },
    });
    expect(await buildHello(alice, { offeredDomains: [], nonce: "short", peerNonce: nonceB })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "invalid_nonce" } },
    });
    expect(await buildHello(alice, { offeredDomains: [], nonce: nonceA, peerNonce: nonceA })).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "reflected_nonce" } },
    });
  });

  it("rejects a field changed after signing (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const changed = { ...hello, offered_domains: [DOMAINS[0]] };
    expect(await verifyAsBob(changed)).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { path: "signature" } },
    });
  });

  it("rejects a flipped signature bit and another node's key (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const signature = fromBase64url(hello.signature)!;
    signature[5]! ^= 0x01;
    expect(await verifyAsBob({ ...hello, signature: toBase64url(signature) })).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" },
    });
    expect(await verifyAsBob({ ...hello, node_key: toBase64url(bob.publicKey) })).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" },
    });
  });

  it("rejects a hello replayed into another session (ERR_CRYPTO_INVALID_SIGNATURE, nonce_mismatch)", async () => {
    // Bob's next session has a fresh nonce; alice's old hello names the old one.
    const result = await verifyHello(hello, { expectedPeerNonce: b64(32, 0xc3) });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "nonce_mismatch", path: "peer_nonce" } },
    });
  });

  it("rejects a relay splicing a hello into its own session: rewriting the nonce breaks the signature", async () => {
    const relayNonce = b64(32, 0xd4);
    const spliced = { ...hello, peer_nonce: relayNonce };
    const result = await verifyHello(spliced, { expectedPeerNonce: relayNonce });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { path: "signature" } } });
  });

  it("rejects a hello whose own nonce is not the one its sender announced (nonce_mismatch)", async () => {
    expect(await verifyAsBob(hello, { expectedNonce: b64(32, 0xe5) })).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "nonce_mismatch", path: "nonce" } },
    });
  });

  it("rejects a reflected hello: one's own hello sent back, or one nonce for both sides", async () => {
    // Alice receives her own hello: it names bob's nonce as the peer nonce, not hers.
    expect(await verifyHello(hello as unknown as JsonValue, { expectedPeerNonce: nonceA })).toMatchObject({
      ok: false,
      error: { data: { reason: "nonce_mismatch" } },
    });
    const same = await resign(alice, { ...hello, nonce: nonceB, peer_nonce: nonceB });
    expect(await verifyAsBob(same)).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "reflected_nonce" } },
    });
  });

  it("rejects a frame of another kind and a malformed hello with a structural code", async () => {
    expect(await verifyAsBob(samples.close)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "unexpected_kind" } },
    });
    expect(await verifyAsBob({ ...hello, extra: 1 })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "unknown_field" } },
    });
  });

  describe("version rules (public design 01-protocol/11)", () => {
    it.each([
      ["an equal version", [1, 0, 0], [1, 0, 0], [1, 0]],
      ["another patch, either way", [1, 0, 3], [1, 0, 9], [1, 0]],
      ["an older minor", [1, 2, 0], [1, 1, 5], [1, 1]],
    ] as const)("accepts %s: effective version is the remote minor", (_name, local, remote, effective) => {
      expect(checkProtocolCompatibility(local, remote)).toEqual({ ok: true, value: effective });
    });

    it.each([
      ["a newer major", [1, 0, 0], [2, 0, 0], "protocol_major_mismatch"],
      ["an older major", [1, 0, 0], [0, 9, 0], "protocol_major_mismatch"],
      ["a newer minor", [1, 1, 0], [1, 2, 0], "protocol_minor_unsupported"],
    ] as const)("rejects %s (ERR_STRUCT_INVALID_TYPE)", (_name, local, remote, reason) => {
      expect(checkProtocolCompatibility(local, remote)).toMatchObject({
        ok: false,
        error: {
          code: "ERR_STRUCT_INVALID_TYPE",
          data: { reason, path: "protocol_version", local: local.join("."), remote: remote.join(".") },
        },
      });
    });

    it("is asymmetric between minors: the 1.2 node accepts the 1.1 hello, the 1.1 node refuses the 1.2 hello", async () => {
      const older = await helloFor(alice, { protocolVersion: [1, 1, 0] });
      const newer = await resign(bob, { ...(await helloFor(bob, { protocolVersion: [1, 2, 0] })), nonce: nonceB, peer_nonce: nonceA });
      expect(await verifyAsBob(older, { localVersion: [1, 2, 0] })).toMatchObject({ ok: true, value: { effectiveVersion: [1, 1] } });
      expect(await verifyHello(newer as JsonValue, { expectedPeerNonce: nonceA, localVersion: [1, 1, 0] })).toMatchObject({
        ok: false,
        error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "protocol_minor_unsupported" } },
      });
    });

    it.each([
      ["a v1 peer", [1, 0, 0]],
      ["a newer major", [3, 0, 0]],
    ] as const)("rejects a major mismatch before any signature work: %s against our 2.0.0", async (_name, remote) => {
      expect(remote[0]).not.toBe(PROTOCOL_VERSION[0]);
      const forged = { ...(await helloFor(alice, { protocolVersion: remote })), signature: b64(64, 0) };
      expect(await verifyAsBob(forged)).toMatchObject({
        ok: false,
        error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "protocol_major_mismatch" } },
      });
    });
  });

  it("lets two nodes exchange admitted and hello over a loopback and verify each other", async () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const nodes = [
      { transport: pair[0], signer: alice, nonce: newSessionNonce(seededRandom(1)), inbox: [] as SessionFrame[] },
      { transport: pair[1], signer: bob, nonce: newSessionNonce(seededRandom(2)), inbox: [] as SessionFrame[] },
    ];
    const send = (t: Transport, frame: SessionFrame) => {
      const bytes = encodeFrame(frame);
      if (!bytes.ok) throw new Error(bytes.error.message);
      expect(t.send(bytes.value).ok).toBe(true);
    };
    for (const node of nodes) {
      node.transport.onMessage((m) => {
        const frame = decodeFrame(m);
        if (frame.ok) node.inbox.push(frame.value);
      });
      send(node.transport, { kind: "admitted", nonce: node.nonce });
    }
    pair.flush();
    for (const node of nodes) {
      const admitted = node.inbox.shift();
      if (admitted?.kind !== "admitted") throw new Error(formatFrameTrace(pair.trace()));
      const built = await buildHello(node.signer, { offeredDomains: DOMAINS, nonce: node.nonce, peerNonce: admitted.nonce });
      if (!built.ok) throw new Error(built.error.message);
      send(node.transport, built.value);
    }
    pair.flush();
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const atA = await verifyHello(a.inbox[0] as JsonValue, { expectedPeerNonce: a.nonce, expectedNonce: b.nonce });
    const atB = await verifyHello(b.inbox[0] as JsonValue, { expectedPeerNonce: b.nonce, expectedNonce: a.nonce });
    const trace = formatFrameTrace(pair.trace());
    expect(atA, trace).toMatchObject({ ok: true, value: { hello: { node_key: toBase64url(bob.publicKey) } } });
    expect(atB, trace).toMatchObject({ ok: true, value: { hello: { node_key: toBase64url(alice.publicKey) } } });
    expect(trace.split("\n").map((line) => line.replace(/^.* B delivered /, "").split(" ")[0])).toEqual([
      "admitted",
      "admitted",
      "hello",
      "hello",
    ]);
  });

  it("draws session nonces from the injected randomness", () => {
    const first = newSessionNonce(seededRandom(9));
    expect(first).toBe(newSessionNonce(seededRandom(9)));
    expect(fromBase64url(first)).toHaveLength(32);
    expect(newSessionNonce()).not.toBe(newSessionNonce());
  });
});
