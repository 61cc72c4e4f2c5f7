// A small valid package and helpers to damage it, for the package tests. Keys come from fixed seeds
// so every run builds the same bytes.
import { zipSync, type Zippable } from "fflate";
import { createSigner, type Signer } from "../../../crypto/index.ts";
import { utf8 } from "../../../shared/bytes.ts";
import type { JsonObject } from "../../../shared/json.ts";
import { buildPackage, type BuiltPackage, type PackageSource } from "../build-package.ts";
import { signPackage } from "../signature.ts";

export const CREATED_AT = "2026-12-01T12:00:00.000Z";

export async function publisherSigner(n = 1): Promise<Signer> {
  return createSigner({ seed: new Uint8Array(32).fill(n), engine: "noble" });
}

export function notesSchema(version = "1.0.0"): JsonObject {
  return {
    app: "notes",
    version,
    types: { "notes.note": { kind: "parent", fields: { title: { type: "string", required: true, max_length: 80 } } } },
    domains: { notes: { types: ["notes.note"], mode: "sync" } },
  };
}

export function notesManifest(version = "1.0.0"): JsonObject {
  return {
    slug: "notes",
    version,
    composition: "frontend",
    title: "Notes",
    description: "A test app.",
    capabilities: ["app.notes.read", "app.notes.write"],
    dependencies: [],
    config_keys: [],
    requires: { platform: { min_version: "0.1.0" } },
  };
}

export function notesSource(version = "1.0.0"): PackageSource {
  return {
    manifest: notesManifest(version),
    schema: notesSchema(version),
    acl: { read: { "notes.note": "owner" } },
    frontend: { "index.html": utf8("<!doctype html><title>Notes</title><script src=app.js></script>"), "app.js": utf8("1") },
  };
}

export async function notesPackage(version = "1.0.0", chain: readonly string[] = [], n = 1): Promise<BuiltPackage> {
  const built = await buildPackage(notesSource(version), { signer: await publisherSigner(n), name: "Test Publisher", chain }, CREATED_AT);
  if (!built.ok) throw new Error(built.error.message);
  return built.value;
}

/** The entries of a built package, to rebuild it with one change. */
export function filesOf(pkg: BuiltPackage, unzip: (z: Uint8Array) => Record<string, Uint8Array>): Zippable {
  return { ...unzip(pkg.zip) };
}

/** Zips `files` as given and signs the bytes, so only the defect under test can fail. */
export async function signedZip(files: Zippable, n = 1): Promise<{ zip: Uint8Array; signature: string }> {
  const zip = zipSync(files, { level: 6, mtime: new Date(1980, 0, 1) });
  return { zip, signature: await signPackage(await publisherSigner(n), zip) };
}

export async function resign(zip: Uint8Array, n = 1): Promise<{ zip: Uint8Array; signature: string }> {
  return { zip, signature: await signPackage(await publisherSigner(n), zip) };
}

/** Offsets of each central directory header (signature PK\x01\x02) in a ZIP. */
export function centralHeaders(zip: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2) out.push(i);
  return out;
}

export function json(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}
