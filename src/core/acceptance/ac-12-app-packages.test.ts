// AC-12 app lifecycle with signed packages: publisher trust recorded in the graph, install, the
// transition matrix, uninstall keeping data, upgrade by the same publisher, pinned built-in digests,
// and every refusal writing nothing.
import { describe, expect, it } from "vitest";
import { buildPackage } from "../app/index.ts";
import { createSigner } from "../crypto/index.ts";
import { utf8 } from "../shared/bytes.ts";
import type { TwoWayNode } from "../node.ts";
import type { IdentityId } from "../shared/ids.ts";
import { createNode } from "../node.ts";
import { testIdb, uniqueName } from "../shared/test-support/idb.ts";
import { expectOk, startNode } from "./fixtures.ts";

/** The notes app as a signed package, by the publisher with seed byte `n`, extending its `chain`. */
async function notesPackage(version: string, chain: readonly string[] = [], n = 1) {
  const schema = {
    app: "notes",
    version,
    types: { "notes.note": { kind: "parent", fields: { title: { type: "string", required: true, max_length: 80 } } } },
    domains: { notes: { types: ["notes.note"], mode: "sync" } },
  };
  const manifest = {
    slug: "notes",
    version,
    composition: "frontend",
    title: "Notes",
    capabilities: [],
    dependencies: [],
    config_keys: [],
    requires: { platform: { min_version: "0.1.0" } },
  };
  const signer = await createSigner({ seed: new Uint8Array(32).fill(n), engine: "noble" });
  const source = { manifest, schema, frontend: { "index.html": utf8("<!doctype html>") } };
  return expectOk(await buildPackage(source, { signer, name: "Test Publisher", chain }, "2026-12-01T12:00:00.000Z"));
}

const v1 = await notesPackage("1.0.0");
const v2 = await notesPackage("1.1.0", v1.chain);
const stranger = await notesPackage("2.0.0", [], 7);

async function trustedNode(): Promise<{ node: TwoWayNode; me: IdentityId }> {
  const { node } = await startNode();
  const me = expectOk(await node.identities.create({ name: "Me" })).identityId;
  expectOk(await node.apps.trustPublisher(me, v1.zip, v1.signature), "trust");
  return { node, me };
}

async function writeNote(node: TwoWayNode, me: IdentityId, title: string) {
  const session = expectOk(await node.openSession({ identityId: me, app: "notes" }));
  return expectOk(
    await session.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title } } }] }),
  );
}

async function noteTitles(node: TwoWayNode, me: IdentityId): Promise<string[]> {
  const session = expectOk(await node.openSession({ identityId: me, app: "notes" }));
  const read = expectOk(await session.read({ target: "parent", type_key: "notes.note", limit: 10 }));
  return read.rows.map((r: any) => r.value.title as string).sort();
}

describe("AC-12 publisher trust", () => {
  it("refuses a package from an untrusted publisher and writes nothing (ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED)", async () => {
    const { node } = await startNode();
    expect(await node.apps.installPackage(v1.zip, v1.signature)).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED", data: { reason: "publisher_untrusted" } },
    });
    expect(node.globalSeq()).toBe(0);
    expect((await node.apps.list()).map((a) => a.slug)).toEqual(["system"]);
  });

  it("shows who publishes a package before anyone trusts it", async () => {
    const { node } = await startNode();
    const preview = expectOk(await node.apps.inspect(v1.zip, v1.signature));
    expect(preview).toMatchObject({
      trust: "none",
      installed: null,
      manifest: { slug: "notes", version: "1.0.0" },
      publisher: { name: "Test Publisher" },
    });
    expect(preview.publisher.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
    expect(node.globalSeq()).toBe(0);
  });

  it("records the person's trust as a system.apps.publish grant, then installs", async () => {
    const { node, me } = await trustedNode();
    expect(expectOk(await node.apps.inspect(v1.zip, v1.signature)).trust).toBe("granted");
    expect(expectOk(await node.apps.installPackage(v1.zip, v1.signature))).toMatchObject({
      slug: "notes",
      version: "1.0.0",
      state: "installed_enabled",
    });
    // Trusting again writes nothing more.
    const seq = node.globalSeq();
    expectOk(await node.apps.trustPublisher(me, v1.zip, v1.signature));
    expect(node.globalSeq()).toBe(seq);
  });

  it("refuses trust from an identity this node does not hold (ERR_MNG_KEY_SCOPE_KEY_MISSING)", async () => {
    const { node } = await startNode();
    const other = expectOk(await (await startNode()).node.identities.create({ name: "Other" })).identityId;
    expect(await node.apps.trustPublisher(other, v1.zip, v1.signature)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_KEY_SCOPE_KEY_MISSING" },
    });
    expect(node.globalSeq()).toBe(0);
  });

  it("does not trust a publisher because someone else's grant synced in", async () => {
    const a = await trustedNode();
    const { node: b } = await startNode();
    expectOk(await b.identities.create({ name: "B" }));
    for (const entry of await a.node.history()) await b.ingest(entry.text);
    expect(expectOk(await b.apps.inspect(v1.zip, v1.signature)).trust).toBe("none");
    expect(await b.apps.installPackage(v1.zip, v1.signature)).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED" },
    });
  });

  it("refuses a tampered package before trust or any write (ERR_SVC_SYS_APP_SIGNATURE_INVALID)", async () => {
    const { node } = await trustedNode();
    const seq = node.globalSeq();
    const tampered = v1.zip.slice();
    tampered[tampered.length - 30]! ^= 0xff;
    expect(await node.apps.installPackage(tampered, v1.signature)).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_SYS_APP_SIGNATURE_INVALID" },
    });
    expect(node.globalSeq()).toBe(seq);
  });

  it("trusts a package whose digest the build pins, with no grant at all", async () => {
    const opened = expectOk(await (await startNode()).node.apps.inspect(v1.zip, v1.signature));
    const node = expectOk(await createNode({ name: uniqueName("pinned"), idb: await testIdb(), pinnedPackageDigests: [opened.digest] }));
    expect(expectOk(await node.apps.installPackage(v1.zip, v1.signature)).state).toBe("installed_enabled");
    // The pin covers those exact bytes: the next version of the same publisher is not trusted by it.
    expect(await node.apps.upgradePackage(v2.zip, v2.signature)).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED" },
    });
  });
});

describe("AC-12 lifecycle", () => {
  it("follows the transition matrix: open only while enabled, uninstall only while disabled", async () => {
    const { node, me } = await trustedNode();
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    expect(await node.apps.enable("notes")).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "illegal_transition" } },
    });
    expect(await node.apps.remove("notes")).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "illegal_transition" } },
    });
    expectOk(await node.apps.disable("notes"));
    expect(await node.openSession({ identityId: me, app: "notes" })).toMatchObject({ ok: false, error: { code: "ERR_SVC_APP_DISABLED" } });
    expect(await node.apps.disable("notes")).toMatchObject({ ok: false, error: { code: "object_invalid" } });
    expectOk(await node.apps.enable("notes"));
    expectOk(await node.openSession({ identityId: me, app: "notes" }));
  });

  it("uninstall keeps the data; reinstalling the same publisher's package shows it again", async () => {
    const { node, me } = await trustedNode();
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    await writeNote(node, me, "kept");
    expectOk(await node.apps.disable("notes"));
    const removed = expectOk(await node.apps.remove("notes"));
    expect(removed.state).toBe("removed");
    expect(await node.openSession({ identityId: me, app: "notes" })).toMatchObject({ ok: false });
    const again = expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    expect(again.localId).toBe(removed.localId);
    expect(await noteTitles(node, me)).toEqual(["kept"]);
  });

  it("refuses to reinstall a removed app from another publisher (object_invalid)", async () => {
    const { node, me } = await trustedNode();
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    expectOk(await node.apps.disable("notes"));
    expectOk(await node.apps.remove("notes"));
    expectOk(await node.apps.trustPublisher(me, stranger.zip, stranger.signature));
    expect(await node.apps.installPackage(stranger.zip, stranger.signature)).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "publisher_changed" } },
    });
  });

  it("upgrades to a newer version of the same publisher, keeping state and data", async () => {
    const { node, me } = await trustedNode();
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    await writeNote(node, me, "before");
    expectOk(await node.apps.disable("notes"));
    expect(expectOk(await node.apps.upgradePackage(v2.zip, v2.signature))).toMatchObject({ version: "1.1.0", state: "installed_disabled" });
    expectOk(await node.apps.enable("notes"));
    expect(await noteTitles(node, me)).toEqual(["before"]);
  });

  it.each([
    ["the same version", () => v1, "version_not_newer"],
    ["another publisher", () => stranger, "publisher_changed"],
  ])("refuses an upgrade to %s (object_invalid)", async (_, pkg, reason) => {
    const { node, me } = await trustedNode();
    expectOk(await node.apps.trustPublisher(me, stranger.zip, stranger.signature));
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    const seq = node.globalSeq();
    expect(await node.apps.upgradePackage(pkg().zip, pkg().signature)).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason } },
    });
    expect(node.globalSeq()).toBe(seq);
    expect(expectOk(await node.apps.inspect(v1.zip, v1.signature)).installed?.version).toBe("1.0.0");
  });

  it("refuses to upgrade an app that is not installed (app_not_found) and to install over another version (object_invalid)", async () => {
    const { node } = await trustedNode();
    expect(await node.apps.upgradePackage(v2.zip, v2.signature)).toMatchObject({ ok: false, error: { code: "app_not_found" } });
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    expect(await node.apps.installPackage(v2.zip, v2.signature)).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "already_installed" } },
    });
    expect(expectOk(await node.apps.installPackage(v1.zip, v1.signature)).version).toBe("1.0.0"); // idempotent
  });

  it("gives two nodes that install the same package byte-identical schema objects", async () => {
    const a = await trustedNode();
    const b = await trustedNode();
    for (const t of [a, b]) expectOk(await t.node.apps.installPackage(v1.zip, v1.signature));
    const scope = { app: "system", domain: "apps" };
    expect((await a.node.stateDigest(scope)).digest).toBe((await b.node.stateDigest(scope)).digest);
  });
});

describe("AC-12 ending trust in a publisher", () => {
  it("lists the publishers this node trusts, with their names and apps", async () => {
    const { node } = await trustedNode();
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    const publisherId = expectOk(await node.apps.inspect(v1.zip, v1.signature)).publisher.identityId;
    expect(await node.apps.trustedPublishers()).toEqual([{ publisherId, name: "Test Publisher", apps: ["notes"] }]);
  });

  it("revokes the grant, turns the publisher's apps off and ends their sessions; the data is kept", async () => {
    const { node, me } = await trustedNode();
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    await writeNote(node, me, "kept");
    const open = expectOk(await node.openSession({ identityId: me, app: "notes" }));
    const publisherId = expectOk(await node.apps.inspect(v1.zip, v1.signature)).publisher.identityId;
    expect(expectOk(await node.apps.distrustPublisher(publisherId))).toEqual({ disabled: ["notes"] });
    expect(await node.apps.trustedPublishers()).toEqual([]);
    expect(expectOk(await node.apps.inspect(v1.zip, v1.signature)).trust).toBe("none");
    expect(await open.read({ target: "parent" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
    expect(await node.openSession({ identityId: me, app: "notes" })).toMatchObject({ ok: false, error: { code: "ERR_SVC_APP_DISABLED" } });
    expect(await node.apps.upgradePackage(v2.zip, v2.signature)).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED" },
    });
    // Trusting again and turning the app on brings the same data back.
    expectOk(await node.apps.trustPublisher(me, v1.zip, v1.signature));
    expectOk(await node.apps.enable("notes"));
    expect(await noteTitles(node, me)).toEqual(["kept"]);
  });

  it("refuses to end trust it does not hold (object_invalid), writing nothing", async () => {
    const { node } = await trustedNode();
    const strangerId = expectOk(await node.apps.inspect(stranger.zip, stranger.signature)).publisher.identityId;
    const seq = node.globalSeq();
    expect(await node.apps.distrustPublisher(strangerId)).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "not_trusted" } },
    });
    expect(node.globalSeq()).toBe(seq);
  });
});
