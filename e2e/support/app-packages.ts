// Signed app packages for the mini-app journeys, built in Node from examples/ (and hostile variants)
// with publisher keys made for the test, written to a temp dir so the page can pick them as files.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { buildPackage, createSigner, signPackage, type JsonObject, type Signer } from "../../src/core/index.ts";

const dir = mkdtempSync(join(tmpdir(), "twoway-packages-"));
const example = join(import.meta.dirname, "..", "..", "examples", "notes");

export type PackageFiles = { readonly zip: string; readonly sig: string; readonly bytes: Uint8Array; readonly signature: string };

export function writePackage(name: string, zip: Uint8Array, signature: string): PackageFiles {
  const zipPath = join(dir, `${name}.zip`);
  writeFileSync(zipPath, zip);
  writeFileSync(`${zipPath}.sig.json`, signature);
  return { zip: zipPath, sig: `${zipPath}.sig.json`, bytes: zip, signature };
}

function json(path: string): JsonObject {
  return JSON.parse(readFileSync(path, "utf8")) as JsonObject;
}

export function exampleFrontend(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const name of readdirSync(join(example, "frontend"))) files[name] = readFileSync(join(example, "frontend", name));
  return files;
}

export async function publisher(seed: number): Promise<Signer> {
  return createSigner({ seed: new Uint8Array(32).fill(seed), engine: "noble" });
}

/** The example notes app at `version`, by `signer`, extending `chain`; frontend overridable. */
export async function notesPackage(
  name: string,
  version: string,
  signer: Signer,
  chain: readonly string[] = [],
  frontend = exampleFrontend(),
) {
  const manifest = { ...json(join(example, "manifest.json")), version };
  const schema = { ...json(join(example, "schema.json")), version };
  const built = await buildPackage(
    { manifest, schema, acl: json(join(example, "acl.json")), frontend },
    { signer, name: "Example Publisher", chain },
    "2026-12-01T12:00:00.000Z",
  );
  if (!built.ok) throw new Error(built.error.message);
  return { files: writePackage(name, built.value.zip, built.value.signature), chain: built.value.chain };
}

/** A package with one extra raw entry (a path escape, an oversized file), re-signed by `signer`. */
export async function withExtraEntry(
  name: string,
  base: PackageFiles,
  path: string,
  content: Uint8Array,
  signer: Signer,
): Promise<PackageFiles> {
  const { unzipSync } = await import("fflate");
  const entries = { ...unzipSync(base.bytes), [path]: content };
  const zip = zipSync(entries, { mtime: new Date(1980, 0, 1) });
  return writePackage(name, zip, await signPackage(signer, zip));
}

export function tampered(name: string, base: PackageFiles): PackageFiles {
  const zip = base.bytes.slice();
  zip[Math.floor(zip.length / 2)]! ^= 0x01;
  return writePackage(name, zip, base.signature);
}

export async function resignedBy(name: string, base: PackageFiles, signer: Signer): Promise<PackageFiles> {
  // The signature document names the original key but carries another key's signature.
  const original = JSON.parse(base.signature) as { publisher_public_key: string };
  const other = JSON.parse(await signPackage(signer, base.bytes)) as { signature: string };
  return writePackage(
    name,
    base.bytes,
    JSON.stringify({ publisher_public_key: original.publisher_public_key, signature: other.signature }),
  );
}
