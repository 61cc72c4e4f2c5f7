// Issue 4: permissions in the graph, enforced the same way on every node (public design 06 matrix,
// DESIGN §4 rules 4-5, ADR 0010). A owns a note; B and C try to write under it.
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import { toBase64url } from "../shared/bytes.ts";
import type { EnvelopeId, IdentityId } from "../shared/ids.ts";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import type { VerifiedEnvelope } from "../wire/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, startNode, testPublisher, type LamportBook } from "./fixtures.ts";

const PAST = "2026-01-01T00:00:00.000Z";
const FUTURE = "2027-01-01T00:00:00.000Z";

type Writers = { a: ChainWriter; b: ChainWriter; c: ChainWriter; book: LamportBook; genesis: Record<"a" | "b" | "c", VerifiedEnvelope> };

async function writers(): Promise<Writers> {
  const book: LamportBook = new Map();
  const [a, b, c] = await Promise.all([ChainWriter.create(51, book), ChainWriter.create(52, book), ChainWriter.create(53, book)]);
  return { a: a, b: b, c: c, book, genesis: { a: await a.genesis("A"), b: await b.genesis("B"), c: await c.genesis("C") } };
}

const note = (w: ChainWriter, title = "A's note") =>
  w.write({ app: "app.notes", domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title } } }] });

const root = (w: ChainWriter, target: Record<string, string>) =>
  w.write({
    app: "system",
    domain: "acl",
    ops: [{ op: "parent_create", type_key: "acl.root", payload: { value: { target_app: "app.notes", ...target } } }],
  });

function rule(w: ChainWriter, rootEnvelope: VerifiedEnvelope, type: string, subject: Record<string, unknown>) {
  return w.write({
    app: "system",
    domain: "acl",
    ops: [{ op: "attr_create", type_key: type, payload: { parent_id: `${rootEnvelope.id}:0`, value: subject as never } }],
  });
}

/** W writes a tag under `target`, citing `deps`. */
const tagUnder = (w: ChainWriter, target: VerifiedEnvelope, deps: readonly VerifiedEnvelope[], value = "tag", advance = true) =>
  w.write(
    {
      app: "app.notes",
      domain: "notes",
      deps: [target.id, ...deps.map((d) => d.id)].sort(),
      ops: [{ op: "attr_create", type_key: "notes.tag", payload: { parent_id: `${target.id}:0`, value } }],
    },
    advance,
  );

const identityObject = (g: VerifiedEnvelope) => `${g.id}:0`;

let node: TwoWayNode;
let w: Writers;
let aNote: VerifiedEnvelope;

async function ingest(...envelopes: VerifiedEnvelope[]) {
  for (const e of envelopes) expectOk(await node.ingest(e.text), `ingest ${e.envelope.content.ops[0]?.type_key}`);
}

async function attempt(e: VerifiedEnvelope) {
  return node.ingest(e.text);
}

beforeEach(async () => {
  ({ node } = await startNode());
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  w = await writers();
  aNote = await note(w.a);
  await ingest(w.genesis.a, w.genesis.b, w.genesis.c, aNote);
});

describe("enforcement matrix (public design 06)", () => {
  it("lets an owner write under its own objects with no ACL at all", async () => {
    expect(expectOk(await attempt(await tagUnder(w.a, aNote, [])))).toMatchObject({ status: "accepted" });
  });

  it("denies others without an explicit allow (ERR_AUTH_NOT_OWNER)", async () => {
    expect(await attempt(await tagUnder(w.b, aNote, [], "x", false))).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_NOT_OWNER", data: { reason: "not_owner" } },
    });
  });

  it("admits an identity named by a cited allow", async () => {
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowB = await rule(w.a, r, "acl.write.allow", { identity: w.b.authorId });
    await ingest(r, allowB);
    expect(expectOk(await attempt(await tagUnder(w.b, aNote, [allowB])))).toMatchObject({ status: "accepted" });
  });

  it("denies a subject no allow names (ERR_AUTH_ACL_DENIED)", async () => {
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowB = await rule(w.a, r, "acl.write.allow", { identity: w.b.authorId });
    await ingest(r, allowB);
    expect(await attempt(await tagUnder(w.c, aNote, [allowB], "x", false))).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_ACL_DENIED", data: { reason: "no_matching_allow" } },
    });
  });

  it("requires the grant among deps (ERR_AUTH_NOT_OWNER, grant_not_in_deps)", async () => {
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowB = await rule(w.a, r, "acl.write.allow", { identity: w.b.authorId });
    await ingest(r, allowB);
    expect(await attempt(await tagUnder(w.b, aNote, [], "x", false))).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_NOT_OWNER", data: { reason: "grant_not_in_deps" } },
    });
  });

  it("lets deny beat allow (ERR_AUTH_ACL_DENIED)", async () => {
    const r = await root(w.a, { scope: "type", target_type_key: "notes.note" });
    const both = await w.a.write({
      app: "system",
      domain: "acl",
      ops: [
        { op: "attr_create", type_key: "acl.write.allow", payload: { parent_id: `${r.id}:0`, value: { identity: w.b.authorId } } },
        { op: "attr_create", type_key: "acl.write.deny", payload: { parent_id: `${r.id}:0`, value: { identity: w.b.authorId } } },
      ],
    });
    await ingest(r, both);
    expect(await attempt(await tagUnder(w.b, aNote, [both], "x", false))).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_ACL_DENIED", data: { reason: "denied" } },
    });
  });

  it("covers objects by type and by app scope, and only the root owner's objects", async () => {
    const byApp = await root(w.a, { scope: "app" });
    const allowB = await rule(w.a, byApp, "acl.write.allow", { identity: w.b.authorId });
    const cNote = await note(w.c, "C's note");
    await ingest(byApp, allowB, cNote);
    expectOk(await attempt(await tagUnder(w.b, aNote, [allowB])));
    // A's ACL says nothing about C's objects.
    expect(await attempt(await tagUnder(w.b, cNote, [allowB], "x", false))).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_NOT_OWNER" },
    });
  });

  it("grants through a group the owner keeps; a member added by someone else does not count", async () => {
    const group = await w.a.write({
      app: "system",
      domain: "groups",
      ops: [{ op: "parent_create", type_key: "system.group", payload: { value: { name: "Editors" } } }],
    });
    const member = await w.a.write({
      app: "system",
      domain: "groups",
      deps: [w.genesis.b.id],
      ops: [
        {
          op: "edge_create",
          type_key: "system.group_member",
          payload: { src_parent_id: `${group.id}:0`, dst_parent_id: identityObject(w.genesis.b), value: { role: "member" } },
        },
      ],
    });
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowGroup = await rule(w.a, r, "acl.write.allow", { group: `${group.id}:0` });
    await ingest(group, member, r, allowGroup);
    expectOk(await attempt(await tagUnder(w.b, aNote, [allowGroup, member])));
    expect(await attempt(await tagUnder(w.c, aNote, [allowGroup, member], "x", false))).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_ACL_DENIED" },
    });
    // The membership must be cited too.
    expect(await attempt(await tagUnder(w.b, aNote, [allowGroup], "y", false))).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_NOT_OWNER", data: { reason: "grant_not_in_deps" } },
    });
  });

  it("honours a capability grant until it expires (ERR_AUTH_SCOPE_EXCEEDED after)", async () => {
    const cap = await w.a.write({
      app: "system",
      domain: "capabilities",
      ops: [{ op: "parent_create", type_key: "system.capability", payload: { value: { name: "notes.editor" } } }],
    });
    const live = await w.a.write({
      app: "system",
      domain: "capabilities",
      deps: [w.genesis.b.id],
      ops: [
        {
          op: "edge_create",
          type_key: "system.capability_grant",
          payload: { src_parent_id: `${cap.id}:0`, dst_parent_id: identityObject(w.genesis.b), value: { expires_at: FUTURE } },
        },
      ],
    });
    const expired = await w.a.write({
      app: "system",
      domain: "capabilities",
      deps: [w.genesis.c.id],
      ops: [
        {
          op: "edge_create",
          type_key: "system.capability_grant",
          payload: { src_parent_id: `${cap.id}:0`, dst_parent_id: identityObject(w.genesis.c), value: { expires_at: PAST } },
        },
      ],
    });
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowCap = await rule(w.a, r, "acl.write.allow", { capability: "notes.editor" });
    await ingest(cap, live, expired, r, allowCap);
    expectOk(await attempt(await tagUnder(w.b, aNote, [allowCap, live])));
    expect(await attempt(await tagUnder(w.c, aNote, [allowCap, expired], "x", false))).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_SCOPE_EXCEEDED", data: { reason: "grant_expired" } },
    });
  });

  it("lets an admin skip object ACLs, but never schema or the app boundary", async () => {
    const admin = await w.a.write({
      app: "system",
      domain: "capabilities",
      ops: [{ op: "parent_create", type_key: "system.capability", payload: { value: { name: "system.admin" } } }],
    });
    const grant = await w.a.write({
      app: "system",
      domain: "capabilities",
      deps: [w.genesis.b.id],
      ops: [
        {
          op: "edge_create",
          type_key: "system.capability_grant",
          payload: { src_parent_id: `${admin.id}:0`, dst_parent_id: identityObject(w.genesis.b), value: {} },
        },
      ],
    });
    await ingest(admin, grant);
    expectOk(await attempt(await tagUnder(w.b, aNote, [grant])));
    expect(await attempt(await tagUnder(w.b, aNote, [grant], "x".repeat(40), false))).toMatchObject({
      ok: false,
      error: { code: "ERR_SCHEMA_INVALID_VALUE" },
    });
    const elsewhere = await w.b.write(
      {
        app: "system",
        domain: "groups",
        deps: [aNote.id, grant.id].sort(),
        ops: [
          {
            op: "edge_create",
            type_key: "system.group_member",
            payload: { src_parent_id: identityObject(aNote), dst_parent_id: identityObject(w.genesis.b), value: {} },
          },
        ],
      },
      false,
    );
    expect(await attempt(elsewhere)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_IDENTIFIER", data: { reason: "cross_app_reference" } },
    });
  });
});

describe("revocation (DESIGN §4 rule 5)", () => {
  async function grantedB() {
    const cap = await w.a.write({
      app: "system",
      domain: "capabilities",
      ops: [{ op: "parent_create", type_key: "system.capability", payload: { value: { name: "notes.editor" } } }],
    });
    const grant = await w.a.write({
      app: "system",
      domain: "capabilities",
      deps: [w.genesis.b.id],
      ops: [
        {
          op: "edge_create",
          type_key: "system.capability_grant",
          payload: { src_parent_id: `${cap.id}:0`, dst_parent_id: identityObject(w.genesis.b), value: {} },
        },
      ],
    });
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowCap = await rule(w.a, r, "acl.write.allow", { capability: "notes.editor" });
    await ingest(cap, grant, r, allowCap);
    return { cap, grant, r, allowCap };
  }

  const revoke = (kind: string, target: string, cuts: { key: string; last_seq: number }[]) =>
    w.a.write({
      app: "system",
      domain: "revocations",
      ops: [{ op: "parent_create", type_key: "system.revocation", payload: { value: { kind, target, cuts } } }],
    });

  const bKey = () => toBase64url(w.b.signer.publicKey);

  it("withdraws writes beyond the cut and keeps those before it", async () => {
    const { grant, allowCap } = await grantedB();
    const before = await tagUnder(w.b, aNote, [allowCap, grant], "before");
    const after = await tagUnder(w.b, aNote, [allowCap, grant], "after");
    await ingest(before, after);
    const revocation = await revoke("grant", `${grant.id}:0`, [{ key: bKey(), last_seq: before.envelope.seq }]);
    expect(expectOk(await attempt(revocation))).toMatchObject({ status: "accepted" });
    const status = Object.fromEntries((await node.history({ limit: 100 })).map((h) => [h.id, h.status]));
    expect([status[before.id], status[after.id]]).toEqual(["accepted", "suppressed"]);
    // Arriving later, a write beyond the cut is stored suppressed, not applied.
    const late = await tagUnder(w.b, aNote, [allowCap, grant], "late");
    expect(expectOk(await attempt(late))).toMatchObject({ status: "suppressed" });
  });

  it("treats a deny added later as a revocation with its cuts", async () => {
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowB = await rule(w.a, r, "acl.write.allow", { identity: w.b.authorId });
    await ingest(r, allowB);
    const kept = await tagUnder(w.b, aNote, [allowB], "kept");
    const dropped = await tagUnder(w.b, aNote, [allowB], "dropped");
    await ingest(kept, dropped);
    await ingest(await rule(w.a, r, "acl.write.deny", { identity: w.b.authorId, cuts: [{ key: bKey(), last_seq: kept.envelope.seq }] }));
    const status = Object.fromEntries((await node.history({ limit: 100 })).map((h) => [h.id, h.status]));
    expect([status[kept.id], status[dropped.id]]).toEqual(["accepted", "suppressed"]);
  });

  it("lets only the owner revoke (ERR_AUTH_NOT_OWNER, not_revoker)", async () => {
    const { grant } = await grantedB();
    const byC = await w.c.write(
      {
        app: "system",
        domain: "revocations",
        ops: [
          { op: "parent_create", type_key: "system.revocation", payload: { value: { kind: "grant", target: `${grant.id}:0`, cuts: [] } } },
        ],
      },
      false,
    );
    expect(await attempt(byC)).toMatchObject({ ok: false, error: { code: "ERR_AUTH_NOT_OWNER", data: { reason: "not_revoker" } } });
    const othersKey = await w.c.write(
      {
        app: "system",
        domain: "revocations",
        ops: [{ op: "parent_create", type_key: "system.revocation", payload: { value: { kind: "key", target: bKey(), cuts: [] } } }],
      },
      false,
    );
    expect(await attempt(othersKey)).toMatchObject({ ok: false, error: { code: "ERR_AUTH_NOT_OWNER", data: { reason: "not_revoker" } } });
  });

  it("reaches the same state in any order: grants, writes that rely on them, and revocations (seeded property)", async () => {
    const { cap, grant, r, allowCap } = await grantedB();
    const corpus = [w.genesis.a, w.genesis.b, w.genesis.c, aNote, cap, grant, r, allowCap].map((e) => e.text);
    const writes = [
      await tagUnder(w.b, aNote, [allowCap, grant], "1"),
      await tagUnder(w.b, aNote, [allowCap, grant], "2"),
      await tagUnder(w.b, aNote, [allowCap, grant], "3"),
    ];
    const revocation = await revoke("grant", `${grant.id}:0`, [{ key: bKey(), last_seq: writes[0]!.envelope.seq }]);
    const update = await w.a.write({
      app: "app.notes",
      domain: "notes",
      ops: [
        { op: "parent_update", type_key: "notes.note", payload: { parent_id: identityObject(aNote), value: { title: "edited by A" } } },
      ],
    });
    const all = [...corpus, ...writes.map((e) => e.text), revocation.text, update.text];
    const pkg = await (await testPublisher()).package(NOTES_SCHEMA);
    const reference = await startNode();
    expectOk(await reference.node.apps.install(pkg));
    for (const text of all) expectOk(await reference.node.ingest(text));
    const expected = (await reference.node.stateDigest()).digest;
    const { seed, numRuns } = fuzzConfig(6);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(all, { minLength: all.length }), async (order) => {
        const t = await startNode();
        expectOk(await t.node.apps.install(pkg));
        for (const text of order) expectOk(await t.node.ingest(text));
        expect((await t.node.stateDigest()).digest).toBe(expected);
        await t.node.stop();
      }),
      { seed, numRuns },
    );
  });
});

describe("local guards and reads", () => {
  let me: IdentityId;
  beforeEach(async () => {
    me = expectOk(await node.identities.create({ name: "Local" })).identityId;
  });

  it("cites the grant itself when a local session writes under another's object", async () => {
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowMe = await rule(w.a, r, "acl.write.allow", { identity: me });
    await ingest(r, allowMe);
    const session = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const written = expectOk(
      await session.submit({
        domain: "notes",
        ops: [{ op: "attr_create", type_key: "notes.tag", payload: { parent_id: identityObject(aNote), value: "mine" } }],
      }),
    );
    const text = (await node.history({ limit: 100 })).find((h) => h.id === written.envelopeId)!.text;
    expect((JSON.parse(text) as { content: { deps: string[] } }).content.deps).toContain(allowMe.id);
  });

  it("refuses a local write naming an object its author may not see (ERR_AUTH_VISIBILITY_DENIED)", async () => {
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    await ingest(r, await rule(w.a, r, "acl.read.allow", { identity: w.b.authorId }));
    const session = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const result = await session.submit({
      domain: "notes",
      ops: [{ op: "rating_create", type_key: "notes.star", payload: { target_parent_id: identityObject(aNote), value: 5 } }],
    });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_AUTH_VISIBILITY_DENIED" } });
    // …and reads never return it.
    expect(expectOk(await session.read({ target: "parent" })).rows.map((row) => row.id)).not.toContain(identityObject(aNote));
  });

  it("refuses a local write relying on a revoked grant (ERR_CAPABILITY_REVOKED) or under a deny (ERR_AUTH_ACL_DENIED)", async () => {
    const genesisOfMe = (await node.history({ limit: 100 })).find((h) => h.authorId === me)!;
    const cap = await w.a.write({
      app: "system",
      domain: "capabilities",
      ops: [{ op: "parent_create", type_key: "system.capability", payload: { value: { name: "notes.editor" } } }],
    });
    const grant = await w.a.write({
      app: "system",
      domain: "capabilities",
      deps: [genesisOfMe.id],
      ops: [
        {
          op: "edge_create",
          type_key: "system.capability_grant",
          payload: { src_parent_id: `${cap.id}:0`, dst_parent_id: `${genesisOfMe.id}:0`, value: {} },
        },
      ],
    });
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(aNote) });
    const allowCap = await rule(w.a, r, "acl.write.allow", { capability: "notes.editor" });
    await ingest(cap, grant, r, allowCap);
    const session = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const tag = (value: string) =>
      session.submit({
        domain: "notes",
        ops: [{ op: "attr_create", type_key: "notes.tag", payload: { parent_id: identityObject(aNote), value } }],
      });
    expectOk(await tag("one"));
    const myKey = expectOk(await node.identities.list()).find((k) => k.identityId === me && k.scope === "identity")!.keyId;
    await ingest(
      await w.a.write({
        app: "system",
        domain: "revocations",
        ops: [
          {
            op: "parent_create",
            type_key: "system.revocation",
            payload: { value: { kind: "grant", target: `${grant.id}:0`, cuts: [{ key: myKey, last_seq: 2 }] } },
          },
        ],
      }),
    );
    expect(await tag("two")).toMatchObject({ ok: false, error: { code: "ERR_CAPABILITY_REVOKED" } });
    await ingest(await rule(w.a, r, "acl.write.deny", { identity: me, cuts: [] }));
    expect(await tag("three")).toMatchObject({ ok: false, error: { code: "ERR_AUTH_ACL_DENIED", data: { reason: "denied" } } });
  });

  it("refuses writes with a revoked device key (ERR_CRYPTO_KEY_REVOKED) and with a key outside its apps (ERR_AUTH_SCOPE_EXCEEDED)", async () => {
    const laptop = expectOk(await node.identities.addDevice(me, { label: "laptop" }));
    const scoped = expectOk(await node.identities.addDevice(me, { label: "kiosk", apps: ["app.other"] }));
    const kiosk = expectOk(await node.openSession({ identityId: me, app: "app.notes", keyId: scoped.keyId }));
    expect(
      await kiosk.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "k" } } }] }),
    ).toMatchObject({ ok: false, error: { code: "ERR_AUTH_SCOPE_EXCEEDED", data: { reason: "key_scope" } } });
    const onLaptop = expectOk(await node.openSession({ identityId: me, app: "app.notes", keyId: laptop.keyId }));
    expectOk(
      await onLaptop.submit({
        domain: "notes",
        ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "l1" } } }],
      }),
    );
    const system = expectOk(await node.openSession({ identityId: me, app: "system" }));
    expectOk(
      await system.submit({
        domain: "revocations",
        ops: [
          {
            op: "parent_create",
            type_key: "system.revocation",
            payload: { value: { kind: "key", target: laptop.keyId, cuts: [{ key: laptop.keyId, last_seq: 1 }] } },
          },
        ],
      }),
    );
    expect(
      await onLaptop.submit({
        domain: "notes",
        ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "l2" } } }],
      }),
    ).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_KEY_REVOKED" } });
  });

  it("decides sync_read: public objects travel, read-restricted ones only to allowed peers, never by admin", async () => {
    const publicNote = aNote;
    const secret = await note(w.a, "secret");
    const r = await root(w.a, { scope: "object", target_object_id: identityObject(secret) });
    const readB = await rule(w.a, r, "acl.read.allow", { identity: w.b.authorId });
    const admin = await w.a.write({
      app: "system",
      domain: "capabilities",
      ops: [{ op: "parent_create", type_key: "system.capability", payload: { value: { name: "system.admin" } } }],
    });
    const adminC = await w.a.write({
      app: "system",
      domain: "capabilities",
      deps: [w.genesis.c.id],
      ops: [
        {
          op: "edge_create",
          type_key: "system.capability_grant",
          payload: { src_parent_id: `${admin.id}:0`, dst_parent_id: identityObject(w.genesis.c), value: {} },
        },
      ],
    });
    await ingest(secret, r, readB, admin, adminC);
    const decide = async (peer: string, e: VerifiedEnvelope) => expectOk(await node.syncRead(peer as IdentityId, e.id)).allow;
    expect(await decide(w.c.authorId, publicNote)).toBe(true);
    expect(await decide(w.b.authorId, secret)).toBe(true);
    expect(await decide(w.c.authorId, secret)).toBe(false); // admin skips object ACLs, never sync export
    expect(await decide(w.c.authorId, w.genesis.a)).toBe(true); // identities always travel
    expect(await node.syncRead(w.c.authorId, "A".repeat(43) as EnvelopeId)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_IDENTIFIER" },
    });
  });
});
