// Frontend key registration (interfaces 13): structure, Ed25519 over the JCS payload, clock skew,
// the (public_key, nonce) replay window, idempotency per key, and the node-signed response.
import { describe, expect, it } from "vitest";
import { createSigner } from "../crypto/index.ts";
import { fromHex, toBase64url, utf8 } from "../shared/bytes.ts";
import { isoTime } from "../shared/clock.ts";
import { identityIdFromKey } from "../shared/ids.ts";
import {
  MAX_DEVICE_METADATA_ENTRIES,
  parseRfc3339,
  signRegistration,
  verifyRegistrationResponse,
  type RegistrationRequest,
} from "./index.ts";
import { authSetup, expectOk, frontendKey, nonce, registrationAt, someIdentity } from "./test-support/auth-fixtures.ts";

const SKEW = 300_000;

function withPayload(request: RegistrationRequest, changes: Record<string, unknown>): unknown {
  return { ...request, payload: { ...request.payload, ...changes } };
}

describe("registration structure (interfaces 13 §2.1 → envelope_invalid)", () => {
  const cases: [string, (r: RegistrationRequest) => unknown, string, string][] = [
    ["a non-object request", () => "payload", "not_an_object", ""],
    ["an unknown top-level field", (r) => ({ ...r, identity_id: someIdentity(9) }), "unknown_field", "identity_id"],
    [
      "an unknown payload field (an identity claim)",
      (r) => withPayload(r, { identity_id: someIdentity(9) }),
      "unknown_field",
      "payload.identity_id",
    ],
    ["an app claim in the payload", (r) => withPayload(r, { app: "app.notes" }), "unknown_field", "payload.app"],
    ["a missing payload", (r) => ({ signature: r.signature }), "missing_field", "payload"],
    ["a missing public_key", (r) => withPayload(r, { public_key: undefined }), "missing_field", "payload.public_key"],
    ["a missing nonce", (r) => withPayload(r, { nonce: undefined }), "missing_field", "payload.nonce"],
    ["a missing timestamp", (r) => withPayload(r, { timestamp: undefined }), "missing_field", "payload.timestamp"],
    ["a missing signature", (r) => ({ payload: r.payload }), "missing_field", "signature"],
    ["a public_key that is not a string", (r) => withPayload(r, { public_key: 7 }), "invalid_type", "payload.public_key"],
    ["a 15-byte nonce", (r) => withPayload(r, { nonce: toBase64url(new Uint8Array(15)) }), "invalid_encoding", "payload.nonce"],
    ["a 65-byte nonce", (r) => withPayload(r, { nonce: toBase64url(new Uint8Array(65)) }), "invalid_encoding", "payload.nonce"],
    ["a padded nonce", (r) => withPayload(r, { nonce: toBase64url(new Uint8Array(16)) + "==" }), "invalid_encoding", "payload.nonce"],
    ["a date without a time", (r) => withPayload(r, { timestamp: "2026-11-21" }), "invalid_encoding", "payload.timestamp"],
    ["an impossible date", (r) => withPayload(r, { timestamp: "2026-02-30T10:00:00Z" }), "invalid_encoding", "payload.timestamp"],
    ["a numeric timestamp", (r) => withPayload(r, { timestamp: 1_700_000_000 }), "invalid_encoding", "payload.timestamp"],
    ["an empty frontend_user_id", (r) => withPayload(r, { frontend_user_id: "" }), "out_of_range", "payload.frontend_user_id"],
    [
      "a 65-character frontend_user_id",
      (r) => withPayload(r, { frontend_user_id: "u".repeat(65) }),
      "out_of_range",
      "payload.frontend_user_id",
    ],
    ["device_metadata that is an array", (r) => withPayload(r, { device_metadata: ["x"] }), "invalid_type", "payload.device_metadata"],
    [
      "a device_metadata value over 1024 characters",
      (r) => withPayload(r, { device_metadata: { name: "n".repeat(1025) } }),
      "out_of_range",
      "payload.device_metadata",
    ],
    [
      "a device_metadata key over 64 characters",
      (r) => withPayload(r, { device_metadata: { ["k".repeat(65)]: "v" } }),
      "out_of_range",
      "payload.device_metadata",
    ],
    ["an empty device_metadata key", (r) => withPayload(r, { device_metadata: { "": "v" } }), "out_of_range", "payload.device_metadata"],
    [
      "a non-string device_metadata value",
      (r) => withPayload(r, { device_metadata: { name: 1 } }),
      "out_of_range",
      "payload.device_metadata",
    ],
    [
      `more than ${MAX_DEVICE_METADATA_ENTRIES} device_metadata entries`,
      (r) =>
        withPayload(r, {
          device_metadata: Object.fromEntries(Array.from({ length: MAX_DEVICE_METADATA_ENTRIES + 1 }, (_, i) => [`k${i}`, "v"])),
        }),
      "out_of_range",
      "payload.device_metadata",
    ],
    ["a 63-byte signature", (r) => ({ ...r, signature: toBase64url(new Uint8Array(63)) }), "invalid_encoding", "signature"],
    ["a signature that is not base64url", (r) => ({ ...r, signature: "not base64!" }), "invalid_encoding", "signature"],
  ];

  it.each(cases)("rejects %s", async (_, mutate, reason, field) => {
    const { auth, clock } = await authSetup();
    const request = await registrationAt(await frontendKey(5), clock, 1);
    expect(await auth.register(mutate(request), { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "envelope_invalid", category: "structural", data: { reason, field } },
    });
    expect(auth.stats()).toEqual({ tokens: 0, nonces: 0 });
  });

  it("accepts the optional client metadata, which never changes the identity", async () => {
    const { auth, clock } = await authSetup();
    const key = await frontendKey(5);
    const good = await registrationAt(key, clock, 1, { frontendUserId: "ada", deviceMetadata: { device_name: "laptop", note: "" } });
    const registered = expectOk(await auth.register(good, { app: "system" }));
    expect(registered.response.identity_id).toBe(identityIdFromKey(key.publicKey));
  });
});

describe("registration signature (interfaces 13 §2.2 → ERR_AUTH_SIGNATURE_INVALID)", () => {
  it("rejects a public key that is not 32 bytes (unsupported_key)", async () => {
    const { auth, clock } = await authSetup();
    const request = await registrationAt(await frontendKey(5), clock, 1);
    const result = await auth.register(withPayload(request, { public_key: toBase64url(new Uint8Array(33)) }), { app: "system" });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_SIGNATURE_INVALID", category: "auth", data: { reason: "unsupported_key" } },
    });
  });

  it("rejects a small-order public key", async () => {
    const { auth, clock } = await authSetup();
    const request = await registrationAt(await frontendKey(5), clock, 1);
    const smallOrder = toBase64url(fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"));
    const result = await auth.register(withPayload(request, { public_key: smallOrder }), { app: "system" });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_AUTH_SIGNATURE_INVALID", data: { reason: "small_order_key" } } });
  });

  it("rejects a payload signed by another key", async () => {
    const { auth, clock } = await authSetup();
    const mine = await frontendKey(5);
    const forged = await registrationAt(await frontendKey(6), clock, 1);
    const result = await auth.register(withPayload(forged, { public_key: toBase64url(mine.publicKey) }), { app: "system" });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_AUTH_SIGNATURE_INVALID", data: { reason: "equation" } } });
    expect(auth.stats()).toEqual({ tokens: 0, nonces: 0 });
  });

  it("rejects a payload changed after signing, even in client metadata", async () => {
    const { auth, clock } = await authSetup();
    const request = await registrationAt(await frontendKey(5), clock, 1, { frontendUserId: "ada" });
    expect(await auth.register(withPayload(request, { frontend_user_id: "eve" }), { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_SIGNATURE_INVALID" },
    });
  });

  it("rejects a signature over non-canonical bytes (JSON.stringify order, not JCS)", async () => {
    const { auth, clock } = await authSetup();
    const key = await frontendKey(5);
    const payload = { timestamp: isoTime(clock), public_key: toBase64url(key.publicKey), nonce: toBase64url(nonce(1)) };
    const signature = toBase64url(await key.sign(utf8(JSON.stringify(payload))));
    expect(await auth.register({ payload, signature }, { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_SIGNATURE_INVALID" },
    });
  });
});

describe("replay protection (interfaces 13 §2.1 → ERR_AUTH_REPLAY)", () => {
  it.each([
    ["exactly max_skew behind", -SKEW, true],
    ["exactly max_skew ahead", SKEW, true],
    ["one ms too far behind", -SKEW - 1, false],
    ["one ms too far ahead", SKEW + 1, false],
  ])("judges a timestamp %s of the node's clock", async (_, offset, accepted) => {
    const { auth, clock } = await authSetup();
    const request = await signRegistration(await frontendKey(5), {
      nonce: nonce(1),
      timestamp: new Date(clock.now() + offset).toISOString(),
    });
    const result = await auth.register(request, { app: "system" });
    if (accepted) expect(result.ok).toBe(true);
    else {
      expect(result).toMatchObject({ ok: false, error: { code: "ERR_AUTH_REPLAY", category: "auth", data: { reason: "clock_skew" } } });
      expect(auth.stats()).toEqual({ tokens: 0, nonces: 0 });
    }
  });

  it("reads timestamps with any RFC 3339 offset", async () => {
    const { auth, clock } = await authSetup();
    // 2026-11-21T10:00:00Z is 11:30 at +01:30.
    const request = await signRegistration(await frontendKey(5), { nonce: nonce(1), timestamp: "2026-11-21T11:30:00.123456+01:30" });
    expect(clock.now()).toBe(Date.parse("2026-11-21T10:00:00.000Z"));
    expectOk(await auth.register(request, { app: "system" }));
  });

  it("rejects the same (public_key, nonce) again (nonce_reused), even re-signed with a new timestamp", async () => {
    const { auth, clock } = await authSetup();
    const key = await frontendKey(5);
    const request = await registrationAt(key, clock, 1);
    expectOk(await auth.register(request, { app: "system" }));
    expect(await auth.register(request, { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_REPLAY", data: { reason: "nonce_reused" } },
    });
    clock.advance(60_000);
    expect(await auth.register(await registrationAt(key, clock, 1), { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_REPLAY" },
    });
  });

  it("lets another key use the same nonce", async () => {
    const { auth, clock } = await authSetup();
    expectOk(await auth.register(await registrationAt(await frontendKey(5), clock, 1), { app: "system" }));
    expectOk(await auth.register(await registrationAt(await frontendKey(6), clock, 1), { app: "system" }));
  });

  it("accepts exactly one of two concurrent identical registrations", async () => {
    const { auth, clock } = await authSetup();
    const request = await registrationAt(await frontendKey(5), clock, 1);
    const results = await Promise.all([auth.register(request, { app: "system" }), auth.register(request, { app: "system" })]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, error: { code: "ERR_AUTH_REPLAY", data: { reason: "nonce_reused" } } });
  });

  it("forgets a nonce after nonce_ttl_ms, when its timestamp is long outside the skew window", async () => {
    const { auth, clock } = await authSetup();
    const key = await frontendKey(5);
    const old = await registrationAt(key, clock, 1);
    expectOk(await auth.register(old, { app: "system" }));
    clock.advance(600_000);
    expect(auth.stats().nonces).toBe(1);
    expectOk(await auth.register(await registrationAt(key, clock, 2), { app: "system" })); // prunes
    expect(auth.stats().nonces).toBe(1);
    // The old payload is still refused: by the skew check now.
    expect(await auth.register(old, { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_REPLAY", data: { reason: "clock_skew" } },
    });
  });

  it("refuses new registrations while the window is full rather than forget a live nonce (storage_error)", async () => {
    const { auth, clock } = await authSetup({ limits: { maxNonces: 2 } });
    const key = await frontendKey(5);
    const first = await registrationAt(key, clock, 1);
    expectOk(await auth.register(first, { app: "system" }));
    expectOk(await auth.register(await registrationAt(key, clock, 2), { app: "system" }));
    expect(await auth.register(await registrationAt(key, clock, 3), { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "storage_error", data: { reason: "nonce_store_full" } },
    });
    expect(await auth.register(first, { app: "system" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_REPLAY" } });
    clock.advance(600_000);
    expectOk(await auth.register(await registrationAt(key, clock, 3), { app: "system" }));
  });
});

describe("what registration binds and returns (interfaces 13 §3–§4)", () => {
  it("binds the self-certifying identity of the key, to the app of the port, with the key as device", async () => {
    const { auth, clock } = await authSetup();
    const key = await frontendKey(5);
    const registered = expectOk(await auth.register(await registrationAt(key, clock, 1), { app: "system", traceId: "reg-1" }));
    expect(registered.status).toBe("created");
    expect(registered.context).toMatchObject({
      app: "system",
      requester_identity_id: identityIdFromKey(key.publicKey),
      device_id: toBase64url(key.publicKey),
      actor_type: "user",
      is_remote: false,
      trace_id: "reg-1",
    });
    expect(auth.authenticate(registered.response.token, { app: "system" }).ok).toBe(true);
  });

  it("binds a key the graph holds as a device key to its identity (keyOwner port)", async () => {
    const owner = someIdentity(8);
    const device = await frontendKey(5);
    const { auth, clock } = await authSetup({ keyOwner: (k) => Promise.resolve(k === toBase64url(device.publicKey) ? owner : undefined) });
    const registered = expectOk(await auth.register(await registrationAt(device, clock, 1), { app: "system" }));
    expect(registered.response.identity_id).toBe(owner);
    const stranger = await frontendKey(6);
    const other = expectOk(await auth.register(await registrationAt(stranger, clock, 2), { app: "system" }));
    expect(other.response.identity_id).toBe(identityIdFromKey(stranger.publicKey));
  });

  it("signs the response with the node key over its JCS without server_signature", async () => {
    const { auth, clock, verifier, server, serverKey } = await authSetup();
    const { response } = expectOk(await auth.register(await registrationAt(await frontendKey(5), clock, 1), { app: "system" }));
    expect(Object.keys(response).sort()).toEqual([
      "expires_at",
      "identity_id",
      "issued_at",
      "server_identity_id",
      "server_public_key",
      "server_signature",
      "token",
    ]);
    expect(response.server_identity_id).toBe(server.identityId);
    expect(Date.parse(response.expires_at) - Date.parse(response.issued_at)).toBe(86_400_000);
    expectOk(await verifyRegistrationResponse(response, serverKey, verifier));
  });

  it("a frontend refuses a response from an unpinned key or with a broken signature", async () => {
    const { auth, clock, verifier, serverKey } = await authSetup();
    const { response } = expectOk(await auth.register(await registrationAt(await frontendKey(5), clock, 1), { app: "system" }));
    const otherKey = toBase64url((await frontendKey(9)).publicKey);
    expect(await verifyRegistrationResponse(response, otherKey, verifier)).toMatchObject({
      ok: false,
      error: { code: "auth_invalid", data: { reason: "server_key_mismatch" } },
    });
    expect(await verifyRegistrationResponse({ ...response, identity_id: someIdentity(9) }, serverKey, verifier)).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_SIGNATURE_INVALID", data: { reason: "equation" } },
    });
    expect(await verifyRegistrationResponse({ ...response, server_signature: "!" }, serverKey, verifier)).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_SIGNATURE_INVALID", data: { reason: "invalid_encoding" } },
    });
  });

  it("is idempotent per key: same identity, fresh token, the older one revoked", async () => {
    const { auth, clock } = await authSetup();
    const key = await frontendKey(5);
    const first = expectOk(await auth.register(await registrationAt(key, clock, 1), { app: "system" }));
    const second = expectOk(await auth.register(await registrationAt(key, clock, 2), { app: "system" }));
    expect(second.status).toBe("existing");
    expect(second.response.identity_id).toBe(first.response.identity_id);
    expect(second.response.token).not.toBe(first.response.token);
    expect(auth.authenticate(first.response.token, { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_TOKEN_REVOKED" },
    });
  });

  it("refuses a malformed port binding before remembering the nonce (ERR_MNG_AUTH_CONTEXT_INCOMPLETE)", async () => {
    const { auth, clock } = await authSetup();
    const request = await registrationAt(await frontendKey(5), clock, 1);
    expect(await auth.register(request, { app: "Bad App" })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_AUTH_CONTEXT_INCOMPLETE", data: { field: "app" } },
    });
    expect(auth.stats()).toEqual({ tokens: 0, nonces: 0 });
    expectOk(await auth.register(request, { app: "system" }));
  });

  it("returns no token when the node key cannot sign (internal_error), and the issued one is dead", async () => {
    const good = await createSigner({ seed: new Uint8Array(32).fill(1) });
    const failing = { publicKey: good.publicKey, engine: good.engine, sign: () => Promise.reject(new Error("key store gone")) };
    const { auth, clock } = await authSetup({ serverSigner: failing });
    const result = await auth.register(await registrationAt(await frontendKey(5), clock, 1), { app: "system" });
    expect(result).toMatchObject({ ok: false, error: { code: "internal_error", data: { reason: "signing_failed" } } });
    expect(auth.revokeAll({})).toBe(0);
  });

  it("refuses when the token store is full of live sessions (storage_error)", async () => {
    const { auth, clock } = await authSetup({ limits: { maxTokens: 1 } });
    expectOk(await auth.register(await registrationAt(await frontendKey(5), clock, 1), { app: "system" }));
    expect(await auth.register(await registrationAt(await frontendKey(6), clock, 2), { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "storage_error", data: { reason: "token_store_full" } },
    });
  });
});

describe("parseRfc3339", () => {
  it.each([
    ["2026-11-21T10:00:00Z", Date.UTC(2026, 10, 21, 10)],
    ["2026-11-21t10:00:00z", Date.UTC(2026, 10, 21, 10)],
    ["2026-11-21T10:00:00.5Z", Date.UTC(2026, 10, 21, 10, 0, 0, 500)],
    ["2026-11-21T10:00:00.123456789Z", Date.UTC(2026, 10, 21, 10, 0, 0, 123)],
    ["2026-11-21T12:00:00+02:00", Date.UTC(2026, 10, 21, 10)],
    ["2026-11-21T08:00:00-02:00", Date.UTC(2026, 10, 21, 10)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["0026-01-01T00:00:00Z", new Date("0026-01-01T00:00:00.000Z").getTime()], // not 1926: two-digit years stay literal
  ])("reads %s", (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it.each([
    "2026-11-21 10:00:00Z",
    "2026-11-21T10:00:00",
    "2026-13-01T00:00:00Z",
    "2026-00-01T00:00:00Z",
    "2025-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-11-21T24:00:00Z",
    "2026-11-21T10:60:00Z",
    "2026-11-21T10:00:60Z",
    "2026-11-21T10:00:00.Z",
    "2026-11-21T10:00:00.1234567890Z",
    "2026-11-21T10:00:00+24:00",
    "2026-11-21T10:00:00+02:60",
    "+02026-11-21T10:00:00Z",
  ])("refuses %s", (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });
});
