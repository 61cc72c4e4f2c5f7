// Built-in apps (ADR 0015): this release's packages carry exactly the schemas in src/apps, install
// through the signed-package path on a node that pins their digests, give every node the same
// schema objects, and a package rebuilt from the same sources by anyone else is not trusted.
import { describe, expect, it } from "vitest";
import { BUILT_IN_APP_SCHEMAS } from "../src/apps/index.ts";
import { expectOk } from "../src/core/acceptance/fixtures.ts";
import {
  buildPackage,
  canonicalize,
  createNode,
  createSigner,
  fromBase64url,
  openPackage,
  openPackageDatabase,
  sha256,
  utf8,
  type JsonObject,
} from "../src/core/index.ts";
import { testIdb, uniqueName } from "../src/core/shared/test-support/idb.ts";
import { installBuiltInApps, PINNED_PACKAGE_DIGESTS } from "./built-in-apps.ts";
import { BUILT_IN_PACKAGES } from "./built-in-packages.generated.ts";

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function builtInNode() {
  const idb = await testIdb();
  const node = expectOk(await createNode({ name: uniqueName("node"), idb, pinnedPackageDigests: PINNED_PACKAGE_DIGESTS }));
  const store = await openPackageDatabase(uniqueName("apps"), idb);
  return { node, store };
}

describe("built-in packages of this release", () => {
  it("carry exactly the schemas in src/apps, under the digests they are pinned by (else: npm run release-built-ins)", async () => {
    expect(BUILT_IN_PACKAGES.map((p) => p.slug)).toEqual(BUILT_IN_APP_SCHEMAS.map((s) => s.app));
    for (const [i, pkg] of BUILT_IN_PACKAGES.entries()) {
      const zip = fromBase64url(pkg.zip)!;
      expect(hex(sha256(zip))).toBe(pkg.digest);
      const opened = expectOk(await openPackage(zip, pkg.signature), pkg.slug);
      expect(canonicalize(opened.schema)).toBe(canonicalize(BUILT_IN_APP_SCHEMAS[i] as unknown as JsonObject));
      expect(opened.manifest.version).toBe(pkg.version);
    }
  });

  it("install on a node with their pins, once, with titles, and give two nodes the same schema objects", async () => {
    const a = await builtInNode();
    const b = await builtInNode();
    expect(expectOk(await installBuiltInApps(a.node, a.store))).toBe(4);
    expect(expectOk(await installBuiltInApps(a.node, a.store))).toBe(0);
    expectOk(await installBuiltInApps(b.node, b.store));
    expect((await a.node.apps.list()).map((app) => app.state)).toEqual(Array(5).fill("installed_enabled"));
    expect((await a.store.get("app.contacts"))?.title).toBe("Contacts");
    const scope = { app: "system", domain: "apps" };
    expect((await a.node.stateDigest(scope)).digest).toBe((await b.node.stateDigest(scope)).digest);
  });

  it("check and write nothing at a start where this release's packages are kept, and rewrite a kept row whose bytes changed", async () => {
    const { node, store } = await builtInNode();
    expectOk(await installBuiltInApps(node, store));
    const puts: string[] = [];
    const counted = { ...store, put: async (pkg: Parameters<typeof store.put>[0]) => (puts.push(pkg.slug), store.put(pkg)) };
    expect(expectOk(await installBuiltInApps(node, counted))).toBe(0);
    expect(puts).toEqual([]);
    const row = (await store.get("app.contacts"))!;
    const edited = row.zip.slice();
    edited[0] = edited[0]! ^ 1;
    await store.put({ ...row, zip: edited });
    expect(expectOk(await installBuiltInApps(node, counted))).toBe(0);
    expect(puts).toEqual(["app.contacts"]);
    expect((await store.get("app.contacts"))?.zip).toEqual(row.zip);
  });

  it("keep a removed built-in removed", async () => {
    const { node, store } = await builtInNode();
    expectOk(await installBuiltInApps(node, store));
    expectOk(await node.apps.disable("app.market"));
    expectOk(await node.apps.remove("app.market"));
    expect(expectOk(await installBuiltInApps(node, store))).toBe(0);
    expect((await node.apps.list()).find((app) => app.slug === "app.market")?.state).toBe("removed");
  });

  it("are not trusted on a node that does not pin them (ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED)", async () => {
    const node = expectOk(await createNode({ name: uniqueName("node"), idb: await testIdb() }));
    const store = await openPackageDatabase(uniqueName("apps"), await testIdb());
    expect(await installBuiltInApps(node, store)).toMatchObject({ ok: false, error: { code: "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED" } });
    expect(node.globalSeq()).toBe(0);
  });

  it("give no power to a package rebuilt from the same sources with another key (ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED)", async () => {
    const { node } = await builtInNode();
    const original = expectOk(await openPackage(fromBase64url(BUILT_IN_PACKAGES[0]!.zip)!, BUILT_IN_PACKAGES[0]!.signature));
    const forger = await createSigner({ seed: new Uint8Array(32).fill(66), engine: "noble" });
    const manifest = {
      slug: original.manifest.slug,
      version: original.manifest.version,
      composition: "frontend",
      title: original.manifest.title,
      capabilities: [],
      dependencies: [],
      config_keys: [],
      requires: { platform: { min_version: "0.1.0" } },
    };
    const forged = expectOk(
      await buildPackage(
        { manifest, schema: original.schema, frontend: { "index.html": utf8("<p>x") } },
        { signer: forger, name: original.publisher.name, chain: [] },
        "2026-12-01T00:00:00.000Z",
      ),
    );
    expect(await node.apps.installPackage(forged.zip, forged.signature)).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED" },
    });
    expect(node.globalSeq()).toBe(0);
  });
});
