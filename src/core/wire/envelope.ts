// Envelopes and stubs (wire profile v2): build and sign for a signer, derive ids over the link, and
// validate untrusted input statelessly (structure, digest, authorship, signature; DESIGN D2, D6, §3).
// It never consults node state.
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
import type { JsonValue } from "../shared/json.ts";
import {
  IDENTITY_TYPE_KEY,
  type Envelope,
  type EnvelopeContent,
  type EnvelopeLink,
  type KeyRole,
  type Op,
  type Stub,
  type VerifiedEnvelope,
  type VerifiedLink,
} from "./types.ts";
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

/** The link: the envelope without `content` and `signature` (DESIGN §3). */
function linkOf(envelope: Envelope | Stub | EnvelopeLink): EnvelopeLink {
  const { signature: _signature, content: _content, ...link } = envelope as Envelope;
  return link;
}

/** The exact bytes an envelope's (or stub's) signature covers: UTF-8 JCS of its link. */
export function signedBytesOf(envelope: Envelope | Stub | EnvelopeLink): Uint8Array {
  return utf8(canonicalize(linkOf(envelope)));
}

/** Envelope id = id(link) (DESIGN §3): a stub has the id of its full envelope. */
export function envelopeId(envelope: Envelope | Stub | EnvelopeLink): EnvelopeId {
  return idOfSignedBytes(signedBytesOf(envelope));
}

/** `content_digest` = base64url SHA-256 of the JCS of content (DESIGN §3). */
export function contentDigest(content: EnvelopeContent | JsonValue): string {
  return digestOfText(canonicalize(content));
}

function digestOfText(text: string): string {
  return toBase64url(sha256(utf8(text)));
}

/** id(x) is SHA-256 over exactly the canonical bytes that are signed, so one hash serves both. */
function idOfSignedBytes(signedBytes: Uint8Array): EnvelopeId {
  return toBase64url(sha256(signedBytes)) as EnvelopeId;
}

/**
 * The one decoder for a stored full envelope's text. It passed validateLink when it was ingested and
 * storage keeps its bytes, so this only parses; untrusted input goes through validateLink instead.
 */
export function storedEnvelope(text: string): Envelope {
  return JSON.parse(text) as Envelope;
}

/** A stored or carried full envelope's stub text: what travels when the receiver may not read it. */
export function stubTextOf(fullText: string): string {
  const { content: _content, ...stub } = storedEnvelope(fullText);
  return canonicalize(stub);
}

/**
 * The canonical texts of a checked envelope's parts, cut from its canonical text instead of
 * canonicalizing the content again (RFC 8785 §3.2.3 orders the members): `author_id` and
 * `author_key` sort first, `content` right after them, `signature` last. So the full text is the
 * stub's text with `"content":<C>,` inserted after the author key, and the link is the stub text
 * without its final member.
 */
function partsOf(envelope: Envelope | Stub, text: string): { readonly linkText: string; readonly contentText: string | null } {
  const { content: _content, ...stub } = envelope as Envelope;
  const stubText = "content" in envelope ? canonicalize(stub) : text;
  const member = `,"signature":${JSON.stringify(envelope.signature)}}`;
  assert(stubText.endsWith(member), "signature is the last member of a canonical stub");
  const linkText = `${stubText.slice(0, -member.length)}}`;
  if (!("content" in envelope)) return { linkText, contentText: null };
  const head = `{"author_id":${JSON.stringify(envelope.author_id)},"author_key":${JSON.stringify(envelope.author_key)},`;
  const rest = stubText.slice(head.length);
  const contentText = text.slice(head.length + '"content":'.length, text.length - rest.length - 1);
  assert(text === `${head}"content":${contentText},${rest}`, "content follows the author key in a canonical envelope");
  return { linkText, contentText };
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
 * Key binding for device keys needs node state and is the node's job. A stub hides its ops, so
 * only its full form is checked for being a genesis.
 */
function checkAuthorRules(envelope: Envelope | Stub): Result<KeyRole> {
  const keyRole: KeyRole = rootIdentityOf(envelope.author_key) === envelope.author_id ? "root" : "device";
  if (!("content" in envelope)) return ok(keyRole);
  const isGenesis = envelope.content.ops[0]?.type_key === IDENTITY_TYPE_KEY;
  if (isGenesis && keyRole !== "root") {
    // An identity id is derived from its root key, so only that key can create it.
    return err(
      nodeError("ERR_CRYPTO_AUTHOR_MISMATCH", "The identity genesis is not signed by the identity's root key.", {
        reason: "genesis_not_root_key",
      }),
    );
  }
  if (!isGenesis && keyRole === "root" && envelope.seq === 1) {
    // A root key's chain starts with the genesis of its identity; without it the author never exists.
    return err(
      nodeError("ERR_CRYPTO_MISSING_AUTHOR", "The root key's first envelope must create its identity.", {
        reason: "root_chain_without_genesis",
      }),
    );
  }
  return ok(keyRole);
}

/** Stage 2: the content belongs to the link, then the one strict Ed25519 rule over the link (DESIGN D1). */
async function verifyAuthorship(envelope: Envelope | Stub, text: string, verifier: Ed25519Verifier): Promise<Result<VerifiedLink>> {
  const keyRole = checkAuthorRules(envelope);
  if (!keyRole.ok) return keyRole;
  const { linkText, contentText } = partsOf(envelope, text);
  // The digest first: one hash, cheaper than a signature check, and content never travels unbound.
  if (contentText !== null && digestOfText(contentText) !== envelope.content_digest) {
    return err(
      nodeError("ERR_CRYPTO_DIGEST_MISMATCH", "The content does not match the link's content_digest.", {
        reason: "content_digest_mismatch",
      }),
    );
  }
  const signedBytes = utf8(linkText);
  const verdict = await verifier.verify(fromBase64url(envelope.author_key)!, signedBytes, fromBase64url(envelope.signature)!);
  if (!verdict.valid) return err(nodeError("ERR_CRYPTO_INVALID_SIGNATURE", undefined, { reason: verdict.reason }));
  const id = idOfSignedBytes(signedBytes);
  const common = { id, signedBytes, text, keyRole: keyRole.value };
  return ok(
    "content" in envelope
      ? { kind: "full", envelope: deepFreeze(envelope), ...common }
      : { kind: "stub", envelope: deepFreeze(envelope), ...common },
  );
}

/** 64 zero bytes in base64url: the length of every real signature. */
const PLACEHOLDER_SIGNATURE = toBase64url(new Uint8Array(64));

function limitsOf(options: { readonly limits?: Partial<EnvelopeLimits> | undefined }): EnvelopeLimits {
  return { ...DEFAULT_ENVELOPE_LIMITS, ...options.limits };
}

/**
 * Validates untrusted envelope or stub text or bytes from the wire. The text must be its RFC 8785
 * canonical form (seed 001 §11.1: non-canonical serialization is rejected), so stored bytes = wire bytes.
 */
export async function validateLink(input: string | Uint8Array, options: EnvelopeValidationOptions = {}): Promise<Result<VerifiedLink>> {
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

/** Validates untrusted text that must be a full envelope: a stub is refused as missing its content. */
export async function validateEnvelope(
  input: string | Uint8Array,
  options: EnvelopeValidationOptions = {},
): Promise<Result<VerifiedEnvelope>> {
  return fullOnly(await validateLink(input, options));
}

function fullOnly(result: Result<VerifiedLink>): Result<VerifiedEnvelope> {
  if (!result.ok || result.value.kind === "full") return result as Result<VerifiedEnvelope>;
  return err(nodeError("ERR_STRUCT_MISSING_FIELD", "A stub is not a full envelope.", { reason: "missing_field", path: "content" }));
}

/**
 * Validates an envelope given as a value (a local caller, or one carried inside a sync frame): the
 * same checks, but the value need not arrive as canonical text; it is canonicalized for signing.
 */
export async function validateEnvelopeValue(value: unknown, options: EnvelopeValidationOptions = {}): Promise<Result<VerifiedEnvelope>> {
  return fullOnly(await validateLinkValue(value, options));
}

/** validateLink for a value: a full envelope or a stub. */
export async function validateLinkValue(value: unknown, options: EnvelopeValidationOptions = {}): Promise<Result<VerifiedLink>> {
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
 * An envelope checked and ready to sign: its id is known already (it hashes the signed bytes, not
 * the signature), so a key's next draft can chain on it before this one is signed.
 */
export type UnsignedEnvelope = {
  readonly id: EnvelopeId;
  readonly signedBytes: Uint8Array;
  readonly keyRole: VerifiedEnvelope["keyRole"];
  readonly unsigned: Omit<Envelope, "signature">;
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
  const prepared = prepareEnvelope(signer.publicKey, draft, options);
  return prepared.ok ? ok(await signEnvelope(signer, prepared.value)) : prepared;
}

/** buildEnvelope up to the signature: every check, and the id. */
export function prepareEnvelope(
  publicKey: Signer["publicKey"],
  draft: EnvelopeDraft,
  options: { readonly authorId?: IdentityId; readonly limits?: Partial<EnvelopeLimits> } = {},
): Result<UnsignedEnvelope> {
  const authorKey = publicKeyText(publicKey);
  const authorId = options.authorId ?? identityIdFromKey(authorKey);
  const contentValue = {
    app: draft.app,
    domain: draft.domain,
    trace_id: draft.traceId,
    deps: [...(draft.deps ?? [])].sort(),
    created_at: draft.createdAt,
    ops: draft.ops.map((op) => ({ ...op, owner_identity: authorId })),
  };
  const limits = limitsOf(options);
  const contentText = tryCanonicalize(contentValue);
  if (!contentText.ok) return contentText;
  const draftValue = {
    envelope_type: "graph_message",
    envelope_version: ENVELOPE_VERSION,
    author_id: authorId,
    author_key: authorKey,
    seq: draft.seq,
    prev: draft.prev,
    lamport: draft.lamport,
    content_digest: digestOfText(contentText.value),
    content: contentValue,
  };
  const canonical = tryCanonicalize(draftValue);
  if (!canonical.ok) return canonical;
  const unsigned = parseWireJson(canonical.value, { maxBytes: limits.maxEnvelopeBytes, maxDepth: limits.maxDepth });
  if (!unsigned.ok) return unsigned;
  // Check the draft as receivers will, with a signature-shaped placeholder of the final length,
  // before spending a signature on it.
  const placeholder = { ...(unsigned.value as object), signature: PLACEHOLDER_SIGNATURE };
  const structure = checkEnvelopeStructure(placeholder, limits, utf8ByteLength(canonicalize(placeholder)));
  if (!structure.ok) return structure;
  const checked = structure.value as Envelope;
  const keyRole = checkAuthorRules(checked);
  if (!keyRole.ok) return keyRole;
  const signedBytes = signedBytesOf(checked);
  const { signature: _placeholder, ...unsignedEnvelope } = checked;
  return ok({ id: idOfSignedBytes(signedBytes), signedBytes, keyRole: keyRole.value, unsigned: unsignedEnvelope });
}

/** The signature of a prepared envelope: the envelope, as buildEnvelope returns it. */
export async function signEnvelope(signer: Signer, prepared: UnsignedEnvelope): Promise<VerifiedEnvelope> {
  const envelope = { ...prepared.unsigned, signature: toBase64url(await signer.sign(prepared.signedBytes)) } as Envelope;
  return {
    kind: "full",
    id: prepared.id,
    envelope: deepFreeze(envelope),
    signedBytes: prepared.signedBytes,
    text: canonicalize(envelope),
    keyRole: prepared.keyRole,
  };
}
