// A mini-app's port end to end, minus the iframe: the SDK on one end of a real MessageChannel, the
// worker's binding on the other. The app is always the bound one, requests are checked like the
// shell's, disabling ends the app's access, and a flood is bounded per port.
import * as Comlink from "comlink";
import { afterEach, describe, expect, it } from "vitest";
import { connectApp, type AppClient } from "../src/apps/sdk/index.ts";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher } from "../src/core/acceptance/fixtures.ts";
import type { IdentityId, TwoWayNode } from "../src/core/index.ts";
import { bindAppPort, type BoundAppPort, type Now } from "./app-port.ts";
import { APP_PORT_LIMITS, type AppPortLimits } from "../src/rpc/app-api.ts";

const open: { client: AppClient; bound: BoundAppPort }[] = [];
afterEach(() => {
  for (const { client, bound } of open.splice(0)) {
    client.close();
    bound.close();
  }
});

const TODO_SCHEMA = {
  app: "app.todo",
  version: "1.0.0",
  types: { "todo.item": { kind: "parent", fields: { text: { type: "string", required: true } } } },
  domains: { items: { types: ["todo.item"], mode: "sync" } },
} as const;

async function setup(): Promise<{ node: TwoWayNode; me: IdentityId }> {
  const { node } = await startNode();
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  expectOk(await node.apps.install(await (await testPublisher(92)).package(TODO_SCHEMA)));
  const me = expectOk(await node.identities.create({ name: "Me" })).identityId;
  return { node, me };
}

function connect(node: TwoWayNode, me: IdentityId, app: string, limits: Partial<AppPortLimits> = {}, now?: Now): AppClient {
  const channel = new MessageChannel();
  const bound = bindAppPort(node, channel.port2, { identityId: me, app, version: "1.0.0" }, { ...APP_PORT_LIMITS, ...limits }, now);
  const client = connectApp(channel.port1);
  open.push({ client, bound });
  return client;
}

const note = (title: string) => ({ op: "parent_create" as const, type_key: "notes.note", payload: { value: { title } } });

describe("a mini-app's port", () => {
  it("says who and which app it is bound to, writes and reads through the SDK", async () => {
    const { node, me } = await setup();
    const app = connect(node, me, "app.notes");
    expect(expectOk(await app.whoAmI())).toEqual({
      identityId: me,
      app: "app.notes",
      version: "1.0.0",
      nodeIdentityId: node.sync.nodeIdentity,
    });
    const receipt = expectOk(await app.submit({ domain: "notes", ops: [note("hello")] }));
    expect(receipt.status).toBe("accepted");
    const read = expectOk(await app.read({ target: "parent", type_key: "notes.note", limit: 10 }));
    expect(read.rows.map((r) => (r.value as { title: string }).title)).toEqual(["hello"]);
  });

  it("cannot name another app: app and identity fields are refused, nothing written (ERR_STRUCT_INVALID_TYPE)", async () => {
    const { node, me } = await setup();
    const app = connect(node, me, "app.todo");
    const seq = node.globalSeq();
    for (const request of [
      { app: "app.notes", domain: "notes", ops: [note("x")] },
      { identityId: me, domain: "items", ops: [{ op: "parent_create", type_key: "todo.item", payload: { value: { text: "x" } } }] },
    ])
      expect(await app.submit(request as never)).toMatchObject({
        ok: false,
        error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "unknown_field" } },
      });
    expect(node.globalSeq()).toBe(seq);
  });

  it("cannot write into another app's domains or types: the node refuses with its schema code", async () => {
    const { node, me } = await setup();
    const app = connect(node, me, "app.todo");
    const seq = node.globalSeq();
    expect(await app.submit({ domain: "notes", ops: [note("x")] })).toMatchObject({
      ok: false,
      error: { code: "ERR_SCHEMA_TYPE_NOT_ALLOWED" },
    });
    expect(node.globalSeq()).toBe(seq);
  });

  it("cannot read another app's data: its reads see only its own app", async () => {
    const { node, me } = await setup();
    expectOk(await connect(node, me, "app.notes").submit({ domain: "notes", ops: [note("secret")] }));
    const todo = connect(node, me, "app.todo");
    expect(await todo.read({ target: "parent", type_key: "notes.note", limit: 10 })).toMatchObject({ ok: true, value: { rows: [] } });
    expect(await todo.read({ target: "parent", limit: 10 })).toMatchObject({ ok: true, value: { rows: [] } });
  });

  it("loses access when the app is disabled (ERR_SVC_APP_DISABLED), and regains it when enabled", async () => {
    const { node, me } = await setup();
    const app = connect(node, me, "app.notes");
    expectOk(await app.whoAmI());
    expectOk(await node.apps.disable("app.notes"));
    expect(await app.submit({ domain: "notes", ops: [note("x")] })).toMatchObject({ ok: false, error: { code: "ERR_SVC_APP_DISABLED" } });
    expect(await app.whoAmI()).toMatchObject({ ok: false, error: { code: "ERR_SVC_APP_DISABLED" } });
    expectOk(await node.apps.enable("app.notes"));
    expectOk(await app.whoAmI());
  });

  it("checks requests like the shell's: malformed, oversized, extra arguments, unknown methods", async () => {
    const { node, me } = await setup();
    const app = connect(node, me, "app.notes", { maxRequestChars: 2000 });
    expect(await app.submit({ domain: "notes", ops: [] })).toMatchObject({ ok: false, error: { data: { reason: "out_of_range" } } });
    expect(await app.submit({ domain: "notes", ops: [note("x".repeat(3000))] })).toMatchObject({
      ok: false,
      error: { data: { reason: "too_large" } },
    });
    expect(await app.read("everything" as never)).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE" } });
  });

  it("answers a hostile caller speaking raw Comlink: extra arguments, unknown methods", async () => {
    const { node, me } = await setup();
    const channel = new MessageChannel();
    const bound = bindAppPort(node, channel.port2, { identityId: me, app: "app.notes", version: "1.0.0" });
    const raw = Comlink.wrap<Record<string, (...args: unknown[]) => Promise<unknown>>>(channel.port1);
    expect(await raw["read"]!({ target: "parent" }, "extra")).toMatchObject({
      ok: false,
      error: { data: { reason: "too_many_arguments" } },
    });
    expect(await raw["exportEnvelopes"]!()).toMatchObject({
      ok: false,
      error: { code: "object_invalid", data: { reason: "unknown_method" } },
    });
    expect(await raw["submit"]!({ domain: "notes", ops: [note("still checked")] })).toMatchObject({ ok: true });
    bound.close();
    channel.port1.close();
  });

  it("bounds a flood: calls beyond the in-flight limit are refused at once (ERR_RESOURCE_RATE_LIMIT), the rest answer", async () => {
    const { node, me } = await setup();
    const app = connect(node, me, "app.notes", { maxInFlight: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => app.submit({ domain: "notes", ops: [note(`n${i}`)] })));
    const refused = results.filter((r) => !r.ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r).toMatchObject({ ok: false, error: { code: "ERR_RESOURCE_RATE_LIMIT" } });
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(2);
    // The shell's side stays responsive: the node answers its own calls.
    expect((await node.apps.list()).length).toBe(3);
  });

  it("bounds a sustained loop: past its burst a port is refused by rate (ERR_RESOURCE_RATE_LIMIT), nothing written, until time refills it", async () => {
    const { node, me } = await setup();
    let clock = 0;
    const app = connect(node, me, "app.notes", { burst: 3, callsPerSecond: 10 }, () => clock);
    for (let i = 0; i < 3; i++) expectOk(await app.submit({ domain: "notes", ops: [note(`n${i}`)] }));
    const seq = node.globalSeq();
    expect(await app.submit({ domain: "notes", ops: [note("too fast")] })).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "rate", limit: 10 } },
    });
    expect(await app.whoAmI()).toMatchObject({ ok: false, error: { data: { reason: "rate" } } });
    expect(node.globalSeq()).toBe(seq);
    clock += 100; // one call's worth at 10 per second
    expectOk(await app.submit({ domain: "notes", ops: [note("later")] }));
    expect(await app.whoAmI()).toMatchObject({ ok: false, error: { data: { reason: "rate" } } });
  });
});

describe("a mini-app's subscription", () => {
  it("keeps delivering while the shell holds its own session for the same person and app", async () => {
    const { node, me } = await setup();
    const app = connect(node, me, "app.notes");
    const seen: string[] = [];
    let third!: () => void;
    const thirdSeen = new Promise<void>((resolve) => (third = resolve));
    expectOk(
      await app.subscribe(async (event) => {
        if (event.event === "close") return void seen.push("close");
        // The app re-reads on each change, as a list view does: the callback's own call must not stall it.
        const read = expectOk(await app.read({ target: "parent", type_key: "notes.note", limit: 100 }));
        seen.push(String(read.rows.length));
        if (seen.length === 3) third();
      }),
    );
    // The shell opens its own session for this person and app (it writes a note, say).
    const shell = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
    expectOk(await shell.submit({ domain: "notes", ops: [note("from the shell")] }));
    expectOk(await app.submit({ domain: "notes", ops: [note("from the app")] }));
    expectOk(await shell.submit({ domain: "notes", ops: [note("again")] }));
    await thirdSeen; // waits on delivery: a dead subscription fails by the test's timeout
    expect(seen).toEqual(["1", "2", "3"]);
  });

  it("delivers this app's committed changes the person may read, and nothing of other apps", async () => {
    const { node, me } = await setup();
    const notes = connect(node, me, "app.notes");
    const todo = connect(node, me, "app.todo");
    const seen: string[] = [];
    let delivered!: () => void;
    const first = new Promise<void>((resolve) => (delivered = resolve));
    expectOk(
      await notes.subscribe((event) => {
        seen.push(`${event.event} ${String(event.payload["app"])}`);
        delivered();
      }),
    );
    expectOk(
      await todo.submit({ domain: "items", ops: [{ op: "parent_create", type_key: "todo.item", payload: { value: { text: "t" } } }] }),
    );
    expectOk(await notes.submit({ domain: "notes", ops: [note("seen")] }));
    await first;
    expect(seen).toEqual(["graph.object_mutated app.notes"]);
  });

  it("refuses a callback that is not a function, a bad filter, a fifth subscription and an unknown id", async () => {
    const { node, me } = await setup();
    const channel = new MessageChannel();
    const bound = bindAppPort(node, channel.port2, { identityId: me, app: "app.notes", version: "1.0.0" });
    const raw = Comlink.wrap<Record<string, (...args: unknown[]) => Promise<unknown>>>(channel.port1);
    expect(await raw["subscribe"]!("not a function")).toMatchObject({ ok: false, error: { data: { reason: "not_a_callback" } } });
    expect(
      await raw["subscribe"]!(
        Comlink.proxy(() => undefined),
        { app: "app.todo" },
      ),
    ).toMatchObject({ ok: false, error: { data: { reason: "unknown_field" } } });
    expect(
      await raw["subscribe"]!(
        Comlink.proxy(() => undefined),
        { domain: "../x" },
      ),
    ).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_IDENTIFIER" } });
    for (let i = 0; i < 4; i++) expect(await raw["subscribe"]!(Comlink.proxy(() => undefined))).toMatchObject({ ok: true });
    expect(await raw["subscribe"]!(Comlink.proxy(() => undefined))).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "subscriptions" } },
    });
    expect(await raw["unsubscribe"]!({ subscriptionId: "nope" })).toMatchObject({
      ok: false,
      error: { data: { reason: "unknown_subscription" } },
    });
    bound.close();
    channel.port1.close();
  });
});
