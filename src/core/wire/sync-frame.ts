// Sync `package` frames (DESIGN D2, §3): node-signed metadata that binds a range of the sender's
// sequence to the exact envelope ids carried beside it. Stateless: cursors are the State manager's.
import { defaultVerifier, type Ed25519Verifier, type Signer } from "../crypto/index.ts";
import { fromBase64url, toBase64url, utf8 } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { nodeError } from "../shared/errors.ts";
import { identityIdFromKey, parseEnvelopeId, parseIdentityId, parsePublicKeyText, publicKeyText } from "../shared/ids.ts";
import type { EnvelopeId, IdentityId, PublicKeyText } from "../shared/ids.ts";
import { isJsonObject, type JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isSyncDomain } from "./names.ts";

export type PackageFrame = {
  readonly frame: "package";
  readonly sender_identity: IdentityId;
  readonly sender_key: PublicKeyText;
  /** `<app>/<domain>`. */
  readonly sync_domain: string;
  /** First sequence number of the range: the receiver's cursor for (peer, domain) + 1. */
  readonly from_seq: number;
  readonly to_seq: number;
  /** Carried envelopes in range order; the range may cover envelopes the receiver may not read. */
  readonly envelope_ids: readonly EnvelopeId[];
  readonly signature: string;
};

const FRAME_FIELDS = ["frame", "sender_identity", "sender_key", "sync_domain", "from_seq", "to_seq", "envelope_ids", "signature"];

/** At most this many envelopes per package frame, so one frame bounds the receiver's work. */
export const MAX_FRAME_ENVELOPES = 1_000;

export type PackageFrameDraft = {
  readonly syncDomain: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly envelopeIds: readonly EnvelopeId[];
  /** The sending node's identity; defaults to the identity whose root key is the signer's. */
  readonly senderIdentity?: IdentityId;
};

function structError(
  code: "ERR_STRUCT_MISSING_FIELD" | "ERR_STRUCT_INVALID_TYPE" | "ERR_STRUCT_INVALID_IDENTIFIER" | "ERR_STRUCT_INVALID_ENCODING",
  field: string,
  reason: string,
) {
  return err(nodeError(code, `Package frame rejected at ${field}: ${reason}.`, { path: field, reason }));
}

function isSafeSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

/** Stage 1 for frames: fields, types, ids, and a well-formed range. */
export function checkPackageFrameStructure(value: JsonValue): Result<PackageFrame> {
  if (!isJsonObject(value)) return structError("ERR_STRUCT_INVALID_TYPE", "", "expected_object");
  for (const field of FRAME_FIELDS)
    if (!Object.hasOwn(value, field)) return structError("ERR_STRUCT_MISSING_FIELD", field, "missing_field");
  const unknown = Object.keys(value)
    .filter((k) => !FRAME_FIELDS.includes(k))
    .sort();
  if (unknown.length > 0) return structError("ERR_STRUCT_INVALID_TYPE", unknown[0]!, "unknown_field");
  if (value["frame"] !== "package") return structError("ERR_STRUCT_INVALID_TYPE", "frame", "unsupported_frame");
  if (parseIdentityId(value["sender_identity"]) === undefined)
    return structError("ERR_STRUCT_INVALID_IDENTIFIER", "sender_identity", "invalid_identity_id");
  if (parsePublicKeyText(value["sender_key"]) === undefined)
    return structError("ERR_STRUCT_INVALID_ENCODING", "sender_key", "invalid_public_key");
  const domain = value["sync_domain"];
  if (typeof domain !== "string" || !isSyncDomain(domain))
    return structError("ERR_STRUCT_INVALID_IDENTIFIER", "sync_domain", "invalid_sync_domain");
  const from = value["from_seq"];
  const to = value["to_seq"];
  if (!isSafeSeq(from)) return structError("ERR_STRUCT_INVALID_TYPE", "from_seq", "expected_positive_integer");
  if (!isSafeSeq(to)) return structError("ERR_STRUCT_INVALID_TYPE", "to_seq", "expected_positive_integer");
  if (from > to) return structError("ERR_STRUCT_INVALID_TYPE", "to_seq", "inverted_range");
  const ids = value["envelope_ids"];
  if (!Array.isArray(ids)) return structError("ERR_STRUCT_INVALID_TYPE", "envelope_ids", "expected_array");
  if (ids.length > MAX_FRAME_ENVELOPES) return structError("ERR_STRUCT_INVALID_TYPE", "envelope_ids", "too_many_envelopes");
  const bad = ids.findIndex((id) => parseEnvelopeId(id) === undefined);
  if (bad >= 0) return structError("ERR_STRUCT_INVALID_IDENTIFIER", `envelope_ids[${bad}]`, "invalid_envelope_id");
  if (typeof value["signature"] !== "string" || fromBase64url(value["signature"])?.length !== 64) {
    return structError("ERR_STRUCT_INVALID_ENCODING", "signature", "invalid_signature_encoding");
  }
  return ok(value as PackageFrame);
}

function signedFrameBytes(frame: Omit<PackageFrame, "signature">): Uint8Array {
  return utf8(canonicalize(frame));
}

/** Signs a package frame with the node key (DESIGN D2: sync frames are signed by the sending node). */
export async function buildPackageFrame(signer: Signer, draft: PackageFrameDraft): Promise<Result<PackageFrame>> {
  const senderKey = publicKeyText(signer.publicKey);
  const unsigned = {
    frame: "package" as const,
    sender_identity: draft.senderIdentity ?? identityIdFromKey(senderKey),
    sender_key: senderKey,
    sync_domain: draft.syncDomain,
    from_seq: draft.fromSeq,
    to_seq: draft.toSeq,
    envelope_ids: [...draft.envelopeIds],
  };
  const placeholder = checkPackageFrameStructure({ ...unsigned, signature: toBase64url(new Uint8Array(64)) });
  if (!placeholder.ok) return placeholder;
  const contents = checkRangeContents(placeholder.value);
  if (!contents.ok) return contents;
  const signature = toBase64url(await signer.sign(signedFrameBytes(unsigned)));
  return ok(Object.freeze({ ...unsigned, signature }));
}

/**
 * Stage 5, stateless part: each id at most once. (Wire v2: a package may carry more links than its
 * range holds, since the stubs that connect a chain lie outside it; the receiver bounds the full ones.)
 */
function checkRangeContents(frame: PackageFrame): Result<PackageFrame> {
  if (new Set(frame.envelope_ids).size !== frame.envelope_ids.length) {
    return err(nodeError("ERR_SYNC_RANGE_MISMATCH", "The frame names an envelope twice.", { reason: "duplicate_id" }));
  }
  return ok(frame);
}

/**
 * Verifies an untrusted package frame before any envelope work: structure, then the sender's
 * signature, then that `carriedIds` (ids computed from the envelopes beside the frame, in order) are
 * exactly the ids the signature binds. The envelopes themselves are validated one by one afterwards.
 */
export async function verifyPackageFrame(
  value: JsonValue,
  carriedIds: readonly EnvelopeId[],
  options: { readonly verifier?: Ed25519Verifier } = {},
): Promise<Result<PackageFrame>> {
  const structure = checkPackageFrameStructure(value);
  if (!structure.ok) return structure;
  const { signature, ...unsigned } = structure.value;
  const verifier = options.verifier ?? (await defaultVerifier());
  const verdict = await verifier.verify(fromBase64url(unsigned.sender_key)!, signedFrameBytes(unsigned), fromBase64url(signature)!);
  if (!verdict.valid)
    return err(nodeError("ERR_CRYPTO_INVALID_SIGNATURE", "The package frame signature does not verify.", { reason: verdict.reason }));
  const contents = checkRangeContents(structure.value);
  if (!contents.ok) return contents;
  const declared = structure.value.envelope_ids;
  if (carriedIds.length !== declared.length || carriedIds.some((id, i) => id !== declared[i])) {
    return err(nodeError("ERR_SYNC_RANGE_MISMATCH", "The carried envelopes are not the ones the frame signs.", { reason: "ids_mismatch" }));
  }
  return ok(structure.value);
}
