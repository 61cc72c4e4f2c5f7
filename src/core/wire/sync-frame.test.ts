// Sync package frames: node-signed, binding a sequence range to exact envelope ids (DESIGN §3).
// Every structural, signature and range-content rejection has a negative test. Wire v2: a frame may
// name more links than its range holds (the stubs that connect a chain), but each at most once.
import { beforeAll, describe, expect, it } from "vitest";
import { createSigner, type Signer } from "../crypto/index.ts";
import { fromBase64url, toBase64url } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import type { EnvelopeId } from "../shared/ids.ts";
import type { JsonValue } from "../shared/json.ts";
import { buildPackageFrame, checkPackageFrameStructure, verifyPackageFrame, MAX_FRAME_ENVELOPES, type PackageFrame } from "./sync-frame.ts";

const id = (byte: number) => toBase64url(new Uint8Array(32).fill(byte)) as EnvelopeId;
const ids = [id(1), id(2), id(3)];

let nodeKey: Signer;
let frame: PackageFrame;

beforeAll(async () => {
  nodeKey = await createSigner({ seed: new Uint8Array(32).fill(42) });
  const built = await buildPackageFrame(nodeKey, { syncDomain: "app.messaging/messages", fromSeq: 11, toSeq: 14, envelopeIds: ids });
  if (!built.ok) throw new Error(built.error.message);
  frame = built.value;
});

const copy = (): Record<string, any> => JSON.parse(JSON.stringify(frame)) as Record<string, any>;

describe("package frame structure", () => {
  it.each([
    ["a non-object frame", () => "package", "ERR_STRUCT_INVALID_TYPE", "expected_object"],
    ["a missing to_seq", (f: Record<string, any>) => (delete f.to_seq, f), "ERR_STRUCT_MISSING_FIELD", "missing_field"],
    ["a missing signature", (f: Record<string, any>) => (delete f.signature, f), "ERR_STRUCT_MISSING_FIELD", "missing_field"],
    ["an unknown field", (f: Record<string, any>) => ({ ...f, version: [1, 0, 0] }), "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
    ["a nested envelope", (f: Record<string, any>) => ({ ...f, envelope: {} }), "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
    ["another frame kind", (f: Record<string, any>) => ({ ...f, frame: "hello" }), "ERR_STRUCT_INVALID_TYPE", "unsupported_frame"],
    [
      "a malformed sender_identity",
      (f: Record<string, any>) => ({ ...f, sender_identity: 7 }),
      "ERR_STRUCT_INVALID_IDENTIFIER",
      "invalid_identity_id",
    ],
    [
      "a malformed sender_key",
      (f: Record<string, any>) => ({ ...f, sender_key: "key" }),
      "ERR_STRUCT_INVALID_ENCODING",
      "invalid_public_key",
    ],
    [
      "a sync domain without an app",
      (f: Record<string, any>) => ({ ...f, sync_domain: "messages" }),
      "ERR_STRUCT_INVALID_IDENTIFIER",
      "invalid_sync_domain",
    ],
    [
      "a sync domain with a bad domain",
      (f: Record<string, any>) => ({ ...f, sync_domain: "app.messaging/Messages" }),
      "ERR_STRUCT_INVALID_IDENTIFIER",
      "invalid_sync_domain",
    ],
    ["from_seq 0", (f: Record<string, any>) => ({ ...f, from_seq: 0 }), "ERR_STRUCT_INVALID_TYPE", "expected_positive_integer"],
    ["a fractional to_seq", (f: Record<string, any>) => ({ ...f, to_seq: 13.5 }), "ERR_STRUCT_INVALID_TYPE", "expected_positive_integer"],
    ["an inverted range", (f: Record<string, any>) => ({ ...f, from_seq: 15 }), "ERR_STRUCT_INVALID_TYPE", "inverted_range"],
    ["ids that are not an array", (f: Record<string, any>) => ({ ...f, envelope_ids: id(1) }), "ERR_STRUCT_INVALID_TYPE", "expected_array"],
    [
      "a malformed id",
      (f: Record<string, any>) => ({ ...f, envelope_ids: [id(1), "x"] }),
      "ERR_STRUCT_INVALID_IDENTIFIER",
      "invalid_envelope_id",
    ],
    [
      "too many ids",
      (f: Record<string, any>) => ({ ...f, to_seq: 5000, envelope_ids: Array.from({ length: MAX_FRAME_ENVELOPES + 1 }, () => id(1)) }),
      "ERR_STRUCT_INVALID_TYPE",
      "too_many_envelopes",
    ],
    [
      "a short signature",
      (f: Record<string, any>) => ({ ...f, signature: toBase64url(new Uint8Array(32)) }),
      "ERR_STRUCT_INVALID_ENCODING",
      "invalid_signature_encoding",
    ],
  ] as const)("rejects %s", (_name, mutate, code, reason) => {
    const result = checkPackageFrameStructure(mutate(copy()) as JsonValue);
    expect(result).toMatchObject({ ok: false, error: { code, category: "structural", data: { reason } } });
  });
});

describe("package frame verification (AC-05)", () => {
  it("verifies a frame with exactly the ids it carries", async () => {
    const result = await verifyPackageFrame(copy(), ids);
    expect(result).toMatchObject({ ok: true, value: { from_seq: 11, to_seq: 14, envelope_ids: ids } });
  });

  it("rejects a range changed after signing (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const result = await verifyPackageFrame({ ...copy(), from_seq: 12 }, ids);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" } });
  });

  it("rejects a frame whose signature is by another node (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const other = await createSigner({ seed: new Uint8Array(32).fill(43) });
    const result = await verifyPackageFrame({ ...copy(), sender_key: toBase64url(other.publicKey) }, ids);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" } });
  });

  it("rejects a flipped signature bit (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const sig = fromBase64url(frame.signature)!;
    sig[3]! ^= 0x10;
    const result = await verifyPackageFrame({ ...copy(), signature: toBase64url(sig) }, ids);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" } });
  });

  it.each([
    ["a swapped envelope", [id(1), id(9), id(3)]],
    ["a missing envelope", [id(1), id(2)]],
    ["an extra envelope", [...ids, id(4)]],
    ["reordered envelopes", [id(2), id(1), id(3)]],
  ])("rejects carried envelopes that are not the signed ids: %s (ERR_SYNC_RANGE_MISMATCH)", async (_name, carried) => {
    const result = await verifyPackageFrame(copy(), carried);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SYNC_RANGE_MISMATCH", data: { reason: "ids_mismatch" } } });
  });

  it("accepts a signed frame naming more envelopes than its range holds: the stubs that connect a chain lie outside it (wire v2)", async () => {
    const { signature: _s, ...unsigned }: Record<string, any> = { ...copy(), to_seq: 12 };
    const signature = toBase64url(await nodeKey.sign(new TextEncoder().encode(canonicalOf(unsigned))));
    const result = await verifyPackageFrame({ ...unsigned, signature }, ids);
    expect(result).toMatchObject({ ok: true, value: { from_seq: 11, to_seq: 12, envelope_ids: ids } });
  });

  it("rejects a signed frame naming one envelope twice (ERR_SYNC_RANGE_MISMATCH)", async () => {
    const twice = [id(1), id(1)];
    const { signature: _s, ...unsigned }: Record<string, any> = { ...copy(), envelope_ids: twice };
    const signature = toBase64url(await nodeKey.sign(new TextEncoder().encode(canonicalOf(unsigned))));
    const result = await verifyPackageFrame({ ...unsigned, signature }, twice);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SYNC_RANGE_MISMATCH", data: { reason: "duplicate_id" } } });
  });

  it("accepts a range that covers envelopes withheld from this receiver", async () => {
    const built = await buildPackageFrame(nodeKey, { syncDomain: "app.messaging/messages", fromSeq: 1, toSeq: 100, envelopeIds: [id(5)] });
    expect(built.ok).toBe(true);
    if (built.ok) expect((await verifyPackageFrame(built.value as unknown as JsonValue, [id(5)])).ok).toBe(true);
  });

  it("refuses to build a frame a receiver would reject", async () => {
    const inverted = await buildPackageFrame(nodeKey, { syncDomain: "app.messaging/messages", fromSeq: 5, toSeq: 4, envelopeIds: [] });
    expect(inverted).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE" } });
    const twice = await buildPackageFrame(nodeKey, {
      syncDomain: "app.messaging/messages",
      fromSeq: 1,
      toSeq: 3,
      envelopeIds: [id(1), id(1)],
    });
    expect(twice).toMatchObject({ ok: false, error: { code: "ERR_SYNC_RANGE_MISMATCH", data: { reason: "duplicate_id" } } });
  });

  it("builds a frame carrying more links than its range holds (a one-seq range with its connecting stubs)", async () => {
    const crowded = await buildPackageFrame(nodeKey, { syncDomain: "app.messaging/messages", fromSeq: 1, toSeq: 1, envelopeIds: ids });
    expect(crowded).toMatchObject({ ok: true, value: { envelope_ids: ids } });
  });
});

function canonicalOf(value: Record<string, any>): string {
  return canonicalize(value as JsonValue);
}
