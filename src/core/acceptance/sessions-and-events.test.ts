// Issue 4 "Sessions" and "Events" through createNode: tokens with TTL behind every session call, a
// new session ends the old one, and subscribers get ordered events only about what they may read.
import { beforeEach, describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import type { IdentityId } from "../shared/ids.ts";
import type { CloseEvent, GraphEvent } from "../event/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, startNode, testPublisher, type TestNode } from "./fixtures.ts";

let t: TestNode;
let node: TwoWayNode;
let me: IdentityId;
const note = (title: string) => ({
  domain: "notes",
  ops: [{ op: "parent_create" as const, type_key: "notes.note", payload: { value: { title } } }],
});

beforeEach(async () => {
  t = await startNode();
  node = t.node;
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  me = expectOk(await node.identities.create({ name: "Me" })).identityId;
});

describe("sessions (public design 04)", () => {
  it("expires a session's token after its TTL (ERR_AUTH_TOKEN_EXPIRED)", async () => {
    const session = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    expectOk(await session.submit(note("in time")));
    t.clock.advance(node.config.snapshot().values["auth.token.ttl_ms"]);
    expect(await session.submit(note("too late"))).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_EXPIRED" } });
    expect(await session.read({ target: "parent" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_EXPIRED" } });
  });

  it("keeps two sessions of one identity and app alive side by side (the shell's and an app frame's); close ends only its own (ERR_AUTH_TOKEN_REVOKED)", async () => {
    const first = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const second = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    expectOk(await first.submit(note("old")));
    expectOk(await second.submit(note("new")));
    second.close();
    expect(await second.read({ target: "parent" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
    expectOk(await first.read({ target: "parent" }));
  });
});

describe("events (public design 11)", () => {
  it("delivers commits in global_seq order, ids only, and nothing for rejected writes", async () => {
    const session = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const seen: (GraphEvent | CloseEvent)[] = [];
    expectOk(session.subscribe({}, (e) => void seen.push(e)));
    const one = expectOk(await session.submit(note("one")));
    expect(await session.submit(note(""))).toMatchObject({ ok: false }); // rejected: no event
    const two = expectOk(await session.submit(note("two")));
    await node.stop();
    const graphEvents = seen.filter((e): e is GraphEvent => e.event === "graph.object_mutated");
    expect(graphEvents.map((e) => e.payload.global_seq)).toEqual([one.seq, two.seq]);
    expect(graphEvents.map((e) => e.payload.objects.map((o) => o.id))).toEqual([one.objectIds, two.objectIds]);
    expect(JSON.stringify(graphEvents)).not.toContain('"one"'); // bodies never travel in events
  });

  it("never tells a subscriber about an object it cannot read", async () => {
    const owner = await ChainWriter.create(71);
    const genesis = await owner.genesis();
    // The owner restricts reads of its notes first, then writes one: it is never public.
    const root = await owner.write({
      app: "system",
      domain: "acl",
      ops: [{ op: "parent_create", type_key: "acl.root", payload: { value: { target_app: "app.notes", scope: "app" } } }],
    });
    const onlyOwner = await owner.write({
      app: "system",
      domain: "acl",
      ops: [{ op: "attr_create", type_key: "acl.read.allow", payload: { parent_id: `${root.id}:0`, value: { identity: owner.authorId } } }],
    });
    const secret = await owner.write({
      app: "app.notes",
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "secret" } } }],
    });
    const open = await (await ChainWriter.create(72)).genesis();
    const session = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const seen: GraphEvent[] = [];
    expectOk(session.subscribe({}, (e) => void (e.event === "graph.object_mutated" && seen.push(e))));
    for (const e of [genesis, root, onlyOwner, secret, open]) expectOk(await node.ingest(e.text));
    const mine = expectOk(await session.submit(note("mine")));
    await node.stop();
    const ids = seen.flatMap((e) => e.payload.objects.map((o) => o.id));
    expect(ids).toEqual(mine.objectIds);
    expect(ids).not.toContain(`${secret.id}:0`);
  });
});
