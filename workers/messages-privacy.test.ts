// The Messages app's privacy and refusals, through the real built-in package, app service and app
// port (the SDK on a MessageChannel): acl.json makes every conversation object owner-only for the
// person as the app opens (also an identity made after install), allowRead names the participants,
// and sync_read then hands the objects to them and nobody else. A message into a thread its author
// may not see and a body breaking the schema are refused with their codes, nothing written.
import { afterEach, describe, expect, it } from "vitest";
import { connectApp, type AppClient } from "../src/apps/sdk/index.ts";
import { expectOk } from "../src/core/acceptance/fixtures.ts";
import { createNode, openPackageDatabase, type EnvelopeId } from "../src/core/index.ts";
import { testIdb, uniqueName } from "../src/core/shared/test-support/idb.ts";
import { conversations } from "../src/apps/messaging/frontend/conversations.ts";
import { bindAppPort } from "./app-port.ts";
import { createAppService } from "./app-service.ts";
import { parseAllowRead } from "./app-read-rules.ts";
import { installBuiltInApps, PINNED_PACKAGE_DIGESTS } from "./built-in-apps.ts";

const clients: AppClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

const T = "2026-12-01T10:00:00.000Z";

/** One node with the built-ins installed BEFORE its person exists (as the shell's first run does). */
async function setup() {
  const idb = await testIdb();
  const node = expectOk(await createNode({ name: uniqueName("node"), idb, pinnedPackageDigests: PINNED_PACKAGE_DIGESTS }));
  const store = await openPackageDatabase(uniqueName("apps"), idb);
  expectOk(await installBuiltInApps(node, store));
  const ann = expectOk(await node.identities.create({ name: "Ann" })).identityId;
  const service = createAppService(node, store);
  const channel = new MessageChannel();
  expectOk(await service.openApp({ slug: "app.messaging", port: channel.port2 }));
  const app = connectApp(channel.port1);
  clients.push(app);
  return { node, ann, app, service };
}

async function startThread(app: AppClient, ann: string, ben: string) {
  const ops = [
    { op: "parent_create", type_key: "message.thread", payload: { value: { title: "Plans", created_at: T, created_by: ann } } },
    { op: "parent_create", type_key: "message.person", payload: { value: { identity_id: ann } } },
    { op: "parent_create", type_key: "message.person", payload: { value: { identity_id: ben, display_name: "Ben" } } },
    {
      op: "edge_create",
      type_key: "message.participant",
      payload: { src_parent_id: "@0", dst_parent_id: "@1", value: { role: "admin", joined_at: T } },
    },
    {
      op: "edge_create",
      type_key: "message.participant",
      payload: { src_parent_id: "@0", dst_parent_id: "@2", value: { role: "member", joined_at: T } },
    },
  ];
  return expectOk(await app.submit({ domain: "threads", ops }));
}

const message = (thread: string, author: string, body: string) => [
  {
    op: "parent_create",
    type_key: "message.item",
    payload: { value: { thread_id: thread, body, sent_at: T, author_id: author, kind: "text" } },
  },
  { op: "edge_create", type_key: "message.in", payload: { src_parent_id: "@0", dst_parent_id: thread, value: {} } },
];

describe("Messages: only the participants read a conversation", () => {
  it("keeps a new conversation home until its author names the participants, then exports it to them alone", async () => {
    const { node, ann, app } = await setup();
    const ben = expectOk(await node.identities.create({ name: "Ben" })).identityId;
    const cal = expectOk(await node.identities.create({ name: "Cal" })).identityId;
    const thread = await startThread(app, ann, ben);
    const sent = expectOk(await app.submit({ domain: "messages", ops: message(thread.objectIds[0]!, ann, "Lunch at one?") }));
    for (const envelope of [thread.envelopeId, sent.envelopeId] as EnvelopeId[]) {
      expect(expectOk(await node.syncRead(ben, envelope)).allow).toBe(false);
      expect(expectOk(await node.syncRead(cal, envelope)).allow).toBe(false);
    }
    expectOk(await app.allowRead({ objectIds: thread.objectIds, readers: [ben] }));
    expectOk(await app.allowRead({ objectIds: sent.objectIds, readers: [ben] }));
    for (const envelope of [thread.envelopeId, sent.envelopeId] as EnvelopeId[]) {
      expect(expectOk(await node.syncRead(ben, envelope))).toEqual({ allow: true, reason: "readable" });
      expect(expectOk(await node.syncRead(cal, envelope)).allow).toBe(false);
    }
  });

  it("refuses a message into a conversation its author is not in (ERR_AUTH_VISIBILITY_DENIED), nothing written", async () => {
    const { node, ann, app } = await setup();
    const ben = expectOk(await node.identities.create({ name: "Ben" })).identityId;
    const thread = await startThread(app, ann, ben);
    expectOk(await app.allowRead({ objectIds: thread.objectIds, readers: [ben] }));
    // Cal, a second person on this node, is not in the thread: its objects are Ann's and hidden from Cal.
    const cal = expectOk(await node.identities.create({ name: "Cal" })).identityId;
    const session = expectOk(await node.openSession({ identityId: cal, app: "app.messaging" }));
    const seq = node.globalSeq();
    const refused = await session.submit({ domain: "messages", ops: message(thread.objectIds[0]!, cal, "Let me in") as never });
    expect(refused).toMatchObject({ ok: false, error: { code: "ERR_AUTH_VISIBILITY_DENIED" } });
    expect(node.globalSeq()).toBe(seq);
    const seen = expectOk(await session.read({ target: "parent", type_key: "message.thread", limit: 10 }));
    expect(seen.rows).toEqual([]);
    session.close();
  });

  it("through Cal's own app port (the frontend's ERR_NOT_PARTICIPANT bypassed): refuses a message into a thread he may not see; one he may see but is not in is taken and no reader counts it", async () => {
    const { node, ann, app } = await setup();
    const ben = expectOk(await node.identities.create({ name: "Ben" })).identityId;
    const cal = expectOk(await node.identities.create({ name: "Cal" })).identityId;
    const hidden = await startThread(app, ann, ben);
    expectOk(await app.allowRead({ objectIds: hidden.objectIds, readers: [ben] }));
    const shared = await startThread(app, ann, ben);
    expectOk(await app.allowRead({ objectIds: shared.objectIds, readers: [ben, cal] }));
    const channel = new MessageChannel();
    bindAppPort(node, channel.port2, { identityId: cal, app: "app.messaging", version: "1.1.3" });
    const calApp = connectApp(channel.port1);
    clients.push(calApp);

    const seq = node.globalSeq();
    const refused = await calApp.submit({ domain: "messages", ops: message(hidden.objectIds[0]!, cal, "Let me in") });
    expect(refused).toMatchObject({ ok: false, error: { code: "ERR_AUTH_VISIBILITY_DENIED" } });
    expect(node.globalSeq()).toBe(seq);

    // The graph has no participant rule: shared with him, the thread is his to see and the node takes it…
    expectOk(await calApp.submit({ domain: "messages", ops: message(shared.objectIds[0]!, cal, "Let me in") }));
    // …and the conversation, as every reader builds it, counts only its participants' messages.
    const read = async (target: string, type_key: string) => expectOk(await calApp.read({ target, type_key, limit: 50 })).rows as never;
    const rows = {
      threads: await read("parent", "message.thread"),
      persons: await read("parent", "message.person"),
      items: await read("parent", "message.item"),
      edges: await read("edge", "message.participant"),
      seen: [],
    };
    expect((rows.items as unknown[]).length).toBe(1);
    expect(conversations(rows, cal).map((c) => ({ id: c.id, member: c.member, messages: c.messages }))).toEqual([
      { id: shared.objectIds[0], member: false, messages: [] },
    ]);
  });

  it("refuses a body breaking the schema (ERR_SCHEMA_INVALID_VALUE), nothing written", async () => {
    const { node, ann, app } = await setup();
    const ben = expectOk(await node.identities.create({ name: "Ben" })).identityId;
    const thread = await startThread(app, ann, ben);
    const seq = node.globalSeq();
    const refused = await app.submit({ domain: "messages", ops: message(thread.objectIds[0]!, ann, "x".repeat(2001)) });
    expect(refused).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_INVALID_VALUE" } });
    expect(node.globalSeq()).toBe(seq);
    expect(expectOk(await app.read({ target: "parent", type_key: "message.item", limit: 10 })).rows).toEqual([]);
  });

  it("refuses a malformed allowRead request (ERR_STRUCT_INVALID_TYPE) and states nothing", async () => {
    const { node, app } = await setup();
    const seq = node.globalSeq();
    for (const request of [
      { objectIds: [], readers: ["x".repeat(20)] },
      { objectIds: ["nope"], readers: [] },
      { objectIds: ["a".repeat(20) + ":0"], readers: ["b".repeat(20)], extra: 1 },
    ])
      expect(await app.allowRead(request as never)).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE" } });
    expect(node.globalSeq()).toBe(seq);
    expect(
      parseAllowRead([{ objectIds: Array.from({ length: 13 }, (_, i) => `${"a".repeat(20)}:${i}`), readers: ["b".repeat(20)] }]),
    ).toMatchObject({
      ok: false,
      error: { data: { reason: "invalid_object_ids" } },
    });
  });
});
