// Packs the hostile mini-app (e2e/fixtures/hostile-app) with the trap server's origin baked in.
import { join } from "node:path";
import { build } from "esbuild";
import { buildPackage, utf8, type Signer } from "../../src/core/index.ts";
import type { PackageFiles } from "./app-packages.ts";
import { writePackage } from "./app-packages.ts";

export async function hostilePackage(trapOrigin: string, signer: Signer): Promise<PackageFiles> {
  const bundled = await build({
    entryPoints: [join(import.meta.dirname, "..", "fixtures", "hostile-app", "app.ts")],
    bundle: true,
    format: "iife",
    target: "es2022",
    write: false,
    define: { __TRAP__: JSON.stringify(trapOrigin) },
  });
  const schema = {
    app: "hostile",
    version: "1.0.0",
    types: { "hostile.note": { kind: "parent", fields: { text: { type: "string" } } } },
    domains: { notes: { types: ["hostile.note"], mode: "sync" } },
  };
  const manifest = {
    slug: "hostile",
    version: "1.0.0",
    composition: "frontend",
    title: "Totally Harmless",
    capabilities: [],
    dependencies: [],
    config_keys: [],
    requires: { platform: { min_version: "0.1.0" } },
  };
  const html = `<!doctype html><html><head><title>x</title><img src="${trapOrigin}/inline.png"></head><body><pre id="results"></pre><p id="pick"></p><script src="app.js"></script></body></html>`;
  const frontend = { "index.html": utf8(html), "app.js": bundled.outputFiles[0]!.contents };
  const built = await buildPackage({ manifest, schema, frontend }, { signer, name: "Mallory", chain: [] }, "2026-12-01T12:00:00.000Z");
  if (!built.ok) throw new Error(built.error.message);
  return writePackage("hostile", built.value.zip, built.value.signature);
}
