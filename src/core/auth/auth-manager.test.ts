// Sessions and tokens (architecture 04, interfaces 13 §4): bound to (identity, app, device), opaque,
// stored hashed, with a TTL; a new token for a slot revokes the older one; every failure has its code.
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../shared/bytes.ts";
import { isOperationContext, TOKEN_LENGTH } from "./index.ts";
import { authSetup, expectOk, someIdentity } from "./test-support/auth-fixtures.ts";

const ME = someIdentity(3);
const YOU = someIdentity(4);
const DAY = 86_400_000;

describe("openSession", () => {
  it("issues an opaque 256-bit base64url token, a TTL from config, and a frozen local context", async () => {
    const { auth, clock } = await authSetup();
    const session = expectOk(auth.openSession({ identityId: ME, app: "app.notes", keyId: "key-1" }));
    expect(session.token).toHaveLength(TOKEN_LENGTH);
    expect(fromBase64url(session.token)).toHaveLength(32);
    expect(session.issuedAt).toBe(new Date(clock.now()).toISOString());
    expect(Date.parse(session.expiresAt) - Date.parse(session.issuedAt)).toBe(DAY);
    expect(session.context).toMatchObject({
      app: "app.notes",
      is_remote: false,
      requester_identity_id: ME,
      device_id: "key-1",
      actor_type: "user",
      capability: null,
    });
    expect(isOperationContext(session.context)).toBe(true);
    expect(Object.isFrozen(session.context)).toBe(true);
  });

  it("takes the TTL from the limits at issue time (auth.token.ttl_ms is reloadable)", async () => {
    const { auth, setLimits } = await authSetup();
    setLimits({ tokenTtlMs: 15 * 60_000 });
    const session = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    expect(Date.parse(session.expiresAt) - Date.parse(session.issuedAt)).toBe(15 * 60_000);
  });

  it("issues a different token every time", async () => {
    const { auth } = await authSetup();
    const tokens = new Set(
      Array.from({ length: 20 }, (_, i) => expectOk(auth.openSession({ identityId: ME, app: "app.notes", keyId: `k${i}` })).token),
    );
    expect(tokens.size).toBe(20);
  });

  it.each([
    ["requester_identity_id", { identityId: "alice" as any, app: "app.notes" }],
    ["app", { identityId: ME, app: "Notes!" }],
    ["device_id", { identityId: ME, app: "app.notes", keyId: "" }],
    ["trace_id", { identityId: ME, app: "app.notes", traceId: "a b" }],
  ])("rejects a malformed %s and issues nothing (ERR_MNG_AUTH_CONTEXT_INCOMPLETE)", async (field, request) => {
    const { auth } = await authSetup();
    expect(auth.openSession(request)).toMatchObject({ ok: false, error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { field } } });
    expect(auth.stats().tokens).toBe(0);
  });
});

describe("authenticate (architecture 04 §4.2)", () => {
  it("gives a fresh context per request, with a fresh trace id unless one is given", async () => {
    const { auth } = await authSetup();
    const { token, context } = expectOk(auth.openSession({ identityId: ME, app: "app.notes", keyId: "key-1" }));
    const a = expectOk(auth.authenticate(token, { app: "app.notes" }));
    const b = expectOk(auth.authenticate(token, { app: "app.notes", traceId: "trace-7", correlationId: "c-1" }));
    expect(a).not.toBe(context);
    expect(a).toMatchObject({ requester_identity_id: ME, app: "app.notes", device_id: "key-1" });
    expect(a.trace_id).not.toBe(context.trace_id);
    expect(b).toMatchObject({ trace_id: "trace-7", correlation_id: "c-1" });
  });

  it.each([undefined, null, ""])("answers auth_required for a missing token (%j)", async (token) => {
    const { auth } = await authSetup();
    expect(auth.authenticate(token, { app: "app.notes" })).toMatchObject({
      ok: false,
      error: { code: "auth_required", category: "auth", data: { reason: "missing_token" } },
    });
  });

  it.each([
    ["a number", 42],
    ["an object", { token: "x" }],
    ["a short string", "abc"],
    ["padding", "A".repeat(42) + "="],
    ["a non-alphabet character", "A".repeat(42) + "+"],
    ["non-canonical trailing bits", "A".repeat(42) + "B"],
  ])("answers auth_invalid for a malformed token (%s)", async (_, token) => {
    const { auth } = await authSetup();
    expect(auth.authenticate(token, { app: "app.notes" })).toMatchObject({
      ok: false,
      error: { code: "auth_invalid", data: { reason: "malformed_token" } },
    });
  });

  it("answers auth_invalid for a well-formed token it never issued", async () => {
    const { auth } = await authSetup();
    const { token } = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    const other = (token[0] === "A" ? "B" : "A") + token.slice(1);
    expect(auth.authenticate(other, { app: "app.notes" })).toMatchObject({
      ok: false,
      error: { code: "auth_invalid", data: { reason: "unknown_token" } },
    });
  });

  it("answers ERR_AUTH_TOKEN_EXPIRED from the instant of expiry", async () => {
    const { auth, clock } = await authSetup();
    const { token } = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    clock.advance(DAY - 1);
    expect(auth.authenticate(token, { app: "app.notes" }).ok).toBe(true);
    clock.advance(1);
    expect(auth.authenticate(token, { app: "app.notes" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_TOKEN_EXPIRED", category: "auth" },
    });
  });

  it("answers ERR_AUTH_TOKEN_REVOKED after revoke()", async () => {
    const { auth } = await authSetup();
    const { token } = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    expectOk(auth.revoke(token));
    expectOk(auth.revoke(token)); // idempotent
    expect(auth.authenticate(token, { app: "app.notes" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
  });

  it("answers acl_denied when a port bound to another app presents the token", async () => {
    const { auth } = await authSetup();
    const { token } = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    expect(auth.authenticate(token, { app: "app.todo" })).toMatchObject({
      ok: false,
      error: { code: "acl_denied", data: { reason: "app_mismatch" } },
    });
  });

  it.each([["requester_identity_id"], ["identityId"], ["device_id"], ["app_id"]])(
    "refuses a %s claim in the call metadata (envelope_invalid), never reading it",
    async (field) => {
      const { auth } = await authSetup();
      const { token } = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
      expect(auth.authenticate(token, { app: "app.notes", [field]: YOU } as any)).toMatchObject({
        ok: false,
        error: { code: "envelope_invalid", data: { reason: "unknown_field", field } },
      });
    },
  );

  it("refuses call metadata that is not an object", async () => {
    const { auth } = await authSetup();
    expect(auth.authenticate("x", null as any)).toMatchObject({ ok: false, error: { code: "envelope_invalid" } });
  });

  it("check() answers like authenticate without minting a context", async () => {
    const { auth } = await authSetup();
    const { token } = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    expect(auth.check(token, "app.notes")).toEqual({ ok: true, value: undefined });
    expect(auth.check(token, "app.todo")).toMatchObject({ ok: false, error: { code: "acl_denied" } });
    expect(auth.check(undefined, "app.notes")).toMatchObject({ ok: false, error: { code: "auth_required" } });
  });
});

describe("local sessions of one (identity, app, device)", () => {
  it("live side by side: the shell's session never ends an app frame's (registration alone replaces, interfaces 13 §4)", async () => {
    const { auth } = await authSetup();
    const first = expectOk(auth.openSession({ identityId: ME, app: "app.notes", keyId: "k" }));
    const second = expectOk(auth.openSession({ identityId: ME, app: "app.notes", keyId: "k" }));
    expect(auth.authenticate(first.token, { app: "app.notes" }).ok).toBe(true);
    expect(auth.authenticate(second.token, { app: "app.notes" }).ok).toBe(true);
    expectOk(auth.revoke(first.token));
    expect(auth.authenticate(first.token, { app: "app.notes" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
    expect(auth.authenticate(second.token, { app: "app.notes" }).ok).toBe(true);
  });

  it("leaves other apps, devices and identities alone", async () => {
    const { auth } = await authSetup();
    const notes = expectOk(auth.openSession({ identityId: ME, app: "app.notes", keyId: "k" }));
    expectOk(auth.openSession({ identityId: ME, app: "app.todo", keyId: "k" }));
    expectOk(auth.openSession({ identityId: ME, app: "app.notes", keyId: "other" }));
    expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    expectOk(auth.openSession({ identityId: YOU, app: "app.notes", keyId: "k" }));
    expect(auth.authenticate(notes.token, { app: "app.notes" }).ok).toBe(true);
  });

  it("revokeAll ends every live token of an app or an identity and counts them", async () => {
    const { auth } = await authSetup();
    const a = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    const b = expectOk(auth.openSession({ identityId: YOU, app: "app.notes" }));
    const c = expectOk(auth.openSession({ identityId: ME, app: "app.todo" }));
    expect(auth.revokeAll({ app: "app.notes" })).toBe(2);
    expect(auth.authenticate(a.token, { app: "app.notes" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
    expect(auth.authenticate(b.token, { app: "app.notes" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
    expect(auth.authenticate(c.token, { app: "app.todo" }).ok).toBe(true);
    expect(auth.revokeAll({ identityId: ME })).toBe(1);
    expect(auth.revokeAll({ identityId: ME })).toBe(0);
  });

  it("revoke() of something it never issued is auth_invalid", async () => {
    const { auth } = await authSetup();
    expect(auth.revoke("A".repeat(43))).toMatchObject({ ok: false, error: { code: "auth_invalid", data: { reason: "unknown_token" } } });
    expect(auth.revoke("nope")).toMatchObject({ ok: false, error: { code: "auth_invalid", data: { reason: "malformed_token" } } });
    expect(auth.revoke(7)).toMatchObject({ ok: false, error: { code: "auth_invalid", data: { reason: "malformed_token" } } });
  });
});

describe("the token store stays bounded", () => {
  it("keeps an expired or revoked record one more TTL for its precise code, then forgets it (auth_invalid)", async () => {
    const { auth, clock } = await authSetup({ limits: { tokenTtlMs: 1000 } });
    const { token } = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    clock.advance(1999);
    expectOk(auth.openSession({ identityId: YOU, app: "app.notes" })); // issuing prunes
    expect(auth.authenticate(token, { app: "app.notes" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_EXPIRED" } });
    clock.advance(1);
    expectOk(auth.openSession({ identityId: YOU, app: "app.notes" }));
    expect(auth.authenticate(token, { app: "app.notes" })).toMatchObject({
      ok: false,
      error: { code: "auth_invalid", data: { reason: "unknown_token" } },
    });
  });

  it("evicts revoked records first when full, and refuses a new session rather than evict a live one", async () => {
    const { auth } = await authSetup({ limits: { maxTokens: 2 } });
    const old = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    const live = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    expectOk(auth.revoke(old.token));
    expect(auth.stats().tokens).toBe(2);
    const other = expectOk(auth.openSession({ identityId: YOU, app: "app.notes" })); // evicts `old`
    expect(auth.stats().tokens).toBe(2);
    expect(auth.authenticate(old.token, { app: "app.notes" })).toMatchObject({ ok: false, error: { code: "auth_invalid" } });
    expect(auth.openSession({ identityId: someIdentity(9), app: "app.notes" })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_AUTH_TOKEN_STORE_UNAVAILABLE", data: { reason: "token_store_full" } },
    });
    expect(auth.authenticate(live.token, { app: "app.notes" }).ok).toBe(true);
    expect(auth.authenticate(other.token, { app: "app.notes" }).ok).toBe(true);
  });

  it("close() forgets everything and refuses every later call (ERR_MNG_AUTH_TOKEN_STORE_UNAVAILABLE)", async () => {
    const { auth } = await authSetup();
    const { token } = expectOk(auth.openSession({ identityId: ME, app: "app.notes" }));
    auth.close();
    expect(auth.stats()).toEqual({ tokens: 0, nonces: 0 });
    const closed = { ok: false, error: { code: "ERR_MNG_AUTH_TOKEN_STORE_UNAVAILABLE", data: { reason: "closed" } } };
    expect(auth.authenticate(token, { app: "app.notes" })).toMatchObject(closed);
    expect(auth.openSession({ identityId: ME, app: "app.notes" })).toMatchObject(closed);
    expect(auth.revoke(token)).toMatchObject(closed);
    expect(await auth.register({}, { app: "system" })).toMatchObject(closed);
    expect(auth.revokeAll({})).toBe(0);
  });

  it("throws on a limit that is not a positive integer (a wiring bug)", async () => {
    const { auth } = await authSetup({ limits: { tokenTtlMs: 0 } });
    expect(() => auth.openSession({ identityId: ME, app: "app.notes" })).toThrow(/tokenTtlMs/);
  });
});
