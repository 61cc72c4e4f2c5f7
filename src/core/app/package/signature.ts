// The detached package signature (04-interfaces 06 §2.3, DESIGN D8): `{ publisher_public_key,
// signature }`, base64url (RFC 4648 §5, as every key on our wire; the design set's base64 example
// is secp256k1 and does not apply), Ed25519 by the publisher over SHA-256 of the raw ZIP bytes as
// received. Checked first: nothing inside an unsigned package is even unzipped.
import { sha256, type Ed25519Verifier, type Signer } from "../../crypto/index.ts";
import { fromBase64url, toBase64url } from "../../shared/bytes.ts";
import { isJsonObject } from "../../shared/json.ts";
import { err, ok, type Result } from "../../shared/result.ts";
import { parseWireJson } from "../../shared/wire-json.ts";
import { canonicalize } from "../../shared/canonical-json.ts";
import { invalidDocument, packageError } from "./package-error.ts";

export type PackageSignature = { readonly publisher_public_key: string; readonly signature: string };

const MAX_SIGNATURE_DOCUMENT_BYTES = 1024;

/** What a publisher ships beside the ZIP; canonical JSON so its bytes are one function of the values. */
export async function signPackage(signer: Signer, zip: Uint8Array): Promise<string> {
  const signature = await signer.sign(sha256(zip));
  return canonicalize({ publisher_public_key: toBase64url(signer.publicKey), signature: toBase64url(signature) });
}

export function parsePackageSignature(input: string | Uint8Array): Result<PackageSignature> {
  const parsed = parseWireJson(input, { maxBytes: MAX_SIGNATURE_DOCUMENT_BYTES });
  if (!parsed.ok) return invalidDocument("signature_not_json", "The package signature is not a JSON document.");
  const value = parsed.value;
  if (!isJsonObject(value)) return invalidDocument("signature_not_object", "The package signature must be a JSON object.");
  for (const key of Object.keys(value))
    if (key !== "publisher_public_key" && key !== "signature")
      return invalidDocument("unknown_field", "The package signature has an unknown field.", { field: key });
  const { publisher_public_key: key, signature } = value;
  if (typeof key !== "string" || fromBase64url(key)?.length !== 32)
    return invalidDocument("invalid_public_key", "publisher_public_key must be 32 bytes of base64url.", { field: "publisher_public_key" });
  if (typeof signature !== "string" || fromBase64url(signature)?.length !== 64)
    return invalidDocument("invalid_signature_encoding", "signature must be 64 bytes of base64url.", { field: "signature" });
  return ok({ publisher_public_key: key, signature });
}

/** The package digest, hex; also what built-in packages are pinned by (ADR 0015). */
export function packageDigest(zip: Uint8Array): Uint8Array {
  return sha256(zip);
}

export async function verifyPackageSignature(zip: Uint8Array, sig: PackageSignature, verifier: Ed25519Verifier): Promise<Result<void>> {
  const verdict = await verifier.verify(fromBase64url(sig.publisher_public_key)!, packageDigest(zip), fromBase64url(sig.signature)!);
  if (verdict.valid) return ok(undefined);
  return err(
    packageError("ERR_SVC_SYS_APP_SIGNATURE_INVALID", "signature_invalid", "The package is not signed by the key it names.", {
      verdict: verdict.reason,
    }),
  );
}
