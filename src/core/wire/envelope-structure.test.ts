// AC-04 envelope integrity: every structural rejection path of wire profile v2 has a negative test,
// each breaking exactly one rule of an otherwise valid, signed envelope (or of its stub).
import { beforeAll, describe, expect, it } from "vitest";
import { toBase64url } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { validateEnvelope, validateEnvelopeValue, validateLink, validateLinkValue } from "./envelope.ts";
import {
  build,
  genesisDraft,
  messageDraft,
  mutableCopy,
  reseal,
  stubValue,
  testIdentity,
  type TestIdentity,
} from "./test-support/fixtures.ts";
import type { VerifiedEnvelope } from "./types.ts";

let ada: TestIdentity;
let bob: TestIdentity;
let genesis: VerifiedEnvelope;
let message: VerifiedEnvelope;

beforeAll(async () => {
  ada = await testIdentity(1);
  bob = await testIdentity(2);
  genesis = await build(ada.signer, genesisDraft());
  message = await build(ada.signer, messageDraft(genesis.id));
});

type Mutation = (e: Record<string, any>) => unknown;
type Case = readonly [name: string, mutate: Mutation, code: string, reason: string];

const fakeId = (byte: number) => toBase64url(new Uint8Array(32).fill(byte));
const op = (i: number) => (e: Record<string, any>) => e.content.ops[i];

const cases: readonly Case[] = [
  ["a non-object envelope", () => [], "ERR_STRUCT_INVALID_TYPE", "expected_object"],
  ...["envelope_type", "envelope_version", "author_id", "author_key", "seq", "prev", "lamport", "content_digest", "signature"].map(
    (f): Case => [`a missing ${f}`, (e) => (delete e[f], e), "ERR_STRUCT_MISSING_FIELD", "missing_field"],
  ),
  ...["app", "domain", "trace_id", "deps", "created_at", "ops"].map((f): Case => [
    `a missing content.${f}`,
    (e) => (delete e.content[f], e),
    "ERR_STRUCT_MISSING_FIELD",
    "missing_field",
  ]),
  [
    "a missing content (a stub, where a full envelope is required)",
    (e) => (delete e.content, e),
    "ERR_STRUCT_MISSING_FIELD",
    "missing_field",
  ],
  ["an unknown top-level field", (e) => ({ ...e, extra: 1 }), "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
  ["a nested envelope field", (e) => ({ ...e, envelope: { ...e } }), "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
  ["an unknown envelope_type", (e) => ({ ...e, envelope_type: "sync_package" }), "ERR_STRUCT_INVALID_TYPE", "unsupported_envelope_type"],
  ["envelope_version 1 (profile v1)", (e) => ({ ...e, envelope_version: 1 }), "ERR_STRUCT_INVALID_TYPE", "unsupported_version"],
  ["envelope_version 3", (e) => ({ ...e, envelope_version: 3 }), "ERR_STRUCT_INVALID_TYPE", "unsupported_version"],
  ["a string envelope_version", (e) => ({ ...e, envelope_version: "2" }), "ERR_STRUCT_INVALID_TYPE", "expected_integer"],
  ["a malformed author_id", (e) => ({ ...e, author_id: "ada" }), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_identity_id"],
  ["a numeric author_id", (e) => ({ ...e, author_id: 7 }), "ERR_STRUCT_INVALID_TYPE", "expected_string"],
  [
    "a 31-byte author_key",
    (e) => ({ ...e, author_key: toBase64url(new Uint8Array(31)) }),
    "ERR_STRUCT_INVALID_ENCODING",
    "invalid_public_key",
  ],
  ["a padded author_key", (e) => ({ ...e, author_key: `${e.author_key}=` }), "ERR_STRUCT_INVALID_ENCODING", "invalid_public_key"],
  [
    "a 63-byte signature",
    (e) => ({ ...e, signature: toBase64url(new Uint8Array(63)) }),
    "ERR_STRUCT_INVALID_ENCODING",
    "invalid_signature_encoding",
  ],
  [
    "a standard-base64 signature",
    (e) => ({ ...e, signature: e.signature.replaceAll("-", "+").replaceAll("_", "/") + "A" }),
    "ERR_STRUCT_INVALID_ENCODING",
    "invalid_signature_encoding",
  ],
  ["a numeric content_digest", (e) => ({ ...e, content_digest: 7 }), "ERR_STRUCT_INVALID_TYPE", "expected_string"],
  [
    "a 31-byte content_digest",
    (e) => ({ ...e, content_digest: toBase64url(new Uint8Array(31)) }),
    "ERR_STRUCT_INVALID_ENCODING",
    "invalid_digest_encoding",
  ],
  [
    "a padded content_digest",
    (e) => ({ ...e, content_digest: `${e.content_digest}=` }),
    "ERR_STRUCT_INVALID_ENCODING",
    "invalid_digest_encoding",
  ],
  ["a hex content_digest", (e) => ({ ...e, content_digest: "ab".repeat(32) }), "ERR_STRUCT_INVALID_ENCODING", "invalid_digest_encoding"],
  ["content that is an array", (e) => ({ ...e, content: [] }), "ERR_STRUCT_INVALID_TYPE", "expected_object"],
  ["a null content", (e) => ({ ...e, content: null }), "ERR_STRUCT_INVALID_TYPE", "expected_object"],
  ["a v1 payload beside the content", (e) => ({ ...e, payload: e.content }), "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
  ["a client-supplied global_seq", (e) => ((e.content.global_seq = 4), e), "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
  ...["seq", "prev", "lamport", "content_digest"].map((f): Case => [
    `a link field repeated in the content (${f})`,
    (e) => ((e.content[f] = e[f]), e),
    "ERR_STRUCT_INVALID_TYPE",
    "unknown_field",
  ]),
  ["an app at the top level", (e) => ({ ...e, app: e.content.app }), "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
  ["an upper-case app", (e) => ((e.content.app = "App.Messaging"), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_name"],
  ["an over-long app", (e) => ((e.content.app = "a".repeat(65)), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_name"],
  ["a hyphenated domain", (e) => ((e.content.domain = "my-messages"), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_name"],
  ["an empty trace_id", (e) => ((e.content.trace_id = ""), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_trace_id"],
  ["a trace_id with spaces", (e) => ((e.content.trace_id = "a b"), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_trace_id"],
  ["seq 0", (e) => ((e.seq = 0), e), "ERR_STRUCT_INVALID_TYPE", "out_of_range"],
  ["a fractional seq", (e) => ((e.seq = 2.5), e), "ERR_STRUCT_INVALID_TYPE", "expected_integer"],
  ["an unsafe seq", (e) => ((e.seq = 2 ** 53), e), "ERR_STRUCT_INVALID_ENCODING", "unsafe_integer"],
  ["a malformed prev", (e) => ((e.prev = "prev"), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_envelope_id"],
  ["a null prev after seq 1", (e) => ((e.prev = null), e), "ERR_STRUCT_INVALID_IDENTIFIER", "prev_seq_mismatch"],
  ["a prev at seq 1", (e) => ((e.seq = 1), e), "ERR_STRUCT_INVALID_IDENTIFIER", "prev_seq_mismatch"],
  ["deps that are not an array", (e) => ((e.content.deps = fakeId(1)), e), "ERR_STRUCT_INVALID_TYPE", "expected_array"],
  ["a malformed dep", (e) => ((e.content.deps = ["x"]), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_envelope_id"],
  ["unsorted deps", (e) => ((e.content.deps = [fakeId(9), fakeId(3)]), e), "ERR_STRUCT_INVALID_ENCODING", "deps_not_sorted"],
  ["a duplicated dep", (e) => ((e.content.deps = [fakeId(3), fakeId(3)]), e), "ERR_STRUCT_INVALID_ENCODING", "deps_not_sorted"],
  [
    "65 deps",
    (e) => ((e.content.deps = Array.from({ length: 65 }, (_, i) => fakeId(i + 1)).sort()), e),
    "ERR_STRUCT_INVALID_TYPE",
    "too_many_deps",
  ],
  ["a negative lamport", (e) => ((e.lamport = -1), e), "ERR_STRUCT_INVALID_TYPE", "out_of_range"],
  ["lamport 0 with a prev", (e) => ((e.lamport = 0), e), "ERR_STRUCT_INVALID_TYPE", "lamport_inconsistent"],
  [
    "a timestamp without milliseconds",
    (e) => ((e.content.created_at = "2026-11-21T10:00:00Z"), e),
    "ERR_STRUCT_INVALID_ENCODING",
    "invalid_timestamp",
  ],
  [
    "a timestamp with an offset",
    (e) => ((e.content.created_at = "2026-11-21T10:00:00.000+01:00"), e),
    "ERR_STRUCT_INVALID_ENCODING",
    "invalid_timestamp",
  ],
  [
    "an impossible date",
    (e) => ((e.content.created_at = "2026-02-30T10:00:00.000Z"), e),
    "ERR_STRUCT_INVALID_ENCODING",
    "invalid_timestamp",
  ],
  ["ops that are an object", (e) => ((e.content.ops = {}), e), "ERR_STRUCT_INVALID_TYPE", "expected_array"],
  ["no ops", (e) => ((e.content.ops = []), e), "ERR_STRUCT_MISSING_FIELD", "no_ops"],
  ["257 ops", (e) => ((e.content.ops = Array.from({ length: 257 }, () => e.content.ops[0])), e), "ERR_STRUCT_INVALID_TYPE", "too_many_ops"],
  ["an op that is a string", (e) => ((e.content.ops[0] = "parent_create"), e), "ERR_STRUCT_INVALID_TYPE", "expected_object"],
  ["an op without type_key", (e) => (delete op(0)(e).type_key, e), "ERR_STRUCT_MISSING_FIELD", "missing_field"],
  ...["app_id", "type_id", "global_seq", "sync_flags", "acl"].map((f): Case => [
    `an op with ${f}`,
    (e) => ((op(0)(e)[f] = 1), e),
    "ERR_STRUCT_INVALID_TYPE",
    "unknown_field",
  ]),
  ["a delete op", (e) => ((op(0)(e).op = "parent_delete"), e), "ERR_STRUCT_INVALID_TYPE", "unknown_op"],
  ["a type_key without a namespace", (e) => ((op(0)(e).type_key = "thread"), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_name"],
  ["a malformed owner_identity", (e) => ((op(0)(e).owner_identity = "me"), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_identity_id"],
  ["an owner other than the author", (e) => ((op(1)(e).owner_identity = bob.id), e), "ERR_STRUCT_INVALID_IDENTIFIER", "owner_not_author"],
  ["a parent_create naming a parent_id", (e) => ((op(0)(e).payload.parent_id = "@0"), e), "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
  ["a parent value that is an array", (e) => ((op(0)(e).payload.value = []), e), "ERR_STRUCT_INVALID_TYPE", "expected_object"],
  ["a parent_update without parent_id", (e) => (delete op(5)(e).payload.parent_id, e), "ERR_STRUCT_MISSING_FIELD", "missing_field"],
  ["an attr_create without value", (e) => (delete op(2)(e).payload.value, e), "ERR_STRUCT_MISSING_FIELD", "missing_field"],
  ["an edge without a destination", (e) => (delete op(3)(e).payload.dst_parent_id, e), "ERR_STRUCT_MISSING_FIELD", "missing_target"],
  ["an edge with two destinations", (e) => ((op(3)(e).payload.dst_attr_id = "@2"), e), "ERR_STRUCT_INVALID_TYPE", "ambiguous_target"],
  ["an edge value that is a number", (e) => ((op(3)(e).payload.value = 1), e), "ERR_STRUCT_INVALID_TYPE", "expected_object"],
  ["a rating without a target", (e) => (delete op(4)(e).payload.target_attr_id, e), "ERR_STRUCT_MISSING_FIELD", "missing_target"],
  ["a rating with two targets", (e) => ((op(4)(e).payload.target_parent_id = "@0"), e), "ERR_STRUCT_INVALID_TYPE", "ambiguous_target"],
  ["an update without its target id", (e) => (delete op(8)(e).payload.rating_id, e), "ERR_STRUCT_MISSING_FIELD", "missing_field"],
  [
    "a malformed object reference",
    (e) => ((op(2)(e).payload.parent_id = "parent-1"), e),
    "ERR_STRUCT_INVALID_IDENTIFIER",
    "invalid_object_ref",
  ],
  [
    "an object index with a leading zero",
    (e) => ((op(2)(e).payload.parent_id = `${fakeId(4)}:01`), e),
    "ERR_STRUCT_INVALID_IDENTIFIER",
    "invalid_object_ref",
  ],
  ["a forward local reference", (e) => ((op(2)(e).payload.parent_id = "@3"), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_local_ref"],
  ["a self reference", (e) => ((op(2)(e).payload.parent_id = "@2"), e), "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_local_ref"],
  [
    "a local reference to the wrong object kind",
    (e) => ((op(4)(e).payload.target_attr_id = "@3"), e),
    "ERR_STRUCT_INVALID_IDENTIFIER",
    "invalid_local_ref",
  ],
  ["an op over 64 KiB", (e) => ((op(0)(e).payload.value = { text: "x".repeat(70_000) }), e), "ERR_STRUCT_INVALID_ENCODING", "op_too_large"],
  [
    "an identity genesis that is not op 0",
    (e) => ((op(1)(e).type_key = "system.identity"), e),
    "ERR_STRUCT_INVALID_TYPE",
    "misplaced_identity_genesis",
  ],
  [
    "an identity genesis outside the system app",
    (e) => ((op(0)(e).type_key = "system.identity"), e),
    "ERR_STRUCT_INVALID_TYPE",
    "misplaced_identity_genesis",
  ],
  ["an identity update", (e) => ((op(5)(e).type_key = "system.identity"), e), "ERR_STRUCT_INVALID_TYPE", "misplaced_identity_genesis"],
];

describe("envelope structure (AC-04)", () => {
  it.each(cases)("rejects %s", async (_name, mutate, code, reason) => {
    const result = await validateEnvelopeValue(mutate(mutableCopy(message)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code, category: "structural", data: { reason } });
    expect(result.error.message).toMatch(/\S/);
  });

  it("accepts the unmodified envelope, so each case above fails for its one change", async () => {
    const result = await validateEnvelopeValue(mutableCopy(message));
    expect(result.ok).toBe(true);
  });

  it.each([
    ["seq", (e: Record<string, any>) => ((e.seq = 0), e)],
    ["prev", (e: Record<string, any>) => ((e.prev = "prev"), e)],
    ["lamport", (e: Record<string, any>) => ((e.lamport = -1), e)],
    ["content_digest", (e: Record<string, any>) => ((e.content_digest = "x"), e)],
    ["content.app", (e: Record<string, any>) => ((e.content.app = "App"), e)],
    ["content.deps[0]", (e: Record<string, any>) => ((e.content.deps = ["x"]), e)],
    ["content.ops[2].payload.parent_id", (e: Record<string, any>) => ((op(2)(e).payload.parent_id = "@3"), e)],
  ])("reports the violation at path %s: link fields at the top level, the rest under content", async (path, mutate) => {
    const result = await validateEnvelopeValue(mutate(mutableCopy(message)));
    expect(result).toMatchObject({ ok: false, error: { category: "structural", data: { path } } });
  });

  it("accepts deps that include prev (the dep_is_prev rule is gone: deps list all it relies on)", async () => {
    const e = mutableCopy(message);
    e.content.deps = [e.prev];
    const result = await validateEnvelopeValue(await reseal(ada.signer, e));
    expect(result).toMatchObject({ ok: true, value: { kind: "full" } });
    expect(result.ok && result.value.envelope.content.deps).toEqual([genesis.id]);
  });

  it("builds an envelope whose deps include its prev", async () => {
    const built = await build(ada.signer, messageDraft(genesis.id, 2, [genesis.id]));
    expect(built.envelope.content.deps).toEqual([built.envelope.prev]);
    expect((await validateEnvelope(built.text)).ok).toBe(true);
  });

  it("rejects a v1-shaped envelope (envelope_version 1, payload layout) as unsupported_version (ERR_STRUCT_INVALID_TYPE)", async () => {
    const { seq, prev, lamport, content_digest: _digest, content, ...rest } = mutableCopy(message);
    const v1 = { ...rest, envelope_version: 1, payload: { ...content, seq, prev, lamport } };
    for (const result of [await validateEnvelopeValue(v1), await validateLinkValue(v1), await validateLink(canonicalize(v1))]) {
      expect(result).toMatchObject({
        ok: false,
        error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "unsupported_version", path: "envelope_version" } },
      });
    }
  });

  it("rejects an identity genesis at a later seq (ERR_STRUCT_INVALID_TYPE)", async () => {
    const e = mutableCopy(genesis);
    Object.assign(e, { seq: 2, prev: message.id, lamport: 1 });
    const result = await validateEnvelopeValue(e);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "misplaced_identity_genesis" } } });
  });

  it("rejects lamport > 0 with no prev and no deps (ERR_STRUCT_INVALID_TYPE)", async () => {
    const e = mutableCopy(genesis);
    e.lamport = 3;
    const result = await validateEnvelopeValue(e);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "lamport_inconsistent" } } });
  });

  it("rejects an envelope over the size limit before any crypto (ERR_STRUCT_INVALID_ENCODING)", async () => {
    const e = mutableCopy(message);
    for (let i = 0; i < 5; i++) e.content.ops.push({ ...op(0)(e), payload: { value: { text: "y".repeat(60_000) } } });
    const result = await validateEnvelopeValue(e);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "too_large" } } });
  });

  it("rejects over-deep values (ERR_STRUCT_INVALID_ENCODING)", async () => {
    const e = mutableCopy(message);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    op(0)(e).payload.value = { deep };
    const result = await validateEnvelopeValue(e);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "too_deep" } } });
  });

  it("rejects values that are not JSON (ERR_STRUCT_INVALID_ENCODING)", async () => {
    const e = mutableCopy(message);
    op(0)(e).payload.value = { at: new Date(0) };
    const result = await validateEnvelopeValue(e);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING" } });
  });

  it("reports a structural violation before a bad signature (DESIGN D6 precedence)", async () => {
    const e = mutableCopy(message);
    e.signature = toBase64url(new Uint8Array(64).fill(7));
    e.content.domain = "Bad Domain";
    const result = await validateEnvelopeValue(e);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_IDENTIFIER" } });
  });

  it("does not depend on the caller keeping its object unchanged: the verified envelope is a frozen copy", async () => {
    const e = mutableCopy(message);
    const result = await validateEnvelopeValue(e);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    e.content.ops[0].payload.value.title = "changed after validation";
    expect(result.value.envelope.content.ops[0]!.payload).toEqual({ value: { title: "Plans" } });
    expect(Object.isFrozen(result.value.envelope.content.ops[0])).toBe(true);
  });
});

describe("stubs: an envelope without its content (AC-04, DESIGN §3)", () => {
  it("validates a stub with validateLink and validateLinkValue, with the id of its full envelope", async () => {
    const stub = stubValue(message);
    for (const result of [await validateLink(canonicalize(stub)), await validateLinkValue(stub)]) {
      expect(result).toMatchObject({ ok: true, value: { kind: "stub", id: message.id, keyRole: "root", text: canonicalize(stub) } });
      expect(result.ok && result.value.envelope).toEqual(stub);
      expect(result.ok && result.value.signedBytes).toEqual(message.signedBytes);
    }
  });

  it("validates a full envelope with validateLink too, as kind full", async () => {
    expect(await validateLink(message.text)).toMatchObject({ ok: true, value: { kind: "full", id: message.id } });
  });

  it("refuses a stub where a full envelope is required (ERR_STRUCT_MISSING_FIELD at content)", async () => {
    const stub = stubValue(message);
    for (const result of [await validateEnvelope(canonicalize(stub)), await validateEnvelopeValue(stub)]) {
      expect(result).toMatchObject({
        ok: false,
        error: { code: "ERR_STRUCT_MISSING_FIELD", category: "structural", data: { reason: "missing_field", path: "content" } },
      });
    }
  });

  it("refuses a stub that is not in canonical form (ERR_STRUCT_INVALID_ENCODING)", async () => {
    const text = JSON.stringify(Object.fromEntries(Object.entries(stubValue(message)).reverse()));
    expect(await validateLink(text)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "not_canonical" } },
    });
  });

  const stubCases: readonly (readonly [name: string, mutate: Mutation, code: string, reason: string, path: string])[] = [
    ["an unknown extra field", (e) => ({ ...e, extra: 1 }), "ERR_STRUCT_INVALID_TYPE", "unknown_field", "extra"],
    ["a leaked app", (e) => ({ ...e, app: "app.messaging" }), "ERR_STRUCT_INVALID_TYPE", "unknown_field", "app"],
    ["leaked deps", (e) => ({ ...e, deps: [fakeId(3)] }), "ERR_STRUCT_INVALID_TYPE", "unknown_field", "deps"],
    ["a leaked ops list", (e) => ({ ...e, ops: [] }), "ERR_STRUCT_INVALID_TYPE", "unknown_field", "ops"],
    ["a v1 payload", (e) => ({ ...e, payload: {} }), "ERR_STRUCT_INVALID_TYPE", "unknown_field", "payload"],
    ["envelope_version 1", (e) => ({ ...e, envelope_version: 1 }), "ERR_STRUCT_INVALID_TYPE", "unsupported_version", "envelope_version"],
    ["lamport 0 with a prev", (e) => ({ ...e, lamport: 0 }), "ERR_STRUCT_INVALID_TYPE", "lamport_inconsistent", "lamport"],
    ["a prev at seq 1", (e) => ({ ...e, seq: 1 }), "ERR_STRUCT_INVALID_IDENTIFIER", "prev_seq_mismatch", "prev"],
    [
      "a malformed content_digest",
      (e) => ({ ...e, content_digest: "not a digest" }),
      "ERR_STRUCT_INVALID_ENCODING",
      "invalid_digest_encoding",
      "content_digest",
    ],
    [
      "a 33-byte content_digest",
      (e) => ({ ...e, content_digest: toBase64url(new Uint8Array(33)) }),
      "ERR_STRUCT_INVALID_ENCODING",
      "invalid_digest_encoding",
      "content_digest",
    ],
    ...["seq", "prev", "lamport", "content_digest", "signature"].map(
      (f) => [`a missing ${f}`, (e: Record<string, any>) => (delete e[f], e), "ERR_STRUCT_MISSING_FIELD", "missing_field", f] as const,
    ),
  ];

  it.each(stubCases)("rejects a stub with %s", async (_name, mutate, code, reason, path) => {
    // Re-sealed, so the one broken rule is not the signature.
    const mutant = mutate(stubValue(message)) as Record<string, any>;
    const sealed = Object.hasOwn(mutant, "signature") ? await reseal(ada.signer, mutant) : mutant;
    for (const result of [await validateLinkValue(sealed), await validateLink(canonicalize(sealed))]) {
      expect(result).toMatchObject({ ok: false, error: { code, category: "structural", data: { reason, path } } });
    }
  });

  it("accepts a stub with lamport > 0 and no prev: its deps are hidden, so only its full form is checked for that", async () => {
    const stub = await reseal(ada.signer, { ...stubValue(genesis), lamport: 3 });
    expect(await validateLinkValue(stub)).toMatchObject({ ok: true, value: { kind: "stub" } });
    const full = await reseal(ada.signer, { ...mutableCopy(genesis), lamport: 3 });
    expect(await validateEnvelopeValue(full)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "lamport_inconsistent", path: "lamport" } },
    });
  });
});

describe("envelope text on the wire (AC-04)", () => {
  it("accepts the canonical text and bytes", async () => {
    for (const input of [message.text, new TextEncoder().encode(message.text)]) {
      const result = await validateEnvelope(input);
      expect(result.ok && result.value.id).toBe(message.id);
    }
  });

  it.each([
    ["whitespace", (t: string) => t.replace(",", ", ")],
    ["reordered keys", (t: string) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(t) as object).reverse()))],
    ["an escaped letter", (t: string) => t.replace('"graph_message"', '"gr\\u0061ph_message"')],
    ["a trailing newline", (t: string) => `${t}\n`],
  ])("rejects non-canonical text: %s (ERR_STRUCT_INVALID_ENCODING)", async (_name, change) => {
    const result = await validateEnvelope(change(message.text));
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "not_canonical" } } });
  });

  it("rejects duplicate keys (ERR_STRUCT_INVALID_ENCODING)", async () => {
    const text = message.text.replace('{"author_id":', `{"author_id":"${message.envelope.author_id}","author_id":`);
    expect(text).not.toBe(message.text);
    const result = await validateEnvelope(text);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "duplicate_key" } } });
  });

  it("rejects malformed UTF-8 (ERR_STRUCT_INVALID_ENCODING)", async () => {
    const bytes = new TextEncoder().encode(message.text);
    bytes[bytes.indexOf(0x68 /* h */)] = 0xff;
    const result = await validateEnvelope(bytes);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "invalid_utf8" } } });
  });

  it("rejects text over the envelope size limit before parsing (ERR_STRUCT_INVALID_ENCODING)", async () => {
    const result = await validateEnvelope(" ".repeat(300_000));
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "too_large" } } });
  });

  it("rejects text that is not JSON (ERR_STRUCT_INVALID_ENCODING)", async () => {
    const result = await validateEnvelope(message.text.slice(0, -1));
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "syntax" } } });
  });
});
