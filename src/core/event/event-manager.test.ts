// The Event manager (architecture 11, interfaces 14): subscriptions bound to a session's context,
// events only after commits, in global_seq order, at most once, ids only, filtered by read
// permission, bounded queues that close slow subscribers.
import { describe, expect, it } from "vitest";
import { buildRemoteContext, createAuthManager, type AuthManager, type LocalContext } from "../auth/index.ts";
import { createSigner, createVerifier } from "../crypto/index.ts";
import { utf8ByteLength } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { manualClock, seededRandom } from "../shared/clock.ts";
import { digestId, identityIdFromKey, objectId, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import {
  createEventManager,
  MAX_EVENT_PAYLOAD_BYTES,
  type CanRead,
  type CloseEvent,
  type CommitNotice,
  type EventManagerOptions,
  type GraphEvent,
  type SecurityNotice,
} from "./index.ts";

const ME = identityIdFromKey(new Uint8Array(32).fill(3));
const YOU = identityIdFromKey(new Uint8Array(32).fill(4));

async function setup(options: Partial<EventManagerOptions> = {}) {
  const nodeKey = await createSigner({ seed: new Uint8Array(32).fill(1) });
  const auth: AuthManager = createAuthManager({
    clock: manualClock(),
    random: seededRandom(3),
    verifier: await createVerifier(),
    server: { identityId: identityIdFromKey(nodeKey.publicKey), signer: nodeKey },
  });
  const security: SecurityNotice[] = [];
  const events = createEventManager({ canRead: () => true, onSecurityEvent: (n) => security.push(n), ...options });
  const session = (identityId: IdentityId = ME, app = "app.notes") => {
    const opened = auth.openSession({ identityId, app });
    if (!opened.ok) throw new Error(opened.error.message);
    return opened.value;
  };
  const contextFor = (identityId: IdentityId = ME, app = "app.notes"): LocalContext => session(identityId, app).context;
  return { auth, events, security, session, contextFor };
}

/** Lets every queued promise job run (one macrotask turn); never a timed wait. */
const drain = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const envelope = (seq: number) => digestId({ seq }) as EnvelopeId;

function notice(
  seq: number,
  objects: readonly { typeKey?: string; index?: number }[] = [{}],
  overrides: Partial<CommitNotice> = {},
): CommitNotice {
  return {
    envelopeId: envelope(seq),
    seq,
    app: "app.notes",
    domain: "notes",
    status: "accepted",
    objects: objects.map((o, i) => ({
      id: objectId(envelope(seq), o.index ?? i),
      kind: "parent",
      typeKey: o.typeKey ?? "notes.note",
      owner: ME,
    })),
    ...overrides,
  };
}

function collector() {
  const received: (GraphEvent | CloseEvent)[] = [];
  return {
    received,
    sink: (e: GraphEvent | CloseEvent) => void received.push(e),
    seqs: () => received.flatMap((e) => (e.event === "close" ? [] : [e.payload.global_seq])),
  };
}

describe("subscribe: who may listen to what", () => {
  it("refuses something that is not a context the node built (ERR_MNG_AUTH_CONTEXT_INCOMPLETE)", async () => {
    const { events, contextFor } = await setup();
    const forged = { ...contextFor() } as any;
    expect(events.subscribe(forged, { app: "app.notes" })).toMatchObject({ ok: false, error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE" } });
  });

  it("refuses a remote context (ERR_MNG_EVENT_SUBSCRIPTION_REJECTED)", async () => {
    const { events } = await setup();
    const remote = buildRemoteContext({ app: "app.notes", syncDomain: "app.notes/notes", remoteNodeIdentityId: YOU, traceId: "t" });
    if (!remote.ok) throw new Error(remote.error.message);
    expect(events.subscribe(remote.value as any, { app: "app.notes" })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_EVENT_SUBSCRIPTION_REJECTED", data: { reason: "remote_context" } },
    });
  });

  it("refuses another app's events (acl_denied) and reports security.subscription_rejected", async () => {
    const { events, contextFor, security } = await setup();
    expect(events.subscribe(contextFor(), { app: "app.todo" })).toMatchObject({
      ok: false,
      error: { code: "acl_denied", data: { reason: "app_mismatch" } },
    });
    expect(security).toEqual([{ event: "security.subscription_rejected", identityId: ME, app: "app.notes", reason: "app_mismatch" }]);
  });

  it.each([
    ["a non-object filter", "app.notes", "filter_invalid"],
    ["an unknown field", { app: "app.notes", app_id: 1 }, "filter_invalid"],
    ["a bad domain", { app: "app.notes", domain: "Notes" }, "filter_invalid"],
    ["an empty types list", { app: "app.notes", types: [] }, "filter_invalid"],
    ["a malformed type key", { app: "app.notes", types: ["note"] }, "filter_invalid"],
    ["33 types", { app: "app.notes", types: Array.from({ length: 33 }, (_, i) => `notes.t${i}`) }, "filter_invalid"],
    ["a malformed object id", { app: "app.notes", objectIds: ["x:1"] }, "filter_invalid"],
    ["an unknown event", { app: "app.notes", events: ["graph.object_deleted"] }, "filter_invalid"],
  ])("refuses %s (ERR_MNG_EVENT_SUBSCRIPTION_REJECTED)", async (_, filter, reason) => {
    const { events, contextFor } = await setup();
    expect(events.subscribe(contextFor(), filter as any)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_EVENT_SUBSCRIPTION_REJECTED", data: { reason } },
    });
    expect(events.stats().subscriptions).toBe(0);
  });

  it.each(["system.bootstrap.completed", "security.subscription_dropped"])(
    "refuses the admin-only channel %s (acl_denied)",
    async (name) => {
      const { events, contextFor } = await setup();
      expect(events.subscribe(contextFor(), { app: "app.notes", events: [name] })).toMatchObject({
        ok: false,
        error: { code: "acl_denied", data: { reason: "admin_channel" } },
      });
    },
  );

  it("hands out only the Subscription surface, frozen", async () => {
    const { events, contextFor } = await setup();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" });
    if (!subscription.ok) throw new Error();
    expect(Object.keys(subscription.value)).toEqual(["id", "closed", "next", "close"]);
    expect(typeof subscription.value[Symbol.asyncIterator]).toBe("function");
    expect(Object.isFrozen(subscription.value)).toBe(true);
  });

  it("refuses more than maxSubscriptions at once", async () => {
    const { events, contextFor } = await setup({ maxSubscriptions: 2 });
    const a = events.subscribe(contextFor(), { app: "app.notes" });
    events.subscribe(contextFor(), { app: "app.notes" });
    expect(events.subscribe(contextFor(), { app: "app.notes" })).toMatchObject({
      ok: false,
      error: { data: { reason: "too_many_subscriptions" } },
    });
    if (a.ok) a.value.close();
    expect(events.subscribe(contextFor(), { app: "app.notes" }).ok).toBe(true);
  });
});

describe("delivery: after commit, in global_seq order, at most once", () => {
  it("pushes graph.object_mutated with ids only, in global_seq order", async () => {
    const { events, contextFor } = await setup();
    const { received, sink, seqs } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    for (const seq of [3, 4, 9, 10])
      expect(events.publish(notice(seq, [{}, {}], { traceId: `t-${seq}` }))).toEqual({ ok: true, value: undefined });
    await events.settled();
    expect(seqs()).toEqual([3, 4, 9, 10]);
    expect(received[0]).toEqual({
      event: "graph.object_mutated",
      trace_id: "t-3",
      payload: {
        app: "app.notes",
        domain: "notes",
        global_seq: 3,
        envelope_id: envelope(3),
        objects: [
          { id: objectId(envelope(3), 0), kind: "parent", type_key: "notes.note" },
          { id: objectId(envelope(3), 1), kind: "parent", type_key: "notes.note" },
        ],
        object_count: 2,
        truncated: false,
      },
    });
    expect(Object.isFrozen(received[0])).toBe(true);
  });

  it("omits trace_id when the commit has none", async () => {
    const { events, contextFor } = await setup();
    const { received, sink } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.publish(notice(1));
    await events.settled();
    expect("trace_id" in received[0]!).toBe(false);
  });

  it("lets a pull subscriber take events one by one, each once, in order", async () => {
    const { events, contextFor } = await setup();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" });
    if (!subscription.ok) throw new Error();
    const pending = subscription.value.next();
    events.publish(notice(1));
    events.publish(notice(2));
    events.publish(notice(3));
    expect((await pending).value).toMatchObject({ payload: { global_seq: 1 } });
    // Concurrent pulls are served in order, never the same event twice.
    const [a, b] = await Promise.all([subscription.value.next(), subscription.value.next()]);
    expect([a.value, b.value]).toMatchObject([{ payload: { global_seq: 2 } }, { payload: { global_seq: 3 } }]);
    expect(events.stats().queued).toBe(0);
  });

  it("is an async iterator that ends with the close notice", async () => {
    const { events, contextFor } = await setup();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" });
    if (!subscription.ok) throw new Error();
    events.publish(notice(1));
    events.publish(notice(2));
    const seen: number[] = [];
    for await (const event of subscription.value) {
      seen.push(event.payload.global_seq);
      if (seen.length === 2) subscription.value.close();
    }
    expect(seen).toEqual([1, 2]);
    expect(await subscription.value.next()).toEqual({ done: true, value: { reason: "closed", error: null } });
  });

  it("throws when a push subscription is pulled (a bug)", async () => {
    const { events, contextFor } = await setup();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" }, () => undefined);
    if (!subscription.ok) throw new Error();
    expect(() => subscription.value.next()).toThrow(/without a sink/);
  });

  it("refuses a notice whose global_seq does not increase, and delivers it to nobody (internal_error)", async () => {
    const { events, contextFor } = await setup();
    const { sink, seqs } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.publish(notice(5));
    expect(events.publish(notice(5))).toMatchObject({
      ok: false,
      error: { code: "internal_error", data: { reason: "seq_not_increasing" } },
    });
    expect(events.publish(notice(4))).toMatchObject({ ok: false, error: { data: { reason: "seq_not_increasing" } } });
    await events.settled();
    expect(seqs()).toEqual([5]);
  });

  it.each([
    ["envelopeId", { envelopeId: "nope" }],
    ["seq", { seq: 0 }],
    ["app", { app: "App" }],
    ["domain", { domain: "" }],
    ["status", { status: "rejected" as any }],
    ["traceId", { traceId: "a b" }],
    ["objects", { objects: [{ id: "x", kind: "parent", typeKey: "notes.note", owner: ME }] as any }],
    ["objects", { objects: [{ id: objectId(envelope(1), 0), kind: "blob", typeKey: "notes.note", owner: ME }] as any }],
    ["objects", { objects: [{ id: objectId(envelope(1), 0), kind: "parent", typeKey: "notes.note", owner: "me" }] as any }],
  ])("refuses a notice with an invalid %s (internal_error invalid_notice)", async (field, overrides) => {
    const { events } = await setup();
    expect(events.publish(notice(1, [{}], overrides))).toMatchObject({
      ok: false,
      error: { code: "internal_error", data: { reason: "invalid_notice", field } },
    });
  });

  it("emits nothing for a suppressed commit (ADR 0009), though its global_seq counts", async () => {
    const { events, contextFor } = await setup();
    const { sink, seqs } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    expect(events.publish(notice(1, [{}], { status: "suppressed" })).ok).toBe(true);
    expect(events.publish(notice(1)).ok).toBe(false);
    events.publish(notice(2));
    await events.settled();
    expect(seqs()).toEqual([2]);
  });

  it("waits for an async sink's acknowledgement before sending the next event", async () => {
    const { events, contextFor } = await setup();
    const acks: (() => void)[] = [];
    const got: number[] = [];
    events.subscribe(contextFor(), { app: "app.notes" }, (e) => {
      if (e.event === "close") return;
      got.push(e.payload.global_seq);
      return new Promise<void>((resolve) => acks.push(resolve));
    });
    events.publish(notice(1));
    events.publish(notice(2));
    await drain();
    expect(got).toEqual([1]);
    expect(events.stats().queued).toBe(1);
    acks[0]!();
    await drain();
    expect(got).toEqual([1, 2]);
    acks[1]!();
    await events.settled();
  });
});

describe("filters narrow, never widen", () => {
  it("delivers only its own app's and domain's commits", async () => {
    const { events, contextFor } = await setup();
    const all = collector();
    const domain = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, all.sink);
    events.subscribe(contextFor(), { app: "app.notes", domain: "archive" }, domain.sink);
    events.publish(notice(1));
    events.publish(notice(2, [{}], { app: "app.todo" }));
    events.publish(notice(3, [{}], { domain: "archive" }));
    await events.settled();
    expect(all.seqs()).toEqual([1, 3]);
    expect(domain.seqs()).toEqual([3]);
  });

  it("keeps only objects of the listed types, and skips commits with none", async () => {
    const { events, contextFor } = await setup();
    const { received, sink, seqs } = collector();
    events.subscribe(contextFor(), { app: "app.notes", types: ["notes.tag"] }, sink);
    events.publish(notice(1, [{ typeKey: "notes.note" }, { typeKey: "notes.tag" }]));
    events.publish(notice(2, [{ typeKey: "notes.note" }]));
    await events.settled();
    expect(seqs()).toEqual([1]);
    expect((received[0] as GraphEvent).payload.objects.map((o) => o.type_key)).toEqual(["notes.tag"]);
  });

  it("keeps only the listed objects", async () => {
    const { events, contextFor } = await setup();
    const { received, sink } = collector();
    events.subscribe(contextFor(), { app: "app.notes", objectIds: [objectId(envelope(2), 1)] }, sink);
    events.publish(notice(1, [{}, {}]));
    events.publish(notice(2, [{}, {}]));
    await events.settled();
    expect(received.map((e) => (e as GraphEvent).payload.objects.map((o) => o.id))).toEqual([[objectId(envelope(2), 1)]]);
  });

  it("accepts graph.object_mutated as an event-name filter", async () => {
    const { events, contextFor } = await setup();
    const { sink, seqs } = collector();
    expect(events.subscribe(contextFor(), { app: "app.notes", events: ["graph.object_mutated"] }, sink).ok).toBe(true);
    events.publish(notice(1));
    await events.settled();
    expect(seqs()).toEqual([1]);
  });
});

describe("read permission (architecture 11 §4.3)", () => {
  it("drops objects the subscriber cannot read, and the whole event when none remain", async () => {
    const readable = new Set<string>([objectId(envelope(1), 1)]);
    const asked: [string, string, string][] = [];
    const canRead: CanRead = (identityId, app, id) => (asked.push([identityId, app, id]), readable.has(id));
    const { events, contextFor } = await setup({ canRead });
    const { received, sink, seqs } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.publish(notice(1, [{}, {}]));
    events.publish(notice(2, [{}]));
    await events.settled();
    expect(seqs()).toEqual([1]);
    expect((received[0] as GraphEvent).payload).toMatchObject({ objects: [{ id: objectId(envelope(1), 1) }], object_count: 1 });
    expect(asked[0]).toEqual([ME, "app.notes", objectId(envelope(1), 0)]);
  });

  it("asks per subscriber, so two identities see different events", async () => {
    const { events, contextFor } = await setup({ canRead: (identityId) => identityId === YOU });
    const mine = collector();
    const yours = collector();
    events.subscribe(contextFor(ME), { app: "app.notes" }, mine.sink);
    events.subscribe(contextFor(YOU), { app: "app.notes" }, yours.sink);
    events.publish(notice(1));
    await events.settled();
    expect(mine.seqs()).toEqual([]);
    expect(yours.seqs()).toEqual([1]);
  });

  it("counts only exactly true as allowed", async () => {
    const { events, contextFor } = await setup({ canRead: () => "yes" as any });
    const { sink, seqs } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.publish(notice(1));
    await events.settled();
    expect(seqs()).toEqual([]);
  });

  it("waits for an async decision without reordering", async () => {
    let release: (() => void) | undefined;
    const slow = new Promise<void>((r) => (release = r));
    const canRead: CanRead = async (_, __, id) => {
      if (id === objectId(envelope(1), 0)) await slow;
      return true;
    };
    const { events, contextFor } = await setup({ canRead });
    const { sink, seqs } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.publish(notice(1));
    events.publish(notice(2));
    await drain();
    expect(seqs()).toEqual([]);
    release!();
    await events.settled();
    expect(seqs()).toEqual([1, 2]);
  });

  it("closes the subscription when permissions cannot be checked, never guessing (internal_error)", async () => {
    const { events, contextFor, security } = await setup({
      canRead: () => {
        throw new Error("acl down");
      },
    });
    const { received, sink } = collector();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.publish(notice(1));
    await events.settled();
    expect(received).toEqual([
      {
        event: "close",
        payload: {
          reason: "internal_error",
          error: expect.objectContaining({ code: "internal_error", data: { reason: "acl_unavailable" } }),
        },
      },
    ]);
    expect(subscription.ok && subscription.value.closed?.reason).toBe("internal_error");
    expect(security.at(-1)).toMatchObject({ event: "security.subscription_dropped", reason: "internal_error" });
  });
});

describe("bounded buffers (architecture 11 §5.4)", () => {
  it("closes a subscriber that falls behind with buffer_overflow and frees its queue", async () => {
    const { events, contextFor, security } = await setup({ capacity: () => 3 });
    const subscription = events.subscribe(contextFor(), { app: "app.notes" });
    if (!subscription.ok) throw new Error();
    for (let seq = 1; seq <= 3; seq++) events.publish(notice(seq));
    expect(events.stats()).toEqual({ subscriptions: 1, queued: 3 });
    events.publish(notice(4));
    expect(events.stats()).toEqual({ subscriptions: 0, queued: 0 });
    const closed = subscription.value.closed;
    expect(closed).toMatchObject({
      reason: "buffer_overflow",
      error: { code: "ERR_MNG_EVENT_BUFFER_OVERFLOW", category: "network", data: { reason: "buffer_overflow", capacity: 3 } },
    });
    // at most once: what was queued is gone, not delivered late.
    expect(await subscription.value.next()).toEqual({ done: true, value: closed });
    expect(security).toEqual([{ event: "security.subscription_dropped", identityId: ME, app: "app.notes", reason: "buffer_overflow" }]);
  });

  it("tells a stuck push subscriber why it was closed, and sends nothing after", async () => {
    const { events, contextFor } = await setup({ capacity: () => 2 });
    const received: (GraphEvent | CloseEvent)[] = [];
    events.subscribe(contextFor(), { app: "app.notes" }, (e) => {
      received.push(e);
      return new Promise<void>(() => undefined); // never acknowledges
    });
    events.publish(notice(1));
    await drain(); // delivered, never acknowledged
    for (let seq = 2; seq <= 4; seq++) events.publish(notice(seq));
    expect(received.map((e) => e.event)).toEqual(["graph.object_mutated", "close"]);
    expect((received[1] as CloseEvent).payload.reason).toBe("buffer_overflow");
    events.publish(notice(6));
    await events.settled();
    expect(received).toHaveLength(2);
  });

  it("closes on a burst larger than the queue even before the subscriber had a turn (it re-reads to catch up)", async () => {
    const { events, contextFor } = await setup({ capacity: () => 2 });
    const { received, sink } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    for (let seq = 1; seq <= 4; seq++) events.publish(notice(seq));
    await events.settled();
    expect(received).toEqual([
      { event: "close", payload: { reason: "buffer_overflow", error: expect.objectContaining({ code: "ERR_MNG_EVENT_BUFFER_OVERFLOW" }) } },
    ]);
  });

  it("ignores other apps' traffic when counting", async () => {
    const { events, contextFor } = await setup({ capacity: () => 1 });
    const subscription = events.subscribe(contextFor(), { app: "app.notes" });
    for (let seq = 1; seq <= 10; seq++) events.publish(notice(seq, [{}], { app: "app.todo" }));
    expect(subscription.ok && subscription.value.closed).toBeNull();
  });
});

describe("closing", () => {
  it("a closed subscription receives nothing more", async () => {
    const { events, contextFor } = await setup();
    const { received, sink } = collector();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" }, sink);
    if (!subscription.ok) throw new Error();
    events.publish(notice(1));
    await events.settled();
    subscription.value.close();
    subscription.value.close();
    events.publish(notice(2));
    await events.settled();
    expect(received).toHaveLength(1);
    expect(events.stats().subscriptions).toBe(0);
  });

  it("drops an event whose permission check was still running when the holder closed", async () => {
    let release: (() => void) | undefined;
    const { events, contextFor } = await setup({ canRead: () => new Promise<boolean>((r) => (release = () => r(true))) });
    const { received, sink } = collector();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.publish(notice(1));
    if (subscription.ok) subscription.value.close();
    release!();
    await drain();
    expect(received).toEqual([]);
  });

  it("wakes a waiting pull with the close notice", async () => {
    const { events, contextFor } = await setup();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" });
    if (!subscription.ok) throw new Error();
    const waiting = subscription.value.next();
    subscription.value.close();
    expect(await waiting).toEqual({ done: true, value: { reason: "closed", error: null } });
  });

  it("ends every subscription with shutdown on close(), and refuses new ones", async () => {
    const { events, contextFor } = await setup();
    const { received, sink } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.close();
    expect(received).toEqual([{ event: "close", payload: { reason: "shutdown", error: null } }]);
    expect(events.subscribe(contextFor(), { app: "app.notes" })).toMatchObject({ ok: false, error: { data: { reason: "shutdown" } } });
    expect(events.publish(notice(1)).ok).toBe(true);
  });

  it("closes with auth_failed when the session's token is revoked mid-stream (interfaces 14)", async () => {
    const { events, auth, session } = await setup();
    const { token, context } = session();
    const { received, sink } = collector();
    events.subscribe(context, { app: "app.notes" }, sink, { session: () => auth.check(token, "app.notes") });
    events.publish(notice(1));
    await events.settled();
    auth.revoke(token);
    events.publish(notice(2));
    await events.settled();
    expect(received.map((e) => e.event)).toEqual(["graph.object_mutated", "close"]);
    expect((received[1] as CloseEvent).payload).toMatchObject({ reason: "auth_failed", error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
  });

  it("closes with internal_error when the sink throws", async () => {
    const { events, contextFor } = await setup();
    const subscription = events.subscribe(contextFor(), { app: "app.notes" }, (e) => {
      if (e.event !== "close") throw new Error("port gone");
    });
    events.publish(notice(1));
    await events.settled();
    expect(subscription.ok && subscription.value.closed).toMatchObject({
      reason: "internal_error",
      error: { data: { reason: "sink_failed" } },
    });
  });
});

describe("payload size (interfaces 14 §2: at most 8192 bytes)", () => {
  it("cuts a large commit's object list to fit, marks it truncated and gives the full count", async () => {
    const { events, contextFor } = await setup();
    const { received, sink } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    const objects = Array.from({ length: 256 }, () => ({ typeKey: `notes.${"t".repeat(100)}` }));
    events.publish(notice(1, objects));
    await events.settled();
    const { payload } = received[0] as GraphEvent;
    const size = utf8ByteLength(canonicalize(payload));
    expect(size).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
    expect(payload.truncated).toBe(true);
    expect(payload.object_count).toBe(256);
    expect(payload.objects.length).toBeGreaterThan(0);
    expect(payload.objects.length).toBeLessThan(256);
    // The largest prefix that fits: one more object would not.
    const oneMore = { ...payload, objects: [...payload.objects, payload.objects[0]!] };
    expect(utf8ByteLength(canonicalize(oneMore))).toBeGreaterThan(MAX_EVENT_PAYLOAD_BYTES);
    expect(payload.objects.map((o) => o.id)).toEqual(Array.from({ length: payload.objects.length }, (_, i) => objectId(envelope(1), i)));
  });

  it("carries ids and summaries, never an object body", async () => {
    const { events, contextFor } = await setup();
    const { received, sink } = collector();
    events.subscribe(contextFor(), { app: "app.notes" }, sink);
    events.publish({ ...notice(1), objects: [{ ...notice(1).objects[0]!, value: { secret: "body" } } as any] });
    await events.settled();
    const text = JSON.stringify(received);
    expect(text).not.toContain("secret");
    expect(Object.keys((received[0] as GraphEvent).payload.objects[0]!)).toEqual(["id", "kind", "type_key"]);
  });
});
