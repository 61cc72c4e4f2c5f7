// `npm run pack-app <dir> -- --key <publisher.key.json> [--out <file.zip>] [--name "Publisher"]`
// Packs an app directory (manifest.json, schema.json, optional acl.json, frontend/) into a signed
// package: <out> and <out>.sig.json (DESIGN D8). The key file is the developer's: it holds the
// publisher seed and the chain of envelopes signed so far, and is created (mode 0600) on first use.
// Never commit it: whoever holds it publishes as you.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { buildPackage, createSigner, fromBase64url, openPackage, toBase64url, type JsonObject } from "../src/core/index.ts";

type KeyFile = { readonly name: string; readonly seed: string; readonly chain: readonly string[] };

function readJson(path: string): JsonObject {
  return JSON.parse(readFileSync(path, "utf8")) as JsonObject;
}

function frontendFiles(dir: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path).split(sep).join("/")] = readFileSync(path);
    }
  };
  walk(dir);
  return files;
}

function loadKey(path: string, name: string | undefined): KeyFile {
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as KeyFile;
  if (name === undefined) throw new Error(`${path} does not exist; pass --name "<publisher name>" to create it`);
  const key: KeyFile = { name, seed: toBase64url(crypto.getRandomValues(new Uint8Array(32))), chain: [] };
  writeFileSync(path, JSON.stringify(key, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  console.log(`created publisher key ${path} — keep it safe and out of version control`);
  return key;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { key: { type: "string" }, out: { type: "string" }, name: { type: "string" } },
  });
  const dir = positionals[0];
  if (dir === undefined || values.key === undefined)
    throw new Error("usage: npm run pack-app <dir> -- --key <publisher.key.json> [--out <file.zip>] [--name <publisher>]");
  const keyPath = resolve(values.key);
  const key = loadKey(keyPath, values.name);
  const signer = await createSigner({ seed: fromBase64url(key.seed)!, engine: "noble" });
  const source = {
    manifest: readJson(join(dir, "manifest.json")),
    schema: readJson(join(dir, "schema.json")),
    ...(existsSync(join(dir, "acl.json")) ? { acl: readJson(join(dir, "acl.json")) } : {}),
    frontend: frontendFiles(join(dir, "frontend")),
  };
  const built = await buildPackage(source, { signer, name: key.name, chain: key.chain }, new Date().toISOString());
  if (!built.ok) throw new Error(`${built.error.code}: ${built.error.message} ${JSON.stringify(built.error.data)}`);
  // The node's own reader is the judge: a package that would be refused is never written.
  const opened = await openPackage(built.value.zip, built.value.signature);
  if (!opened.ok) throw new Error(`${opened.error.code}: ${opened.error.message} ${JSON.stringify(opened.error.data)}`);
  const out = resolve(values.out ?? `${basename(resolve(dir))}-${opened.value.manifest.version}.zip`);
  writeFileSync(out, built.value.zip);
  writeFileSync(`${out}.sig.json`, built.value.signature + "\n");
  writeFileSync(keyPath, JSON.stringify({ ...key, chain: built.value.chain }, null, 2) + "\n", { mode: 0o600 });
  console.log(`${out}\n  ${opened.value.manifest.slug} ${opened.value.manifest.version} by ${key.name}\n  sha256 ${opened.value.digest}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
