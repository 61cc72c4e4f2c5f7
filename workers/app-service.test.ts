// The app lifecycle as the node port serves it: each method checks its arguments, the node decides,
// installed packages are kept for their titles, and refusals come back as coded data.
import { describe, expect, it } from "vitest";
import { expectOk, startNode } from "../src/core/acceptance/fixtures.ts";
import { testIdb, uniqueName } from "../src/core/shared/test-support/idb.ts";
import { buildPackage, createSigner, openPackageDatabase, utf8 } from "../src/core/index.ts";
import { createAppService } from "./app-service.ts";
import { connectApp } from "../src/apps/sdk/index.ts";

async function notes(version: string, chain: readonly string[] = []) {
  const signer = await createSigner({ seed: new Uint8Array(32).fill(3), engine: "noble" });
  const source = {
    manifest: {
      slug: "notes",
      version,
      composition: "frontend",
      title: "Notes",
      description: "Short notes.",
      capabilities: [],
      dependencies: [],
      config_keys: [],
      requires: { platform: { min_version: "0.1.0" } },
    },
    schema: {
      app: "notes",
      version,
      types: { "notes.note": { kind: "parent", fields: { title: { type: "string", required: true } } } },
      domains: { notes: { types: ["notes.note"], mode: "sync" } },
    },
    frontend: { "index.html": utf8("<!doctype html>") },
  };
  return expectOk(await buildPackage(source, { signer, name: "Notes Inc", chain }, "2026-12-01T00:00:00.000Z"));
}

const v1 = await notes("1.0.0");
const v2 = await notes("1.1.0", v1.chain);

async function service() {
  const { node } = await startNode();
  const store = await openPackageDatabase(uniqueName("apps"), await testIdb());
  return { node, store, apps: createAppService(node, store) };
}

describe("app service", () => {
  it("inspects, trusts, installs, upgrades and lists an app with its title", async () => {
    const { node, apps } = await service();
    expectOk(await node.identities.create({ name: "Me" }));
    const preview = expectOk(await apps.inspectPackage({ zip: v1.zip, signature: v1.signature }));
    expect(preview).toMatchObject({
      slug: "notes",
      version: "1.0.0",
      title: "Notes",
      trust: "none",
      installedVersion: null,
      publisher: { name: "Notes Inc" },
    });
    expect(expectOk(await apps.trustPublisher({ zip: v1.zip, signature: v1.signature })).trust).toBe("granted");
    expect(expectOk(await apps.installApp({ zip: v1.zip, signature: v1.signature }))).toMatchObject({
      slug: "notes",
      title: "Notes",
      origin: "installed",
    });
    expect(expectOk(await apps.upgradeApp({ zip: v2.zip.buffer, signature: v2.signature })).version).toBe("1.1.0");
    expect(expectOk(await apps.listApps()).map((a) => [a.slug, a.title, a.version])).toEqual([
      ["system", "System", "1"],
      ["notes", "Notes", "1.1.0"],
    ]);
  });

  it("refuses to install from an untrusted publisher and keeps no package (ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED)", async () => {
    const { apps, store } = await service();
    expect(await apps.installApp({ zip: v1.zip, signature: v1.signature })).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED" },
    });
    expect(await store.list()).toEqual([]);
  });

  it("refuses trust before any identity exists (ERR_MNG_KEY_SCOPE_KEY_MISSING)", async () => {
    const { apps } = await service();
    expect(await apps.trustPublisher({ zip: v1.zip, signature: v1.signature })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_KEY_SCOPE_KEY_MISSING" },
    });
  });

  it("opens only enabled apps (ERR_SVC_APP_DISABLED) and unknown ones not at all (app_not_found)", async () => {
    const { node, apps } = await service();
    expectOk(await node.identities.create({ name: "Me" }));
    expectOk(await apps.trustPublisher({ zip: v1.zip, signature: v1.signature }));
    expectOk(await apps.installApp({ zip: v1.zip, signature: v1.signature }));
    expectOk(await apps.openApp({ slug: "notes" }));
    expectOk(await apps.disableApp({ slug: "notes" }));
    expect(await apps.openApp({ slug: "notes" })).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_APP_DISABLED", data: { service_state: "disabled" } },
    });
    expect(await apps.enableApp({ slug: "notes" })).toMatchObject({ ok: true, value: { state: "installed_enabled" } });
    expect(await apps.uninstallApp({ slug: "notes" })).toMatchObject({ ok: false, error: { code: "object_invalid" } });
    expectOk(await apps.disableApp({ slug: "notes" }));
    expect(expectOk(await apps.uninstallApp({ slug: "notes" })).state).toBe("removed");
    expect(await apps.openApp({ slug: "notes" })).toMatchObject({ ok: false, error: { code: "app_not_found" } });
    expect(await apps.openApp({ slug: "system" })).toMatchObject({ ok: false, error: { code: "app_not_found" } });
    expect(await apps.openApp({ slug: "nothing" })).toMatchObject({ ok: false, error: { code: "app_not_found" } });
  });

  it("lists the trusted publisher, ends trust on request, turns its app off and closes its port", async () => {
    const { node, apps } = await service();
    expectOk(await node.identities.create({ name: "Me" }));
    expectOk(await apps.trustPublisher({ zip: v1.zip, signature: v1.signature }));
    expectOk(await apps.installApp({ zip: v1.zip, signature: v1.signature }));
    const channel = new MessageChannel();
    expectOk(await apps.openApp({ slug: "notes", port: channel.port2 }));
    const client = connectApp(channel.port1);
    expectOk(await client.whoAmI());
    const [trusted] = expectOk(await apps.listTrustedPublishers());
    expect(trusted).toMatchObject({ name: "Notes Inc", apps: ["notes"] });
    expect(expectOk(await apps.distrustPublisher({ publisherId: trusted!.publisherId }))).toEqual({ disabled: ["notes"] });
    expect(expectOk(await apps.listTrustedPublishers())).toEqual([]);
    expect(await apps.openApp({ slug: "notes" })).toMatchObject({ ok: false, error: { code: "ERR_SVC_APP_DISABLED" } });
    // Ending trust twice is refused: there is no grant left to revoke.
    expect(await apps.distrustPublisher({ publisherId: trusted!.publisherId })).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "not_trusted" } },
    });
    client.close();
  });

  it("checks every argument before the node sees it", async () => {
    const { apps, node } = await service();
    expect(await apps.installApp({ zip: "PK", signature: v1.signature })).toMatchObject({
      ok: false,
      error: { data: { reason: "not_bytes" } },
    });
    expect(await apps.inspectPackage()).toMatchObject({ ok: false, error: { data: { reason: "not_an_object" } } });
    expect(await apps.enableApp({ slug: "../x" })).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_IDENTIFIER" } });
    expect(await apps.listApps(1)).toMatchObject({ ok: false, error: { data: { reason: "too_many_arguments" } } });
    expect(await apps.listTrustedPublishers(1)).toMatchObject({ ok: false, error: { data: { reason: "too_many_arguments" } } });
    expect(await apps.distrustPublisher({ publisherId: "nope" })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_IDENTIFIER", data: { field: "publisherId" } },
    });
    expect(await apps.distrustPublisher({ publisherId: "x", also: 1 })).toMatchObject({ ok: false });
    expect(node.globalSeq()).toBe(0);
  });
});

describe("opening an app", () => {
  async function installed() {
    const s = await service();
    expectOk(await s.node.identities.create({ name: "Me" }));
    expectOk(await s.apps.trustPublisher({ zip: v1.zip, signature: v1.signature }));
    expectOk(await s.apps.installApp({ zip: v1.zip, signature: v1.signature }));
    return s;
  }

  it("returns the frontend and binds the transferred port to (shell identity, app) for the SDK", async () => {
    const { apps } = await installed();
    const channel = new MessageChannel();
    const opened = expectOk(await apps.openApp({ slug: "notes", port: channel.port2 }));
    expect(new TextDecoder().decode(opened.frontend["index.html"])).toBe("<!doctype html>");
    const client = connectApp(channel.port1);
    expect(expectOk(await client.whoAmI())).toMatchObject({ app: "notes", version: "1.0.0" });
    // Disabling closes the app's port: the SDK gets no more answers from it.
    expectOk(await apps.disableApp({ slug: "notes" }));
    client.close();
    apps.closeAppPorts();
  });

  it("refuses a port that is not a MessagePort (ERR_STRUCT_INVALID_TYPE)", async () => {
    const { apps } = await installed();
    expect(await apps.openApp({ slug: "notes", port: { postMessage() {} } })).toMatchObject({
      ok: false,
      error: { data: { reason: "not_a_port" } },
    });
  });

  it("refuses to serve a stored package that was changed on disk (ERR_MNG_APP_LOAD_REJECTED)", async () => {
    const { apps, store } = await installed();
    const stored = (await store.get("notes"))!;
    const zip = stored.zip.slice();
    zip[zip.length - 40]! ^= 1;
    await store.put({ ...stored, zip });
    expect(await apps.openApp({ slug: "notes" })).toMatchObject({ ok: false, error: { code: "ERR_MNG_APP_LOAD_REJECTED" } });
  });
});
