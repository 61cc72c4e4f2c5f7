// Global ids on the wire (DESIGN D3, §3): content-derived, base64url SHA-256 of canonical JSON.
// Branded types are made only by the parsers and derivations here; nothing else casts to them.
import { sha256 } from "../crypto/index.ts";
import { fromBase64url, toBase64url } from "./bytes.ts";
import { canonicalBytes } from "./canonical-json.ts";
import type { JsonValue } from "./json.ts";

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** id(envelope without signature). */
export type EnvelopeId = Brand<string, "EnvelopeId">;
/** id({ identity_key }): self-certifying (DESIGN §3). */
export type IdentityId = Brand<string, "IdentityId">;
/** `<envelope id>:<op index>`. */
export type ObjectId = Brand<string, "ObjectId">;
/** A base64url Ed25519 public key (32 bytes). */
export type PublicKeyText = Brand<string, "PublicKeyText">;

/** Length of base64url(32 bytes) without padding. */
const DIGEST_TEXT_LENGTH = 43;

/** id(x) = base64url(SHA-256(JCS(x))). */
export function digestId(value: JsonValue): string {
  return toBase64url(sha256(canonicalBytes(value)));
}

function isDigestText(text: string): boolean {
  return text.length === DIGEST_TEXT_LENGTH && fromBase64url(text)?.length === 32;
}

export function parseEnvelopeId(text: unknown): EnvelopeId | undefined {
  return typeof text === "string" && isDigestText(text) ? (text as EnvelopeId) : undefined;
}

export function parseIdentityId(text: unknown): IdentityId | undefined {
  return typeof text === "string" && isDigestText(text) ? (text as IdentityId) : undefined;
}

export function parsePublicKeyText(text: unknown): PublicKeyText | undefined {
  return typeof text === "string" && isDigestText(text) ? (text as PublicKeyText) : undefined;
}

export function publicKeyText(publicKey: Uint8Array): PublicKeyText {
  if (publicKey.length !== 32) throw new RangeError("an Ed25519 public key has 32 bytes");
  return toBase64url(publicKey) as PublicKeyText;
}

export function identityIdFromKey(publicKey: Uint8Array | PublicKeyText): IdentityId {
  const key = typeof publicKey === "string" ? publicKey : publicKeyText(publicKey);
  return digestId({ identity_key: key }) as IdentityId;
}

/** Op indexes are canonical decimals (no sign, no leading zeros) below this bound. */
export const MAX_OP_INDEX = 65_535;
const INDEX_PATTERN = /^(0|[1-9][0-9]{0,4})$/;

function parseIndex(text: string): number | undefined {
  if (!INDEX_PATTERN.test(text)) return undefined;
  const index = Number(text);
  return index <= MAX_OP_INDEX ? index : undefined;
}

export function objectId(envelopeId: EnvelopeId, index: number): ObjectId {
  if (!Number.isInteger(index) || index < 0 || index > MAX_OP_INDEX) throw new RangeError("op index out of range");
  return `${envelopeId}:${index}` as ObjectId;
}

export type ParsedObjectId = { readonly envelopeId: EnvelopeId; readonly index: number };

export function parseObjectId(text: unknown): ParsedObjectId | undefined {
  if (typeof text !== "string" || text.charCodeAt(DIGEST_TEXT_LENGTH) !== 58 /* ":" */) return undefined;
  const envelopeId = parseEnvelopeId(text.slice(0, DIGEST_TEXT_LENGTH));
  const index = parseIndex(text.slice(DIGEST_TEXT_LENGTH + 1));
  return envelopeId === undefined || index === undefined ? undefined : { envelopeId, index };
}

/** The envelope that created an object: the part of `<envelope id>:<index>` before the colon. */
export function creatorOf(objectId: string): EnvelopeId {
  return objectId.slice(0, objectId.indexOf(":")) as EnvelopeId;
}

/** How an op names an object: a global object id, or `@<index>` for an earlier op of the same envelope. */
export type ObjectRef =
  { readonly kind: "object"; readonly envelopeId: EnvelopeId; readonly index: number } | { readonly kind: "local"; readonly index: number };

export function parseObjectRef(text: unknown): ObjectRef | undefined {
  if (typeof text !== "string") return undefined;
  if (text.startsWith("@")) {
    const index = parseIndex(text.slice(1));
    return index === undefined ? undefined : { kind: "local", index };
  }
  const parsed = parseObjectId(text);
  return parsed === undefined ? undefined : { kind: "object", ...parsed };
}

/** The object id an op reference denotes once the envelope id is known. */
export function resolveObjectRef(ref: ObjectRef, envelopeId: EnvelopeId): ObjectId {
  return ref.kind === "local" ? objectId(envelopeId, ref.index) : objectId(ref.envelopeId, ref.index);
}
