// The identity registration request and response of interfaces 13 (§2.1–§3), with Ed25519 and
// base64url in place of secp256k1 and base64 (DESIGN D1, §3). Shape checks and signed bytes only;
// the Auth manager decides replay, skew and tokens.
import type { Ed25519Verifier, Signer } from "../crypto/index.ts";
import { fromBase64url, isWellFormedText, toBase64url } from "../shared/bytes.ts";
import { canonicalBytes } from "../shared/canonical-json.ts";
import { nodeError } from "../shared/errors.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";

/** The signed part (interfaces 13 §2.1). `frontend_user_id` and `device_metadata` never affect binding. */
export type RegistrationPayload = {
  readonly public_key: string;
  readonly nonce: string;
  readonly timestamp: string;
  readonly frontend_user_id?: string;
  readonly device_metadata?: Readonly<Record<string, string>>;
};

export type RegistrationRequest = { readonly payload: RegistrationPayload; readonly signature: string };

/** interfaces 13 §3: the response, signed by the node key over its JCS without `server_signature`. */
export type RegistrationResponse = {
  readonly identity_id: string;
  readonly token: string;
  readonly issued_at: string;
  readonly expires_at: string;
  readonly server_identity_id: string;
  readonly server_public_key: string;
  readonly server_signature: string;
};

export type CheckedRegistration = {
  readonly payload: RegistrationPayload;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
  /** The timestamp in ms since the epoch. */
  readonly time: number;
};

const REQUEST_FIELDS: ReadonlySet<string> = new Set(["payload", "signature"]);
const PAYLOAD_FIELDS: ReadonlySet<string> = new Set(["public_key", "nonce", "timestamp", "frontend_user_id", "device_metadata"]);
const NONCE_BYTES = { min: 16, max: 64 } as const;
const TEXT_MAX = 64;
const METADATA_VALUE_MAX = 1024;
/** Chosen bound (the design gives none): metadata is client decoration, kept small. */
export const MAX_DEVICE_METADATA_ENTRIES = 32;

function invalid(reason: string, field: string, message: string): Result<never> {
  // interfaces 13 §3: a malformed payload is envelope_invalid.
  return err(nodeError("envelope_invalid", message, { reason, field }));
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function text(value: unknown, min: number, max: number): value is string {
  if (typeof value !== "string" || !isWellFormedText(value)) return false;
  const length = codePoints(value);
  return length >= min && length <= max;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** RFC 3339 §5.6 date-time to ms since the epoch; undefined for anything else (leap seconds included). */
export function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3)));
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (m[9] === "-" ? -1 : 1);
  return date.getTime() - offset;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Structure only (interfaces 13 §2.1): every field, unknown ones rejected, sizes in bounds. */
export function checkRegistrationRequest(input: unknown): Result<CheckedRegistration> {
  if (!isJsonObject(input)) return invalid("not_an_object", "", "A registration request is an object.");
  // Copies, once: what is checked is exactly what is signed, whatever getters the input had.
  const request: Record<string, unknown> = { ...input };
  for (const key of Object.keys(request)) if (!REQUEST_FIELDS.has(key)) return invalid("unknown_field", key, `Unknown field ${key}.`);
  if (!isJsonObject(request["payload"])) return invalid("missing_field", "payload", "The request lacks its payload object.");
  const payload: Record<string, unknown> = { ...request["payload"] };
  for (const key of Object.keys(payload))
    if (!PAYLOAD_FIELDS.has(key)) return invalid("unknown_field", `payload.${key}`, `Unknown field payload.${key}.`);
  for (const key of ["public_key", "nonce", "timestamp"])
    if (payload[key] === undefined) return invalid("missing_field", `payload.${key}`, `The payload lacks ${key}.`);

  const publicKeyText = payload["public_key"];
  if (typeof publicKeyText !== "string") return invalid("invalid_type", "payload.public_key", "public_key must be a string.");
  const nonceText = payload["nonce"];
  const nonce = typeof nonceText === "string" ? fromBase64url(nonceText) : undefined;
  if (nonce === undefined || nonce.length < NONCE_BYTES.min || nonce.length > NONCE_BYTES.max)
    return invalid("invalid_encoding", "payload.nonce", "nonce must be base64url of 16-64 bytes.");
  const timestamp = payload["timestamp"];
  const time = typeof timestamp === "string" ? parseRfc3339(timestamp) : undefined;
  if (time === undefined) return invalid("invalid_encoding", "payload.timestamp", "timestamp must be an RFC 3339 date-time.");
  if (payload["frontend_user_id"] !== undefined && !text(payload["frontend_user_id"], 1, TEXT_MAX))
    return invalid("out_of_range", "payload.frontend_user_id", "frontend_user_id must have 1-64 characters.");
  if (payload["device_metadata"] !== undefined) {
    const metadata = payload["device_metadata"];
    if (!isJsonObject(metadata)) return invalid("invalid_type", "payload.device_metadata", "device_metadata must be an object.");
    const entries = Object.entries(metadata);
    if (entries.length > MAX_DEVICE_METADATA_ENTRIES)
      return invalid("out_of_range", "payload.device_metadata", `device_metadata holds at most ${MAX_DEVICE_METADATA_ENTRIES} entries.`);
    for (const [key, value] of entries)
      if (!text(key, 1, TEXT_MAX) || !text(value, 0, METADATA_VALUE_MAX))
        return invalid("out_of_range", "payload.device_metadata", "device_metadata keys have 1-64 characters, values 0-1024.");
    payload["device_metadata"] = Object.fromEntries(entries);
  }

  const signatureText = request["signature"];
  if (signatureText === undefined) return invalid("missing_field", "signature", "The request lacks its signature.");
  const signature = typeof signatureText === "string" ? fromBase64url(signatureText) : undefined;
  if (signature?.length !== 64) return invalid("invalid_encoding", "signature", "signature must be base64url of 64 bytes.");

  // interfaces 13 §3: a public key that cannot be parsed or is unsupported fails as a bad signature.
  const publicKey = fromBase64url(publicKeyText);
  if (publicKey?.length !== 32)
    return err(nodeError("ERR_AUTH_SIGNATURE_INVALID", "public_key is not an Ed25519 public key.", { reason: "unsupported_key" }));
  return ok({ payload: payload as RegistrationPayload, publicKey, signature, time });
}

/** interfaces 13 §2.2: the signed bytes are the UTF-8 JCS of `payload` alone. */
export function registrationSignedBytes(payload: RegistrationPayload): Uint8Array {
  return canonicalBytes(payload);
}

export type RegistrationDraft = {
  readonly nonce: Uint8Array;
  readonly timestamp: string;
  readonly frontendUserId?: string;
  readonly deviceMetadata?: Readonly<Record<string, string>>;
};

/** The frontend side: a registration request signed with the frontend's key. */
export async function signRegistration(signer: Signer, draft: RegistrationDraft): Promise<RegistrationRequest> {
  const payload: RegistrationPayload = {
    public_key: toBase64url(signer.publicKey),
    nonce: toBase64url(draft.nonce),
    timestamp: draft.timestamp,
    ...(draft.frontendUserId === undefined ? {} : { frontend_user_id: draft.frontendUserId }),
    ...(draft.deviceMetadata === undefined ? {} : { device_metadata: draft.deviceMetadata }),
  };
  return { payload, signature: toBase64url(await signer.sign(registrationSignedBytes(payload))) };
}

export function responseSignedBytes(response: Omit<RegistrationResponse, "server_signature">): Uint8Array {
  return canonicalBytes(response);
}

/**
 * The frontend side (interfaces 13 §3): the response must verify under `server_public_key`, and that
 * key must be the pinned one. Either failure is a hard authentication failure.
 */
export async function verifyRegistrationResponse(
  response: RegistrationResponse,
  pinnedServerKey: string,
  verifier: Ed25519Verifier,
): Promise<Result<RegistrationResponse>> {
  if (response.server_public_key !== pinnedServerKey)
    return err(nodeError("auth_invalid", "The response comes from another node key.", { reason: "server_key_mismatch" }));
  const { server_signature: signatureText, ...signed } = response;
  const key = fromBase64url(response.server_public_key);
  const signature = fromBase64url(signatureText);
  if (key === undefined || signature === undefined)
    return err(nodeError("ERR_AUTH_SIGNATURE_INVALID", "The response signature is not base64url.", { reason: "invalid_encoding" }));
  const verdict = await verifier.verify(key, responseSignedBytes(signed), signature);
  return verdict.valid
    ? ok(response)
    : err(nodeError("ERR_AUTH_SIGNATURE_INVALID", "The response signature does not verify.", { reason: verdict.reason }));
}
