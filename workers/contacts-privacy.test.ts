// Contacts are the person's own (ADR 0023, amended): acl.json makes every contact type owner-only,
// stated for a new identity as it is created (also before any app opens), for earlier contacts by
// the upgrade from 1.1.2, and sync_read hands them to the person's own paired devices (their node
// bound to the person, ADR 0030) and to nobody else, never to another person's node.
import { afterEach, describe, expect, it } from "vitest";
import { connectApp, type AppClient } from "../src/apps/sdk/index.ts";
import { expectOk, meet } from "../src/core/acceptance/fixtures.ts";
import { createNode, openPackageDatabase, fromBase64url, type EnvelopeId, type TwoWayNode } from "../src/core/index.ts";
import type { IdentityId } from "../src/core/shared/ids.ts";
import { testIdb, uniqueName } from "../src/core/shared/test-support/idb.ts";
import { createAppService } from "./app-service.ts";
import { installBuiltInApps, PINNED_PACKAGE_DIGESTS } from "./built-in-apps.ts";
import { createNodeService } from "./node-service.ts";
import { CONTACTS_1_1_2 } from "./test-support/contacts-1.1.2.ts";

const clients: AppClient[] = [];
const nodes: TwoWayNode[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const node of nodes.splice(0)) await node.stop();
});

const T = "2026-12-01T10:00:00.000Z";
const REACH = { relay: "ws://127.0.0.1:8787", room: "contacts-privacy" };

/** A node with this release's built-ins, installed before any identity (as the shell's first run). */
async function device(pinned: readonly string[] = PINNED_PACKAGE_DIGESTS) {
  const idb = await testIdb();
  const node = expectOk(await createNode({ name: uniqueName("node"), idb, pinnedPackageDigests: pinned }));
  nodes.push(node);
  const store = await openPackageDatabase(uniqueName("apps"), idb);
  const apps = createAppService(node, store);
  return { node, store, apps };
}

/** A person made the way the shell makes one: the node service, which states the read defaults. */
async function person(name: string) {
  const d = await device();
  expectOk(await installBuiltInApps(d.node, d.store));
  const service = await createNodeService(d.node, d.apps.summaries, d.apps.stateReadDefaults);
  const id = expectOk(await service.createIdentity({ name })).identityId as IdentityId;
  return { ...d, service, id };
}

/** A fresh browser paired to `owner` as "Phone" (ADR 0025): its node bound to her at completion. */
async function pairedPhone(owner: Awaited<ReturnType<typeof person>>) {
  const phone = await device();
  expectOk(await installBuiltInApps(phone.node, phone.store));
  const { code, deviceKey } = expectOk(await phone.node.identities.devices.begin(REACH, "Phone"));
  const confirm = expectOk(await owner.node.identities.devices.preview(code)).confirmCode;
  expectOk(await owner.node.identities.devices.confirm(owner.id, code, confirm, "Phone"));
  await meet(owner.node, phone.node);
  expectOk(await phone.node.identities.devices.complete());
  return { ...phone, deviceKey };
}

function contactOps(handle: string, notes: string) {
  return [
    {
      op: "parent_create",
      type_key: "contact.profile",
      payload: { value: { handle, display_name: `Name ${handle}`, phone: "+44 20 7946 0000", notes, created_at: T } },
    },
  ];
}

async function texts(node: TwoWayNode): Promise<string> {
  const all = [];
  let afterSeq = 0;
  for (;;) {
    const page = await node.history({ afterSeq, limit: 500 });
    if (page.length === 0) break;
    all.push(...page.map((e) => JSON.stringify(e)));
    afterSeq = page[page.length - 1]!.seq;
  }
  return all.join("\n");
}

async function contactNotes(node: TwoWayNode, as: IdentityId): Promise<string[]> {
  const session = expectOk(await node.openSession({ identityId: as, app: "app.contacts" }));
  const read = expectOk(await session.read({ target: "parent", type_key: "contact.profile", limit: 50 }));
  session.close();
  return read.rows.map((row) => String((row.value as { notes?: string }).notes)).sort();
}

describe("Contacts reach only their owner's devices", () => {
  it("a second person's node never receives nor reads Ann's contacts after a sync, while Ann's paired phone does", async () => {
    const ann = await person("Ann");
    const ben = await person("Ben");
    const phone = await pairedPhone(ann);
    // Each node binds itself to its person as a session attaches (the worker's sync service).
    for (const n of [ann.node, ben.node]) expectOk(await n.identities.bindThisNode());

    // Ann writes a contact through the Contacts app's port, Ben one of his own.
    const channel = new MessageChannel();
    expectOk(await ann.apps.openApp({ slug: "app.contacts", port: channel.port2 }));
    const app = connectApp(channel.port1);
    clients.push(app);
    const written = expectOk(await app.submit({ domain: "contacts", ops: contactOps("zoe", "Ann's secret note about Zoe") }));
    expectOk(await ben.service.submit({ app: "app.contacts", domain: "contacts", ops: contactOps("yan", "Ben's note") }));

    await meet(ann.node, ben.node);
    await meet(ann.node, phone.node);
    // The phone writes one too: Ann's laptop (its node bound by her root key) receives it.
    expectOk(
      await phone.node.openSession({ identityId: ann.id, app: "app.contacts" }).then(async (s) => {
        const r = await expectOk(s).submit({ domain: "contacts", ops: contactOps("xia", "written on the phone") as never });
        expectOk(s).close();
        return r;
      }),
    );
    await meet(ann.node, phone.node);
    await meet(ann.node, ben.node);

    expect(await contactNotes(phone.node, ann.id)).toEqual(["Ann's secret note about Zoe", "written on the phone"]);
    expect(await contactNotes(ann.node, ann.id)).toEqual(["Ann's secret note about Zoe", "written on the phone"]);
    // Ben holds Ann's contacts' links as stubs at most: none of their text, and his reads list only his own.
    const held = await texts(ben.node);
    for (const secret of ["Ann's secret note", "Name zoe", "written on the phone", "Name xia"]) expect(held).not.toContain(secret);
    expect(await contactNotes(ben.node, ben.id)).toEqual(["Ben's note"]);
    expect(await contactNotes(ben.node, ann.id).catch(() => [])).toEqual([]);
    // And Ben's contacts stay on Ben's node.
    expect(await texts(ann.node)).not.toContain("Ben's note");
    // sync_read says the same, by node: Ben's node no, the phone's node yes.
    const envelope = written.envelopeId as EnvelopeId;
    expect(expectOk(await ann.node.syncRead(ben.node.sync.nodeIdentity, envelope)).allow).toBe(false);
    expect(expectOk(await ann.node.syncRead(phone.node.sync.nodeIdentity, envelope)).allow).toBe(true);
  });

  it("once the phone is removed, its node reads nothing more of Ann's", async () => {
    const ann = await person("Ann");
    const phone = await pairedPhone(ann);
    await meet(ann.node, phone.node);
    const before = expectOk(await ann.service.submit({ app: "app.contacts", domain: "contacts", ops: contactOps("ola", "before") }));
    expect(expectOk(await ann.node.syncRead(phone.node.sync.nodeIdentity, before.envelopeId as EnvelopeId)).allow).toBe(true);
    expectOk(await ann.node.identities.devices.remove(ann.id, phone.deviceKey));
    const after = expectOk(await ann.service.submit({ app: "app.contacts", domain: "contacts", ops: contactOps("pia", "after removal") }));
    for (const id of [before.envelopeId, after.envelopeId])
      expect(expectOk(await ann.node.syncRead(phone.node.sync.nodeIdentity, id as EnvelopeId)).allow).toBe(false);
    await meet(ann.node, phone.node);
    expect(await texts(phone.node)).not.toContain("after removal");
  });

  it("a phone that replaced its device key still receives Ann's contacts written after, with no session attached in between", async () => {
    const ann = await person("Ann");
    const phone = await pairedPhone(ann);
    const old = expectOk(await phone.node.identities.list()).find((k) => k.scope === "device");
    expectOk(await phone.node.identities.rotateDevice(ann.id, old!.keyId));
    await meet(ann.node, phone.node);
    // The binding the old key signed names nobody now; the rotation bound the phone's node again.
    const after = expectOk(await ann.service.submit({ app: "app.contacts", domain: "contacts", ops: contactOps("rio", "after rotation") }));
    expect(expectOk(await ann.node.syncRead(phone.node.sync.nodeIdentity, after.envelopeId as EnvelopeId)).allow).toBe(true);
    await meet(ann.node, phone.node);
    expect(await contactNotes(phone.node, ann.id)).toEqual(["after rotation"]);
  });

  it("an identity made after the built-ins installed states their read defaults before it writes by any path", async () => {
    const ann = await person("Ann");
    const ben = await person("Ben");
    // The shell's own submit, no app opened: owner-only from the first write.
    const sent = expectOk(
      await ann.service.submit({
        app: "app.messaging",
        domain: "threads",
        ops: [
          { op: "parent_create", type_key: "message.thread", payload: { value: { title: "Plans", created_at: T, created_by: ann.id } } },
        ],
      }),
    );
    const contact = expectOk(await ann.service.submit({ app: "app.contacts", domain: "contacts", ops: contactOps("kim", "kept") }));
    for (const id of [sent.envelopeId, contact.envelopeId])
      expect(expectOk(await ann.node.syncRead(ben.node.sync.nodeIdentity, id as EnvelopeId)).allow).toBe(false);
    // Without the defaults (the node's bare create, as before this fix) the same write is public.
    const bare = expectOk(await ann.node.identities.create({ name: "Bare" })).identityId;
    const open = expectOk(
      await ann.service.submit({ identityId: bare, app: "app.contacts", domain: "contacts", ops: contactOps("lee", "open") }),
    );
    expect(expectOk(await ann.node.syncRead(ben.node.sync.nodeIdentity, open.envelopeId as EnvelopeId)).allow).toBe(true);
  });

  it("contacts stored under 1.1.2 (no read rules) stay home once the upgrade to this release lands", async () => {
    const d = await device([...PINNED_PACKAGE_DIGESTS, CONTACTS_1_1_2.digest]);
    expectOk(await d.node.apps.installPackage(fromBase64url(CONTACTS_1_1_2.zip)!, CONTACTS_1_1_2.signature));
    const ann = expectOk(await d.node.identities.create({ name: "Ann" })).identityId;
    const ben = await person("Ben");
    const session = expectOk(await d.node.openSession({ identityId: ann, app: "app.contacts" }));
    const old = expectOk(await session.submit({ domain: "contacts", ops: contactOps("old", "written under 1.1.2") as never }));
    session.close();
    expect(expectOk(await d.node.syncRead(ben.node.sync.nodeIdentity, old.envelopeId)).allow).toBe(true);
    // The worker's start upgrades the built-in: its acl.json becomes Ann's rule, over every contact she holds.
    expect(expectOk(await installBuiltInApps(d.node, d.store))).toBeGreaterThan(0);
    expect((await d.node.apps.list()).find((a) => a.slug === "app.contacts")?.version).toBe("1.2.0");
    expect(expectOk(await d.node.syncRead(ben.node.sync.nodeIdentity, old.envelopeId)).allow).toBe(false);
    await meet(d.node, ben.node);
    expect(await texts(ben.node)).not.toContain("written under 1.1.2");
  });
});
