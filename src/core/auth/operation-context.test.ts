// OperationContext (services-and-apps/05): frozen, minted only by the builders, local and remote
// fields never mixed, every required field present, enrichment never changes who or which app.
import { describe, expect, it } from "vitest";
import { someIdentity, expectOk } from "./test-support/auth-fixtures.ts";
import {
  buildLocalContext,
  buildRemoteContext,
  checkContext,
  enrichContext,
  isOperationContext,
  mintContext,
  type OperationContext,
} from "./operation-context.ts";

const ME = someIdentity(3);
const PEER = someIdentity(4);

function local(overrides: Partial<Parameters<typeof buildLocalContext>[0]> = {}) {
  return buildLocalContext({
    app: "app.notes",
    requesterIdentityId: ME,
    deviceId: "laptop",
    actorType: "user",
    traceId: "t-1",
    ...overrides,
  });
}

function remote(overrides: Partial<Parameters<typeof buildRemoteContext>[0]> = {}) {
  return buildRemoteContext({ app: "app.notes", syncDomain: "app.notes/notes", remoteNodeIdentityId: PEER, traceId: "t-2", ...overrides });
}

describe("building contexts", () => {
  it("builds a local context with the design's fields and nothing remote", () => {
    const context = expectOk(local({ correlationId: "c-1" }));
    expect({ ...context }).toEqual({
      app: "app.notes",
      is_remote: false,
      requester_identity_id: ME,
      device_id: "laptop",
      actor_type: "user",
      capability: null,
      trace_id: "t-1",
      correlation_id: "c-1",
    });
  });

  it("builds a remote context with the peer and sync domain and no requester fields", () => {
    const context = expectOk(remote());
    expect({ ...context }).toEqual({
      app: "app.notes",
      is_remote: true,
      sync_domain: "app.notes/notes",
      remote_node_identity_id: PEER,
      actor_type: "service",
      trace_id: "t-2",
    });
  });

  it("freezes what it builds: writing throws and the value stays (05 §4.5)", () => {
    const context = expectOk(local());
    expect(Object.isFrozen(context)).toBe(true);
    expect(() => ((context as any).app = "app.other")).toThrow(TypeError);
    expect(() => ((context as any).is_remote = true)).toThrow(TypeError);
    expect(context.app).toBe("app.notes");
  });

  it.each([
    ["app", { app: "Not A Slug" }],
    ["trace_id", { traceId: "" }],
    ["trace_id", { traceId: "has spaces" }],
    ["actor_type", { actorType: "robot" as any }],
    ["requester_identity_id", { requesterIdentityId: "alice" as any }],
    ["device_id", { deviceId: "" }],
    ["capability", { capability: "Write Everything" }],
    ["correlation_id", { correlationId: "x".repeat(129) }],
  ])("rejects a malformed %s (ERR_MNG_AUTH_CONTEXT_INCOMPLETE)", (field, overrides) => {
    expect(local(overrides)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { reason: "invalid_field", field } },
    });
  });

  it.each([
    ["app", { app: undefined as any }],
    ["trace_id", { traceId: undefined as any }],
    ["actor_type", { actorType: undefined as any }],
  ])("rejects a local context missing %s (ERR_MNG_AUTH_CONTEXT_INCOMPLETE)", (field, overrides) => {
    expect(local(overrides)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { reason: "missing_field", field } },
    });
  });

  it.each([
    ["sync_domain", { syncDomain: undefined as any }, "missing_field"],
    ["remote_node_identity_id", { remoteNodeIdentityId: undefined as any }, "missing_field"],
    ["trace_id", { traceId: undefined as any }, "missing_field"],
    ["sync_domain", { syncDomain: "notes" }, "invalid_field"],
    ["sync_domain", { syncDomain: "app.other/notes" }, "invalid_field"],
    ["remote_node_identity_id", { remoteNodeIdentityId: "peer" as any }, "invalid_field"],
  ])("rejects a remote context with a bad %s (ERR_MNG_AUTH_CONTEXT_INCOMPLETE)", (field, overrides, reason) => {
    expect(remote(overrides)).toMatchObject({ ok: false, error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { reason, field } } });
  });
});

describe("local and remote never mix (05 §5.4)", () => {
  const LOCAL = {
    app: "app.notes",
    is_remote: false,
    requester_identity_id: ME,
    device_id: null,
    actor_type: "user",
    capability: null,
    trace_id: "t",
  };
  const REMOTE = {
    app: "app.notes",
    is_remote: true,
    sync_domain: "app.notes/notes",
    remote_node_identity_id: PEER,
    actor_type: "service",
    trace_id: "t",
  };

  it.each([
    ["sync_domain", { ...LOCAL, sync_domain: "app.notes/notes" }],
    ["remote_node_identity_id", { ...LOCAL, remote_node_identity_id: PEER }],
  ])("rejects a local context carrying %s (mixed_fields)", (field, draft) => {
    expect(mintContext(draft)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { reason: "mixed_fields", field } },
    });
  });

  it.each([
    ["requester_identity_id", { ...REMOTE, requester_identity_id: ME }],
    ["device_id", { ...REMOTE, device_id: "laptop" }],
    ["capability", { ...REMOTE, capability: "app.notes.write" }],
    ["delegated_key_id", { ...REMOTE, delegated_key_id: "k" }],
  ])("rejects a remote context carrying %s (mixed_fields)", (field, draft) => {
    expect(mintContext(draft)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { reason: "mixed_fields", field } },
    });
  });

  it("rejects an unknown field and a missing is_remote", () => {
    expect(mintContext({ ...LOCAL, admin: true })).toMatchObject({
      ok: false,
      error: { data: { reason: "unknown_field", field: "admin" } },
    });
    const { is_remote: _, ...noFlag } = LOCAL;
    expect(mintContext(noFlag)).toMatchObject({ ok: false, error: { data: { reason: "missing_field", field: "is_remote" } } });
    expect(mintContext({ ...LOCAL, is_remote: "no" })).toMatchObject({
      ok: false,
      error: { data: { reason: "invalid_field", field: "is_remote" } },
    });
  });

  it("rejects a local context missing requester_identity_id (it is null only when explicitly public)", () => {
    const { requester_identity_id: _, ...draft } = LOCAL;
    expect(mintContext(draft)).toMatchObject({ ok: false, error: { data: { reason: "missing_field", field: "requester_identity_id" } } });
  });

  it("rejects a capability on a remote context", () => {
    const context = expectOk(remote());
    expect(enrichContext(context, { capability: "app.notes.write" })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { reason: "mixed_fields", field: "capability" } },
    });
  });
});

describe("only the builders mint contexts", () => {
  it("refuses a hand-made look-alike (ERR_MNG_AUTH_CONTEXT_INCOMPLETE not_minted)", () => {
    const forged = Object.freeze({ ...expectOk(local()) });
    expect(isOperationContext(forged)).toBe(false);
    expect(checkContext(forged)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { reason: "not_minted" } },
    });
  });

  it("refuses a structured clone, as a context arriving through a port would be", () => {
    const context = expectOk(local());
    expect(checkContext(structuredClone(context)).ok).toBe(false);
    expect(checkContext(context)).toEqual({ ok: true, value: context });
  });

  it.each([null, undefined, "ctx", 1, []])("refuses %j", (value) => {
    expect(checkContext(value).ok).toBe(false);
  });

  it("cannot be written as an object literal (type level)", () => {
    // @ts-expect-error: the brand is missing, so no literal is an OperationContext.
    const literal: OperationContext = {
      app: "app.notes",
      is_remote: false,
      requester_identity_id: ME,
      device_id: null,
      actor_type: "user",
      capability: null,
      trace_id: "t",
    };
    expect(isOperationContext(literal)).toBe(false);
  });

  it("has no property that tells local from remote but is_remote (a discriminated union)", () => {
    const context: OperationContext = expectOk(local());
    if (context.is_remote) expect.unreachable();
    else expect(context.requester_identity_id).toBe(ME);
  });
});

describe("enrichment (05 §4.2)", () => {
  it("makes a new frozen context with the capability, keeping identity, app and trace", () => {
    const context = expectOk(local());
    const enriched = expectOk(enrichContext(context, { capability: "app.notes.write", actorType: "delegation", correlationId: "c-9" }));
    expect(enriched).not.toBe(context);
    expect(context.capability).toBeNull();
    expect(enriched).toMatchObject({
      app: "app.notes",
      requester_identity_id: ME,
      capability: "app.notes.write",
      actor_type: "delegation",
      correlation_id: "c-9",
      trace_id: "t-1",
    });
    expect(isOperationContext(enriched)).toBe(true);
    expect(Object.isFrozen(enriched)).toBe(true);
  });

  it("refuses to enrich something that is not a minted context", () => {
    expect(enrichContext({ app: "app.notes" } as any, {}).ok).toBe(false);
  });

  it("refuses a malformed capability", () => {
    expect(enrichContext(expectOk(local()), { capability: "no spaces please" })).toMatchObject({
      ok: false,
      error: { data: { reason: "invalid_field", field: "capability" } },
    });
  });
});
