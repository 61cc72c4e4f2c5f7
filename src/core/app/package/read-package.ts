// Opens an app package (DESIGN D8, 04-interfaces 06 §2.3) as pure data: signature first, then the
// container, then each document. Nothing here touches storage; a package that passes is only
// *well-formed and signed* — whether its publisher is trusted is the App manager's decision.
import { defaultVerifier, type Ed25519Verifier } from "../../crypto/index.ts";
import { toHex } from "../../shared/bytes.ts";
import { compileSchema } from "../../schema/index.ts";
import type { JsonObject, JsonValue } from "../../shared/json.ts";
import { ok, type Result } from "../../shared/result.ts";
import { parseWireJson } from "../../shared/wire-json.ts";
import { parseAclDefaults, type AclDefaults } from "./acl-defaults.ts";
import { checkPublisherChain } from "./envelopes.ts";
import { DEFAULT_PACKAGE_LIMITS, type PackageLimits } from "./limits.ts";
import { parseManifest, type AppManifest } from "./manifest.ts";
import { invalidDocument, invalidPackage } from "./package-error.ts";
import { FRONTEND_DIR, FRONTEND_ENTRY } from "./paths.ts";
import { packageDigest, parsePackageSignature, verifyPackageSignature } from "./signature.ts";
import { readZipEntries, type ZipEntries } from "./zip.ts";

export type VerifiedPackage = {
  /** SHA-256 of the raw ZIP, hex: what the signature covers and what built-ins are pinned by. */
  readonly digest: string;
  readonly manifest: AppManifest;
  readonly schema: JsonObject;
  readonly acl: AclDefaults;
  readonly publisher: { readonly publicKey: string; readonly identityId: string; readonly name: string };
  /** The publisher's envelopes to ingest, in order; the last creates this version's schema object. */
  readonly envelopes: readonly string[];
  readonly schemaEnvelopeId: string;
  /** Files under frontend/, keyed by their path below it (`index.html`, `app.js`, …). */
  readonly frontend: ReadonlyMap<string, Uint8Array>;
};

export type OpenPackageOptions = { readonly limits?: Partial<PackageLimits>; readonly verifier?: Ed25519Verifier };

export async function openPackage(
  zip: Uint8Array,
  signature: string | Uint8Array,
  options: OpenPackageOptions = {},
): Promise<Result<VerifiedPackage>> {
  const limits = { ...DEFAULT_PACKAGE_LIMITS, ...options.limits };
  if (zip.length > limits.maxPackageBytes)
    return invalidPackage("package_too_large", `The package exceeds ${limits.maxPackageBytes} bytes.`, { limit: limits.maxPackageBytes });
  const sig = parsePackageSignature(signature);
  if (!sig.ok) return sig;
  const verifier = options.verifier ?? (await defaultVerifier());
  const signed = await verifyPackageSignature(zip, sig.value, verifier);
  if (!signed.ok) return signed;
  const entries = readZipEntries(zip, limits);
  if (!entries.ok) return entries;
  const docs = readDocuments(entries.value, limits);
  if (!docs.ok) return docs;
  const manifest = parseManifest(docs.value.manifest);
  if (!manifest.ok) return manifest;
  const schema = checkSchema(docs.value.schema, manifest.value);
  if (!schema.ok) return schema;
  const acl = parseAclDefaults(docs.value.acl, schema.value.typeKeys);
  if (!acl.ok) return acl;
  const chain = await checkPublisherChain(docs.value.envelopes, sig.value.publisher_public_key, docs.value.schema, limits.maxEnvelopes, {
    verifier,
  });
  if (!chain.ok) return chain;
  return ok({
    digest: toHex(packageDigest(zip)),
    manifest: manifest.value,
    schema: schema.value.document,
    acl: acl.value,
    publisher: { publicKey: sig.value.publisher_public_key, identityId: chain.value.publisherId, name: chain.value.publisherName },
    envelopes: chain.value.texts,
    schemaEnvelopeId: chain.value.schemaEnvelopeId,
    frontend: frontendFiles(entries.value),
  });
}

type Documents = { manifest: JsonValue; schema: JsonValue; envelopes: JsonValue; acl: JsonValue | undefined };

function readDocuments(entries: ZipEntries, limits: PackageLimits): Result<Documents> {
  for (const path of ["manifest.json", "schema.json", "envelopes.json", FRONTEND_ENTRY])
    if (!entries.has(path)) return invalidDocument("missing_file", `The package has no ${path}.`, { path });
  const parsed: Record<string, JsonValue> = {};
  for (const path of ["manifest.json", "schema.json", "envelopes.json", "acl.json"]) {
    const bytes = entries.get(path);
    if (bytes === undefined) continue;
    if (bytes.length > limits.maxDocumentBytes)
      return invalidPackage("file_too_large", `${path} exceeds ${limits.maxDocumentBytes} bytes.`, {
        path,
        limit: limits.maxDocumentBytes,
      });
    // The wire's strict parser: UTF-8 only, duplicate keys refused, depth bounded.
    const value = parseWireJson(bytes, { maxBytes: limits.maxDocumentBytes });
    if (!value.ok)
      return invalidDocument("document_not_json", `${path} is not strict JSON.`, { path, cause: String(value.error.data["reason"] ?? "") });
    parsed[path] = value.value;
  }
  return ok({
    manifest: parsed["manifest.json"]!,
    schema: parsed["schema.json"]!,
    envelopes: parsed["envelopes.json"]!,
    acl: parsed["acl.json"],
  });
}

function checkSchema(value: JsonValue, manifest: AppManifest): Result<{ document: JsonObject; typeKeys: readonly string[] }> {
  const compiled = compileSchema(value);
  if (!compiled.ok) return compiled;
  if (compiled.value.app !== manifest.slug)
    return invalidPackage("schema_app_mismatch", "schema.json is for another app than the manifest.", { path: "schema.json" });
  if (compiled.value.version !== manifest.version)
    return invalidPackage("schema_version_mismatch", "schema.json version differs from the manifest version.", { path: "schema.json" });
  return ok({ document: value as JsonObject, typeKeys: Object.keys(compiled.value.types) });
}

function frontendFiles(entries: ZipEntries): ReadonlyMap<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [path, bytes] of entries) if (path.startsWith(FRONTEND_DIR)) files.set(path.slice(FRONTEND_DIR.length), bytes);
  return files;
}
