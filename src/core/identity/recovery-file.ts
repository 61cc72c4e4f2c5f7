// The recovery file, format 2 (ADR 0021): one identity's sealed recovery key and the signed history
// of the node that made it, in one JSON text. Every byte counts: the header is signed by the
// recovery key, the envelopes are hashed into the header, and the sealed key opens only under the
// header's identity and key. Pure: building and checking the text; the node's flows live elsewhere.
import { createSha256, createVerifier, type Signer } from "../crypto/index.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { fromBase64url, toBase64url, utf8 } from "../shared/bytes.ts";
import { nodeError } from "../shared/errors.ts";
import { identityIdFromKey, parseIdentityId, parsePublicKeyText, type IdentityId, type PublicKeyText } from "../shared/ids.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { parseWireJson } from "../shared/wire-json.ts";
import { parseSealedKey, type SealedKey } from "../key/index.ts";

export const RECOVERY_FORMAT = "twoway-recovery";
export const RECOVERY_FORMAT_VERSION = 2;
/** What the file can be, at most: a node's whole history fits (storage budgets are smaller). */
export const MAX_RECOVERY_FILE_BYTES = 64 * 1024 * 1024;
const MAX_ENVELOPES = 1_000_000;
const MAX_ENVELOPE_CHARS = 65_536;
const SIGNING_PREFIX = "2way recovery file v2\n";
const SEALING_PREFIX = "2way recovery key v2\n";

export const RECOVERY_NOTICE =
  "This file holds your identity's recovery key, sealed under the passphrase you chose, and the signed history of the node " +
  "that made it. With the passphrase it restores your identity on a new device; without it, the key cannot be read. " +
  "Keep the file and the passphrase apart.";

export type RecoveryEntry = {
  readonly seq: number;
  readonly id: string;
  readonly status: "accepted" | "suppressed";
  readonly text: string;
};

export type RecoveryFileHeader = {
  readonly format: typeof RECOVERY_FORMAT;
  readonly formatVersion: typeof RECOVERY_FORMAT_VERSION;
  readonly exportedAt: string;
  readonly protocolVersion: readonly [number, number, number];
  readonly nodeName: string;
  readonly identity: { readonly identityId: IdentityId; readonly name: string | null; readonly rootKey: PublicKeyText };
  readonly recoveryKey: PublicKeyText;
  readonly sealedKey: SealedKey;
  readonly globalSeq: number;
  readonly stateDigest: string;
  readonly envelopeCount: number;
  /** SHA-256 over the JCS of each entry, each followed by a newline, in file order. */
  readonly historyDigest: string;
  readonly privateKeysIncluded: "recovery_key_sealed";
  readonly notice: string;
};

export type RecoveryFile = { readonly header: RecoveryFileHeader; readonly entries: readonly RecoveryEntry[] };

/** The AES-GCM additional data: the sealed key opens only for this identity and this key. */
export function sealingContext(identityId: string, recoveryKey: string): Uint8Array {
  return utf8(SEALING_PREFIX + canonicalize({ format: RECOVERY_FORMAT, formatVersion: RECOVERY_FORMAT_VERSION, identityId, recoveryKey }));
}

function signedBytes(header: RecoveryFileHeader | JsonObject): Uint8Array {
  return utf8(SIGNING_PREFIX + canonicalize(header));
}

export function historyDigest(entries: readonly RecoveryEntry[]): string {
  const hasher = createSha256();
  for (const entry of entries) hasher.update(utf8(`${canonicalize(entry)}\n`));
  return toBase64url(hasher.digest());
}

/** The file's text: the header, its signature by the recovery key, then the entries. */
export async function buildRecoveryFileText(
  header: RecoveryFileHeader,
  entries: readonly RecoveryEntry[],
  signer: Signer,
): Promise<string> {
  const signature = toBase64url(await signer.sign(signedBytes(header)));
  const parts = [`{"recovery":${JSON.stringify(header)},"signature":"${signature}","envelopes":[`];
  entries.forEach((entry, i) => parts.push(`${i === 0 ? "" : ","}${JSON.stringify(entry)}`));
  parts.push("]}");
  return parts.join("");
}

function invalid(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_RECOVERY_FILE_INVALID", message, { reason }));
}

const DAMAGED = "The recovery file is damaged: it is not the file 2WAY wrote.";

function parseEntry(value: JsonValue): RecoveryEntry | undefined {
  if (!isJsonObject(value) || Object.keys(value).length !== 4) return undefined;
  const { seq, id, status, text } = value;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1 || typeof id !== "string") return undefined;
  if ((status !== "accepted" && status !== "suppressed") || typeof text !== "string" || text.length > MAX_ENVELOPE_CHARS) return undefined;
  return { seq, id, status, text };
}

function parseHeaderFields(value: JsonValue): RecoveryFileHeader | undefined {
  if (!isJsonObject(value) || !isJsonObject(value["identity"])) return undefined;
  const identity = value["identity"];
  const rootKey = parsePublicKeyText(identity["rootKey"]);
  const identityId = parseIdentityId(identity["identityId"]);
  if (rootKey === undefined || identityId === undefined || identityIdFromKey(rootKey) !== identityId) return undefined;
  if (parsePublicKeyText(value["recoveryKey"]) === undefined) return undefined;
  for (const field of ["exportedAt", "nodeName", "stateDigest", "historyDigest", "notice"])
    if (typeof value[field] !== "string") return undefined;
  for (const field of ["globalSeq", "envelopeCount"])
    if (typeof value[field] !== "number" || !Number.isSafeInteger(value[field]) || value[field] < 0) return undefined;
  if (value["privateKeysIncluded"] !== "recovery_key_sealed") return undefined;
  return value as unknown as RecoveryFileHeader;
}

/**
 * A recovery file from untrusted bytes, checked in full before anything is decrypted or written:
 * its format, the recovery key's signature over the header, and the history against its digest.
 * Any failure is ERR_RECOVERY_FILE_INVALID with a reason; the passphrase is not needed yet.
 */
export async function parseRecoveryFile(bytes: Uint8Array): Promise<Result<RecoveryFile>> {
  if (bytes.length > MAX_RECOVERY_FILE_BYTES) return invalid("too_large", "The file is too large to be a recovery file.");
  const parsed = parseWireJson(bytes, {
    maxBytes: MAX_RECOVERY_FILE_BYTES,
    maxArrayLength: MAX_ENVELOPES,
    maxStringLength: MAX_ENVELOPE_CHARS,
  });
  if (!parsed.ok) return invalid("not_json", "This is not a recovery file: it is not readable JSON (damaged or cut short?).");
  const root = parsed.value;
  if (!isJsonObject(root) || !isJsonObject(root["recovery"])) return invalid("not_recovery_file", "This is not a 2WAY recovery file.");
  const raw = root["recovery"];
  if (raw["format"] !== RECOVERY_FORMAT) return invalid("not_recovery_file", "This is not a 2WAY recovery file.");
  if (raw["formatVersion"] === 1)
    return invalid(
      "no_key_in_file",
      "This recovery file was made before recovery keys existed: it holds history, but no key to restore with.",
    );
  if (raw["formatVersion"] !== RECOVERY_FORMAT_VERSION)
    return invalid("unsupported_version", "This recovery file is from another version of 2WAY.");
  if (Object.keys(root).length !== 3 || typeof root["signature"] !== "string" || !Array.isArray(root["envelopes"]))
    return invalid("damaged", DAMAGED);
  const header = parseHeaderFields(raw);
  const sealed = parseSealedKey(raw["sealedKey"]);
  if (header === undefined || !sealed.ok) return invalid("damaged", DAMAGED);
  const signature = fromBase64url(root["signature"]);
  const verifier = await createVerifier();
  const verdict =
    signature === undefined ? undefined : await verifier.verify(fromBase64url(header.recoveryKey)!, signedBytes(raw), signature);
  if (verdict?.valid !== true) return invalid("signature_invalid", DAMAGED);
  const entries: RecoveryEntry[] = [];
  for (const value of root["envelopes"] as readonly JsonValue[]) {
    const entry = parseEntry(value);
    if (entry === undefined) return invalid("damaged", DAMAGED);
    entries.push(entry);
  }
  if (entries.length !== header.envelopeCount || historyDigest(entries) !== header.historyDigest)
    return invalid("history_mismatch", "The recovery file is damaged: its history is not the one it was signed with.");
  return ok({ header, entries });
}
