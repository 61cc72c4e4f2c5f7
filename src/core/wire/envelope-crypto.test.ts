// AC-05 at the envelope level: authorship, content digests and signatures over the link (wire
// profile v2). Every ERR_CRYPTO_* path that needs no node state has a negative test, on both Ed25519
// engines, for full envelopes and stubs; key binding and revocation are stateful.
import { beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type Ed25519Engine, type Ed25519Verifier } from "../crypto/index.ts";
import { fromBase64url, toBase64url } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { identityIdFromKey, objectId, parseEnvelopeId, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import {
  buildEnvelope,
  contentDigest,
  envelopeId,
  stubTextOf,
  validateEnvelope,
  validateEnvelopeValue,
  validateLink,
  validateLinkValue,
} from "./envelope.ts";
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
import type { EnvelopeLink, Stub, VerifiedEnvelope } from "./types.ts";

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function bytesToBigIntLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function bigIntToBytesLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

const fakeId = (byte: number) => toBase64url(new Uint8Array(32).fill(byte)) as EnvelopeId;

/** Signs a mutated envelope again, so the one broken rule is not the signature. */
async function resign(e: Record<string, any>, signer: TestIdentity): Promise<void> {
  Object.assign(e, await reseal(signer.signer, e));
}

let ada: TestIdentity;
let genesis: VerifiedEnvelope;
let message: VerifiedEnvelope;
let next: VerifiedEnvelope;

beforeAll(async () => {
  ada = await testIdentity(1);
  genesis = await build(ada.signer, genesisDraft());
  message = await build(ada.signer, messageDraft(genesis.id));
  next = await build(ada.signer, { ...messageDraft(message.id, 3), traceId: "trace-next" });
});

/** Flips one bit of a base64url signature. */
function flipped(signature: string, byte = 10): string {
  const sig = fromBase64url(signature)!;
  sig[byte]! ^= 1;
  return toBase64url(sig);
}

describe.each(["webcrypto", "noble"] as const)("envelope signatures on the %s engine (AC-05)", (engine: Ed25519Engine) => {
  let verifier: Ed25519Verifier;
  beforeAll(async () => {
    verifier = await createVerifier(engine);
  });
  const validate = (value: unknown) => validateEnvelopeValue(value, { verifier });
  const validateAnyLink = (value: unknown) => validateLinkValue(value, { verifier });

  it("accepts a genesis and a message signed by the root key", async () => {
    for (const envelope of [genesis, message]) {
      const result = await validateEnvelope(envelope.text, { verifier });
      expect(result).toMatchObject({ ok: true, value: { id: envelope.id, keyRole: "root", text: envelope.text } });
    }
  });

  it("rejects a flipped signature bit (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const e = mutableCopy(message);
    const sig = fromBase64url(e.signature as string)!;
    sig[10]! ^= 1;
    e.signature = toBase64url(sig);
    expect(await validate(e)).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", category: "auth" } });
  });

  it("rejects content changed after signing (ERR_CRYPTO_DIGEST_MISMATCH)", async () => {
    const e = mutableCopy(message);
    e.content.ops[0].payload.value.title = "Plans!";
    expect(await validate(e)).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_DIGEST_MISMATCH", category: "auth", data: { reason: "content_digest_mismatch" } },
    });
    expect(await validateEnvelope(canonicalize(e), { verifier })).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_DIGEST_MISMATCH" },
    });
  });

  it("rejects content swapped in from another envelope of the same author (ERR_CRYPTO_DIGEST_MISMATCH)", async () => {
    const e = mutableCopy(message);
    e.content = mutableCopy(next).content;
    expect(await validate(e)).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_DIGEST_MISMATCH", data: { reason: "content_digest_mismatch" } },
    });
    // And the other way: next's link with message's content.
    const f = mutableCopy(next);
    f.content = mutableCopy(message).content;
    expect(await validate(f)).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_DIGEST_MISMATCH" } });
  });

  it("checks the digest before the signature: changed content under a broken signature is a digest mismatch", async () => {
    const e = mutableCopy(message);
    e.content.trace_id = "trace-other";
    e.signature = flipped(e.signature as string);
    expect(await validate(e)).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_DIGEST_MISMATCH" } });
  });

  it("rejects changed content whose digest is updated but not signed (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const e = mutableCopy(message);
    e.content.ops[0].payload.value.title = "Plans!";
    e.content_digest = contentDigest(e.content);
    expect(await validate(e)).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "equation" } } });
  });

  it("accepts changed content once it is re-sealed by the author: a new envelope with a new id", async () => {
    const e = mutableCopy(message);
    e.content.ops[0].payload.value.title = "Plans!";
    const result = await validate(await reseal(ada.signer, e));
    expect(result).toMatchObject({ ok: true, value: { kind: "full" } });
    expect(result.ok && result.value.id).not.toBe(message.id);
  });

  it("rejects a stub with a flipped signature bit (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const stub = stubValue(message);
    stub.signature = flipped(stub.signature as string);
    expect(await validateAnyLink(stub)).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", category: "auth" } });
    expect(await validateLink(canonicalize(stub), { verifier })).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" },
    });
  });

  it.each([
    ["seq", (s: Record<string, any>) => ((s.seq = 5), s)],
    ["prev", (s: Record<string, any>) => ((s.prev = fakeId(8)), s)],
    ["lamport", (s: Record<string, any>) => ((s.lamport = 9), s)],
    ["content_digest", (s: Record<string, any>) => ((s.content_digest = toBase64url(new Uint8Array(32).fill(4))), s)],
  ])("rejects a stub whose %s changed after signing (ERR_CRYPTO_INVALID_SIGNATURE)", async (_field, mutate) => {
    expect(await validateAnyLink(mutate(stubValue(message)))).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "equation" } },
    });
  });

  it("rejects a stub given another envelope's signature (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const stub = { ...stubValue(message), signature: mutableCopy(next).signature };
    expect(await validateAnyLink(stub)).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" } });
  });

  it("verifies a stub with its full envelope's id, signed bytes and key role", async () => {
    for (const envelope of [genesis, message, next]) {
      const result = await validateLink(stubTextOf(envelope.text), { verifier });
      expect(result).toMatchObject({ ok: true, value: { kind: "stub", id: envelope.id, keyRole: "root" } });
      expect(result.ok && result.value.signedBytes).toEqual(envelope.signedBytes);
    }
  });

  it("rejects a non-canonical S = S + L (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const e = mutableCopy(message);
    const sig = fromBase64url(e.signature as string)!;
    const s = bytesToBigIntLE(sig.subarray(32)) + L;
    sig.set(bigIntToBytesLE(s, 32), 32);
    e.signature = toBase64url(sig);
    expect(await validate(e)).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "non_canonical_s" } },
    });
  });

  it("rejects a small-order author key (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const e = mutableCopy(genesis);
    const identity = new Uint8Array(32);
    identity[0] = 1; // the neutral point (0, 1): small order, verifies any message with R = A, S = 0
    e.author_key = toBase64url(identity);
    e.author_id = identityIdFromKey(identity);
    e.content.ops[0].owner_identity = e.author_id;
    e.content_digest = contentDigest(e.content); // so the verdict is the key's, not the digest's
    e.signature = toBase64url(new Uint8Array([...identity, ...new Uint8Array(32)]));
    expect(await validate(e)).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "small_order_key" } },
    });
  });

  it("rejects a signature by another key claiming the author's root key (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const mallory = await testIdentity(66);
    const forged = await build(mallory.signer, messageDraft(genesis.id), ada.id);
    const e = mutableCopy(forged);
    e.author_key = mutableCopy(message).author_key;
    expect(await validate(e)).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" } });
  });

  it("rejects an identity genesis signed by a key that is not the identity's root (ERR_CRYPTO_AUTHOR_MISMATCH)", async () => {
    const mallory = await testIdentity(66);
    const e = mutableCopy(genesis);
    e.author_key = toBase64url(mallory.signer.publicKey); // keeps claiming ada's identity id
    await resign(e, mallory);
    expect(await validate(e)).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_AUTHOR_MISMATCH", data: { reason: "genesis_not_root_key" } },
    });
  });

  it("rejects a root key whose first envelope creates no identity (ERR_CRYPTO_MISSING_AUTHOR)", async () => {
    const e = mutableCopy(message);
    Object.assign(e, { seq: 1, prev: null, lamport: 0 });
    expect(await validate(e)).toMatchObject({
      ok: false,
      error: { code: "ERR_CRYPTO_MISSING_AUTHOR", data: { reason: "root_chain_without_genesis" } },
    });
  });

  it("accepts a device key's envelope and marks it for the node's binding check", async () => {
    const device = await testIdentity(3);
    const signed = await build(device.signer, { ...messageDraft(genesis.id, 1), prev: null, deps: [genesis.id], lamport: 1 }, ada.id);
    const result = await validateEnvelope(signed.text, { verifier });
    expect(result).toMatchObject({ ok: true, value: { keyRole: "device" } });
    expect(result.ok && result.value.envelope.author_id).toBe(ada.id);
    const stub = await validateLink(stubTextOf(signed.text), { verifier });
    expect(stub).toMatchObject({ ok: true, value: { kind: "stub", id: signed.id, keyRole: "device" } });
  });
});

describe("envelope ids and references", () => {
  it("derives the envelope id from the link: the envelope without its content and signature", () => {
    const { signature: _s, content, ...link } = mutableCopy(message);
    expect(message.id).toBe(envelopeId(message.envelope));
    expect(message.id).toBe(envelopeId(link as unknown as EnvelopeLink));
    expect(parseEnvelopeId(message.id)).toBe(message.id);
    expect(new TextDecoder().decode(message.signedBytes)).toBe(canonicalize(link));
    expect(link.content_digest).toBe(contentDigest(content));
  });

  it("gives a stub the same id as its full envelope", async () => {
    const stub = stubValue(message);
    expect(envelopeId(stub as unknown as Stub)).toBe(message.id);
    const result = await validateLinkValue(stub);
    expect(result.ok && result.value.id).toBe(message.id);
  });

  it("gives the same id for the same content signed by either engine (deterministic Ed25519)", async () => {
    const webcrypto = await testIdentity(1, "webcrypto");
    const again = await build(webcrypto.signer, messageDraft(genesis.id));
    expect(again.text).toBe(message.text);
  });

  it("identity ids are self-certifying: derived from the root key alone", () => {
    expect(identityIdFromKey(ada.signer.publicKey)).toBe(ada.id);
    expect(message.envelope.author_id).toBe(ada.id);
    expect(objectId(message.id, 3)).toBe(`${message.id}:3`);
  });

  it("sorts deps into their one canonical order when building", async () => {
    const deps = [fakeId(9), fakeId(3), fakeId(200)];
    const built = await build(ada.signer, { ...messageDraft(genesis.id), deps });
    expect(built.envelope.content.deps).toEqual([...deps].sort());
    expect(built.envelope.content.deps).not.toEqual(deps);
  });

  it("refuses to build an envelope other nodes would reject", async () => {
    const bad = await buildEnvelope(ada.signer, { ...messageDraft(genesis.id), domain: "Not A Domain" });
    expect(bad).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_IDENTIFIER" } });
    const orphan = await buildEnvelope(ada.signer, { ...messageDraft(genesis.id), seq: 1, prev: null, lamport: 0 });
    expect(orphan).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_MISSING_AUTHOR" } });
    const foreign = await buildEnvelope(ada.signer, genesisDraft(), { authorId: "ada" as IdentityId });
    expect(foreign).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_IDENTIFIER" } });
    const mallory = await testIdentity(66);
    const stolen = await buildEnvelope(mallory.signer, genesisDraft(), { authorId: ada.id });
    expect(stolen).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_AUTHOR_MISMATCH" } });
  });
});
