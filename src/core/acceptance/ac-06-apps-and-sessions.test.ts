// AC-06 app isolation, the app lifecycle matrix (public design 08), sessions bound to (identity, app),
// device keys, and reads (GraphReadRequest) with their rejections.
import { beforeEach, describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import type { IdentityId } from "../shared/ids.ts";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher } from "./fixtures.ts";

const TODO_SCHEMA = {
  app: "app.todo",
  version: "1.0.0",
  types: {
    "todo.item": { kind: "parent", fields: { text: { type: "string", required: true, max_length: 200 }, done: { type: "boolean" } } },
    "todo.note_ref": { kind: "attr", parents: ["todo.item"], value: { type: "object_id" } },
  },
  domains: { items: { types: ["todo.item", "todo.note_ref"], mode: "sync" } },
} as const;

let node: TwoWayNode;
let me: IdentityId;

beforeEach(async () => {
  ({ node } = await startNode());
  const publisher = await testPublisher();
  expectOk(await node.apps.install(await publisher.package(NOTES_SCHEMA)));
  expectOk(await node.apps.install(await (await testPublisher(92)).package(TODO_SCHEMA)));
  me = expectOk(await node.identities.create({ name: "Me" })).identityId;
});

describe("AC-06 app isolation", () => {
  it("rejects an op that references another app's object (ERR_STRUCT_INVALID_IDENTIFIER)", async () => {
    const notes = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const todo = expectOk(await node.openSession({ identityId: me, app: "app.todo" }));
    const note = expectOk(
      await notes.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "N" } } }] }),
    );
    const item = expectOk(
      await todo.submit({ domain: "items", ops: [{ op: "parent_create", type_key: "todo.item", payload: { value: { text: "T" } } }] }),
    );
    const before = node.globalSeq();
    const cross = await todo.submit({
      domain: "items",
      ops: [{ op: "attr_create", type_key: "todo.note_ref", payload: { parent_id: note.objectIds[0]!, value: note.objectIds[0]! } }],
    });
    expect(cross).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_IDENTIFIER", data: { reason: "cross_app_reference" } } });
    // Holding another app's object id as a *value* is fine: it grants nothing.
    expectOk(
      await todo.submit({
        domain: "items",
        ops: [{ op: "attr_create", type_key: "todo.note_ref", payload: { parent_id: item.objectIds[0]!, value: note.objectIds[0]! } }],
      }),
    );
    expect(node.globalSeq()).toBe(before + 1);
  });

  it("rejects another app's types in a session (ERR_SCHEMA_TYPE_NOT_ALLOWED)", async () => {
    const todo = expectOk(await node.openSession({ identityId: me, app: "app.todo" }));
    const result = await todo.submit({
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "N" } } }],
    });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_TYPE_NOT_ALLOWED" } });
  });

  it("never returns another app's objects from a read", async () => {
    const notes = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const todo = expectOk(await node.openSession({ identityId: me, app: "app.todo" }));
    const note = expectOk(
      await notes.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "N" } } }] }),
    );
    expectOk(
      await todo.submit({ domain: "items", ops: [{ op: "parent_create", type_key: "todo.item", payload: { value: { text: "T" } } }] }),
    );
    expect(expectOk(await todo.read({ target: "parent" })).rows.map((r) => r.type_key)).toEqual(["todo.item"]);
    expect(expectOk(await todo.read({ target: "parent", ids: note.objectIds })).rows).toEqual([]);
    expect(expectOk(await todo.read({ target: "parent", type_key: "notes.note" })).rows).toEqual([]);
  });

  it("binds a session to its app: a request cannot name another one", async () => {
    const todo = expectOk(await node.openSession({ identityId: me, app: "app.todo" }));
    const sneaky = {
      domain: "notes",
      app: "app.notes",
      ops: [{ op: "parent_create" as const, type_key: "notes.note", payload: { value: { title: "N" } } }],
    };
    const result = await todo.submit(sneaky);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_TYPE_NOT_ALLOWED" } });
    const notes = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    expect(expectOk(await notes.read({ target: "parent" })).rows).toEqual([]);
  });
});

describe("app lifecycle (public design 08 matrix)", () => {
  it("moves enabled → disabled → enabled → disabled → removed, and refuses everything else (object_invalid)", async () => {
    expect(await node.apps.remove("app.todo")).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "illegal_transition" } },
    });
    expect(await node.apps.enable("app.todo")).toMatchObject({ ok: false, error: { code: "object_invalid" } });
    expect(expectOk(await node.apps.disable("app.todo")).state).toBe("installed_disabled");
    expect(await node.apps.disable("app.todo")).toMatchObject({ ok: false, error: { code: "object_invalid" } });
    expect(expectOk(await node.apps.enable("app.todo")).state).toBe("installed_enabled");
    expectOk(await node.apps.disable("app.todo"));
    expect(expectOk(await node.apps.remove("app.todo")).state).toBe("removed");
    for (const action of ["enable", "disable", "remove"] as const) {
      expect(await node.apps[action]("app.todo")).toMatchObject({ ok: false, error: { code: "object_invalid" } });
    }
  });

  it("ends a disabled app's sessions (ERR_AUTH_TOKEN_REVOKED), refuses new ones (ERR_SVC_APP_DISABLED), keeps its data", async () => {
    const todo = expectOk(await node.openSession({ identityId: me, app: "app.todo" }));
    expectOk(
      await todo.submit({ domain: "items", ops: [{ op: "parent_create", type_key: "todo.item", payload: { value: { text: "keep" } } }] }),
    );
    const digest = await node.stateDigest();
    expectOk(await node.apps.disable("app.todo"));
    expect(
      await todo.submit({ domain: "items", ops: [{ op: "parent_create", type_key: "todo.item", payload: { value: { text: "no" } } }] }),
    ).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
    expect(await node.openSession({ identityId: me, app: "app.todo" })).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_APP_DISABLED" },
    });
    expect(await node.stateDigest()).toEqual(digest);
  });

  it("rejects unknown apps, the system app's lifecycle, bad manifests, and a package without its schema", async () => {
    expect(await node.apps.enable("app.nope")).toMatchObject({ ok: false, error: { code: "app_not_found" } });
    expect(await node.openSession({ identityId: me, app: "app.nope" })).toMatchObject({ ok: false, error: { code: "app_not_found" } });
    expect(await node.apps.disable("system")).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "system_app" } },
    });
    const publisher = await testPublisher();
    const good = await publisher.package(NOTES_SCHEMA);
    expect(await node.apps.install({ ...good, manifest: { ...good.manifest, slug: "Bad Slug" } })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_IDENTIFIER" },
    });
    expect(await node.apps.install({ ...good, manifest: { ...good.manifest, version: "1" } })).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE" },
    });
    expect(await node.apps.install({ ...good, manifest: { ...good.manifest, version: "2.0.0" } })).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "version_change" } },
    });
    expect(
      await node.apps.install({ manifest: { slug: "app.empty", version: "1.0.0", title: "Empty" }, envelopes: [publisher.genesis] }),
    ).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_TYPE_NOT_ALLOWED", data: { reason: "schema_missing" } } });
    expect(
      await node.apps.install({
        manifest: { slug: "app.orphan", version: "1.0.0", title: "Orphan" },
        envelopes: [good.envelopes[1]!.replace("app.notes", "app.orphan")],
      }),
    ).toMatchObject({ ok: false });
    expect(expectOk(await node.apps.install(good))).toMatchObject({ slug: "app.notes", localId: 1 }); // idempotent
    expect((await node.apps.list()).map((a) => [a.slug, a.localId])).toEqual([
      ["system", 0],
      ["app.notes", 1],
      ["app.todo", 2],
    ]);
  });

  it("rejects an app schema object that is not a valid schema (ERR_SCHEMA_INVALID_VALUE)", async () => {
    const publisher = await testPublisher(91);
    const broken = await publisher.package({
      app: "app.broken",
      version: "1.0.0",
      types: { "broken.x": { kind: "edge" } },
      domains: {},
    } as never);
    const result = await node.apps.install(broken);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_INVALID_VALUE", data: { reason: "invalid_app_schema" } } });
  });
});

describe("device keys", () => {
  it("binds a device key with a root-signed attribute and writes with it", async () => {
    const device = expectOk(await node.identities.addDevice(me, { label: "laptop" }));
    const session = expectOk(await node.openSession({ identityId: me, app: "app.notes", keyId: device.keyId }));
    const first = expectOk(
      await session.submit({
        domain: "notes",
        ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "from laptop" } } }],
      }),
    );
    const second = expectOk(
      await session.submit({
        domain: "notes",
        ops: [{ op: "parent_update", type_key: "notes.note", payload: { parent_id: first.objectIds[0]!, value: { title: "edited" } } }],
      }),
    );
    const history = await node.history({ limit: 100 });
    const signed = history
      .filter((h) => h.id === first.envelopeId || h.id === second.envelopeId)
      .map((h) => JSON.parse(h.text) as { author_key: string; author_id: string; content: { deps: string[] } });
    expect(signed.every((e) => e.author_key === device.keyId && e.author_id === me)).toBe(true);
    expect(signed[0]!.content.deps).toContain(device.envelopeId); // the chain's first envelope names its binding
    const rows = expectOk(await session.read({ target: "parent", ids: first.objectIds })).rows;
    expect(rows[0]).toMatchObject({ owner_identity: me, value: { title: "edited" } });
  });

  it("refuses a device for an identity this node does not hold (ERR_MNG_KEY_BINDING_MISMATCH)", async () => {
    const other = await startNode();
    const stranger = expectOk(await other.node.identities.create()).identityId;
    expect(await node.identities.addDevice(stranger)).toMatchObject({ ok: false, error: { code: "ERR_MNG_KEY_BINDING_MISMATCH" } });
    expect(await node.openSession({ identityId: stranger, app: "app.notes" })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_KEY_SCOPE_KEY_MISSING" },
    });
  });
});

describe("reads (GraphReadRequest)", () => {
  it("filters, orders, pages and reads as of a snapshot", async () => {
    const notes = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    const ids: string[] = [];
    for (const title of ["b", "a", "c"])
      ids.push(
        expectOk(
          await notes.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title } } }] }),
        ).objectIds[0]!,
      );
    const snapshot = node.globalSeq();
    expectOk(
      await notes.submit({
        domain: "notes",
        ops: [
          { op: "parent_update", type_key: "notes.note", payload: { parent_id: ids[0]!, value: { title: "b2" } } },
          { op: "attr_create", type_key: "notes.tag", payload: { parent_id: ids[0]!, value: "x" } },
        ],
      }),
    );
    const page1 = expectOk(await notes.read({ target: "parent", order_by: "global_seq", limit: 2 }));
    expect(page1.rows.map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect(page1.next_offset).toBe(2);
    expect(expectOk(await notes.read({ target: "parent", order: "desc", limit: 1 })).rows[0]!.id).toBe(ids[2]);
    expect(expectOk(await notes.read({ target: "parent", where: { title: "b2" } })).rows.map((r) => r.id)).toEqual([ids[0]]);
    expect(expectOk(await notes.read({ target: "attr", parent_id: ids[0]! })).rows.map((r) => r.value)).toEqual(["x"]);
    const past = expectOk(await notes.read({ target: "parent", ids: [ids[0]!], snapshot_seq: snapshot }));
    expect(past.rows[0]!.value).toEqual({ title: "b" });
    expect(expectOk(await notes.read({ target: "attr", snapshot_seq: snapshot })).rows).toEqual([]);
  });

  it.each([
    [null, "ERR_STRUCT_INVALID_TYPE", "expected_object"],
    [{ target: "thing" }, "ERR_STRUCT_INVALID_TYPE", "unknown_target"],
    [{ target: "parent", app: "app.todo" }, "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
    [{ target: "parent", limit: 0 }, "ERR_MNG_GRAPH_READ_BOUNDS_EXCEEDED", "limit_out_of_range"],
    [{ target: "parent", limit: 5000 }, "ERR_MNG_GRAPH_READ_BOUNDS_EXCEEDED", "limit_out_of_range"],
    [{ target: "parent", offset: -1 }, "ERR_MNG_GRAPH_READ_BOUNDS_EXCEEDED", "offset_out_of_range"],
    [{ target: "parent", snapshot_seq: 10_000 }, "ERR_MNG_GRAPH_READ_BOUNDS_EXCEEDED", "snapshot_in_future"],
    [{ target: "parent", ids: Array.from({ length: 101 }, () => "x") }, "ERR_MNG_GRAPH_READ_BOUNDS_EXCEEDED", "too_many_ids"],
    [{ target: "parent", where: { title: { $ne: 1 } } }, "ERR_STRUCT_INVALID_TYPE", "expected_scalar"],
    [{ target: "parent", order_by: "title" }, "ERR_STRUCT_INVALID_TYPE", "unknown_order"],
  ])("rejects the read request %j (%s)", async (request, code, reason) => {
    const notes = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    expect(await notes.read(request)).toMatchObject({ ok: false, error: { code, data: { reason } } });
  });
});
