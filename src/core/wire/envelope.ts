// Envelopes: build and sign for a signer, derive ids, and validate untrusted input statelessly
// (structure, then authorship and signature; DESIGN D2, D6, §3). It never consults node state.
import { defaultVerifier, sha256, type Ed25519Verifier, type Signer } from "../crypto/index.ts";
import { assert } from "../shared/assert.ts";
import { fromBase64url, toBase64url, utf8, utf8ByteLength } from "../shared/bytes.ts";
import { canonicalize, tryCanonicalize } from "../shared/canonical-json.ts";
import { nodeError } from "../shared/errors.ts";
import { identityIdFromKey, publicKeyText, type EnvelopeId, type IdentityId, type PublicKeyText } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { parseWireJson } from "../shared/wire-json.ts";
import { DEFAULT_ENVELOPE_LIMITS, type EnvelopeLimits } from "./limits.ts";
import { checkEnvelopeStructure } from "./structure.ts";
import { IDENTITY_TYPE_KEY, type Envelope, type KeyRole, type Op, type UnsignedEnvelope, type VerifiedEnvelope } from "./types.ts";
import { ENVELOPE_VERSION } from "./version.ts";

export type EnvelopeValidationOptions = {
  /** Defaults to the fastest engine available (WebCrypto, else noble); both give one verdict. */
  readonly verifier?: Ed25519Verifier;
  readonly limits?: Partial<EnvelopeLimits>;
};

// Authors sign many envelopes with one key: remember which identity each key is the root of.
const rootIdentities = new Map<PublicKeyText, IdentityId>();
function rootIdentityOf(key: PublicKeyText): IdentityId {
  let id = rootIdentities.get(key);
  if (id === undefined) {
    if (rootIdentities.size >= 1024) rootIdentities.delete(rootIdentities.keys().next().value!);
    id = identityIdFromKey(key);
    rootIdentities.set(key, id);
  }
  return id;
}

function verifierFor(options: EnvelopeValidationOptions): Promise<Ed25519Verifier> {
  return options.verifier !== undefined ? Promise.resolve(options.verifier) : defaultVerifier();
}

function withoutSignature(envelope: Envelope): UnsignedEnvelope {
  const { signature: _signature, ...unsigned } = envelope;
  return unsigned;
}

/** The exact bytes an envelope's signature covers: UTF-8 JCS of the envelope without `signature`. */
export function signedBytesOf(envelope: UnsignedEnvelope | Envelope): Uint8Array {
  const unsigned = "signature" in envelope ? withoutSignature(envelope) : envelope;
  return utf8(canonicalize(unsigned));
}

/** Envelope id = id(envelope without signature) (DESIGN §3). */
export function envelopeId(envelope: UnsignedEnvelope | Envelope): EnvelopeId {
  return idOfSignedBytes(signedBytesOf(envelope));
}

/** id(x) is SHA-256 over exactly the canonical bytes that are signed, so one hash serves both. */
function idOfSignedBytes(signedBytes: Uint8Array): EnvelopeId {
  return toBase64url(sha256(signedBytes)) as EnvelopeId;
}

/**
 * The signed bytes, cut from the canonical text of the whole envelope instead of canonicalizing
 * again: `signature` sorts last among the six top-level keys (RFC 8785 §3.2.3), so the unsigned
 * text is the full text without its final member.
 */
function signedBytesFromText(envelope: Envelope, text: string): Uint8Array {
  const member = `,"signature":${JSON.stringify(envelope.signature)}}`;
  assert(text.endsWith(member), "signature is the last member of a canonical envelope");
  return utf8(`${text.slice(0, -member.length)}}`);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Stage 2 (cryptographic), the cheap part: which key role signed, and may it author this envelope?
 * Key binding for device keys needs node state and is the node's job.
 */
function checkAuthorRules(envelope: Envelope): Result<KeyRole> {
  const keyRole: KeyRole = rootIdentityOf(envelope.author_key) === envelope.author_id ? "root" : "device";
  const isGenesis = envelope.payload.ops[0]?.type_key === IDENTITY_TYPE_KEY;
  if (isGenesis && keyRole !== "root") {
    // An identity id is derived from its root key, so only that key can create it.
    return err(
      nodeError("ERR_CRYPTO_AUTHOR_MISMATCH", "The identity genesis is not signed by the identity's root key.", {
        reason: "genesis_not_root_key",
      }),
    );
  }
  if (!isGenesis && keyRole === "root" && envelope.payload.seq === 1) {
    // A root key's chain starts with the genesis of its identity; without it the author never exists.
    return err(
      nodeError("ERR_CRYPTO_MISSING_AUTHOR", "The root key's first envelope must create its identity.", {
        reason: "root_chain_without_genesis",
      }),
    );
  }
  return ok(keyRole);
}

/** Stage 2, then the one strict Ed25519 rule over the canonical signed bytes (DESIGN D1). */
async function verifyAuthorship(envelope: Envelope, text: string, verifier: Ed25519Verifier): Promise<Result<VerifiedEnvelope>> {
  const keyRole = checkAuthorRules(envelope);
  if (!keyRole.ok) return keyRole;
  const signedBytes = signedBytesFromText(envelope, text);
  const verdict = await verifier.verify(fromBase64url(envelope.author_key)!, signedBytes, fromBase64url(envelope.signature)!);
  if (!verdict.valid) return err(nodeError("ERR_CRYPTO_INVALID_SIGNATURE", undefined, { reason: verdict.reason }));
  return ok({ id: idOfSignedBytes(signedBytes), envelope: deepFreeze(envelope), signedBytes, text, keyRole: keyRole.value });
}

/** 64 zero bytes in base64url: the length of every real signature. */
const PLACEHOLDER_SIGNATURE = toBase64url(new Uint8Array(64));

function limitsOf(options: { readonly limits?: Partial<EnvelopeLimits> | undefined }): EnvelopeLimits {
  return { ...DEFAULT_ENVELOPE_LIMITS, ...options.limits };
}

/**
 * Validates untrusted envelope text or bytes from the wire. The text must be the envelope's RFC 8785
 * canonical form (seed 001 §11.1: non-canonical serialization is rejected), so stored bytes = wire bytes.
 */
export async function validateEnvelope(
  input: string | Uint8Array,
  options: EnvelopeValidationOptions = {},
): Promise<Result<VerifiedEnvelope>> {
  const limits = limitsOf(options);
  const parsed = parseWireJson(input, { maxBytes: limits.maxEnvelopeBytes, maxDepth: limits.maxDepth });
  if (!parsed.ok) return parsed;
  const text = canonicalize(parsed.value);
  const structure = checkEnvelopeStructure(parsed.value, limits, utf8ByteLength(text));
  if (!structure.ok) return structure;
  const received = typeof input === "string" ? input : new TextDecoder().decode(input);
  if (text !== received) {
    return err(nodeError("ERR_STRUCT_INVALID_ENCODING", "The envelope is not in canonical form (RFC 8785).", { reason: "not_canonical" }));
  }
  return verifyAuthorship(structure.value, text, await verifierFor(options));
}

/**
 * Validates an envelope given as a value (a local caller, or one carried inside a sync frame): the
 * same checks, but the value need not arrive as canonical text; it is canonicalized for signing.
 */
export async function validateEnvelopeValue(value: unknown, options: EnvelopeValidationOptions = {}): Promise<Result<VerifiedEnvelope>> {
  const limits = limitsOf(options);
  const canonical = tryCanonicalize(value);
  if (!canonical.ok) return canonical;
  // Re-parse our own canonical text: a private, deep copy the caller cannot mutate after the checks.
  const copy = parseWireJson(canonical.value, { maxBytes: limits.maxEnvelopeBytes, maxDepth: limits.maxDepth });
  if (!copy.ok) return copy;
  const structure = checkEnvelopeStructure(copy.value, limits, utf8ByteLength(canonical.value));
  if (!structure.ok) return structure;
  return verifyAuthorship(structure.value, canonical.value, await verifierFor(options));
}

export type EnvelopeDraft = {
  readonly app: string;
  readonly domain: string;
  readonly traceId: string;
  readonly seq: number;
  readonly prev: EnvelopeId | null;
  readonly deps?: readonly EnvelopeId[];
  readonly lamport: number;
  readonly createdAt: string;
  /** Ops without `owner_identity`: every op is owned by the author (DESIGN §3). */
  readonly ops: readonly Omit<Op, "owner_identity">[];
};

/**
 * Builds and signs an envelope for `signer`. The author defaults to the identity whose root key the
 * signer holds; pass `authorId` when signing with a device key. The result passes the same structural
 * checks as untrusted input, so a local caller cannot produce an envelope other nodes would reject.
 */
export async function buildEnvelope(
  signer: Signer,
  draft: EnvelopeDraft,
  options: { readonly authorId?: IdentityId; readonly limits?: Partial<EnvelopeLimits> } = {},
): Promise<Result<VerifiedEnvelope>> {
  const authorKey = publicKeyText(signer.publicKey);
  const authorId = options.authorId ?? identityIdFromKey(authorKey);
  const draftValue = {
    envelope_type: "graph_message",
    envelope_version: ENVELOPE_VERSION,
    author_id: authorId,
    author_key: authorKey,
    payload: {
      app: draft.app,
      domain: draft.domain,
      trace_id: draft.traceId,
      seq: draft.seq,
      prev: draft.prev,
      deps: [...(draft.deps ?? [])].sort(),
      lamport: draft.lamport,
      created_at: draft.createdAt,
      ops: draft.ops.map((op) => ({ ...op, owner_identity: authorId })),
    },
  };
  const limits = limitsOf(options);
  const canonical = tryCanonicalize(draftValue);
  if (!canonical.ok) return canonical;
  const unsigned = parseWireJson(canonical.value, { maxBytes: limits.maxEnvelopeBytes, maxDepth: limits.maxDepth });
  if (!unsigned.ok) return unsigned;
  // Check the draft as receivers will, with a signature-shaped placeholder of the final length,
  // before spending a signature on it.
  const placeholder = { ...(unsigned.value as UnsignedEnvelope), signature: PLACEHOLDER_SIGNATURE };
  const structure = checkEnvelopeStructure(placeholder, limits, utf8ByteLength(canonicalize(placeholder)));
  if (!structure.ok) return structure;
  const keyRole = checkAuthorRules(structure.value);
  if (!keyRole.ok) return keyRole;
  const signedBytes = utf8(canonical.value);
  const envelope: Envelope = { ...structure.value, signature: toBase64url(await signer.sign(signedBytes)) };
  return ok({
    id: idOfSignedBytes(signedBytes),
    envelope: deepFreeze(envelope),
    signedBytes,
    text: canonicalize(envelope),
    keyRole: keyRole.value,
  });
}
