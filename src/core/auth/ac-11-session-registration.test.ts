// AC-11 (public design 07-poc/07): auth registration and token usage, black-box through auth/index.ts.
// register → verify the node's response → token → authenticate → same key again (same identity,
// fresh token, old one revoked) → replay rejected → skew rejected → expiry on a manual clock.
import { describe, expect, it } from "vitest";
import { createSigner, createVerifier } from "../crypto/index.ts";
import { toBase64url } from "../shared/bytes.ts";
import { isoTime, manualClock, seededRandom } from "../shared/clock.ts";
import { identityIdFromKey } from "../shared/ids.ts";
import { createAuthManager, DEFAULT_AUTH_LIMITS, signRegistration, TOKEN_LENGTH, verifyRegistrationResponse } from "./index.ts";

describe("AC-11 auth registration and token usage", () => {
  it("registers, authenticates, re-registers idempotently, and refuses replay, skew and expired tokens", async () => {
    const clock = manualClock();
    const verifier = await createVerifier();
    const nodeKey = await createSigner({ seed: new Uint8Array(32).fill(11) });
    const pinnedNodeKey = toBase64url(nodeKey.publicKey); // the frontend's FRONTEND_BACKEND_PUBLIC_KEY
    const auth = createAuthManager({
      clock,
      random: seededRandom(11),
      verifier,
      server: { identityId: identityIdFromKey(nodeKey.publicKey), signer: nodeKey },
      limits: () => DEFAULT_AUTH_LIMITS,
    });
    const frontend = await createSigner({ seed: new Uint8Array(32).fill(12) });
    const nonce = (n: number) => new Uint8Array(16).fill(n);

    // 1. Register with a valid signature over the JCS payload.
    const request = await signRegistration(frontend, { nonce: nonce(1), timestamp: isoTime(clock), frontendUserId: "ada" });
    const first = await auth.register(request, { app: "system" });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.value.status).toBe("created");
    const { response } = first.value;
    expect(response.identity_id).toBe(identityIdFromKey(frontend.publicKey));
    expect(response.token).toHaveLength(TOKEN_LENGTH);
    expect(response.token.split(".")).toHaveLength(1); // opaque: no JWT segments
    expect(Date.parse(response.expires_at) - Date.parse(response.issued_at)).toBe(DEFAULT_AUTH_LIMITS.tokenTtlMs);

    // 2. The frontend verifies the response signature against the pinned node key, then keeps the token.
    expect((await verifyRegistrationResponse(response, pinnedNodeKey, verifier)).ok).toBe(true);
    const token = response.token;
    const context = auth.authenticate(token, { app: "system" });
    expect(context).toMatchObject({ ok: true, value: { requester_identity_id: response.identity_id, app: "system", is_remote: false } });

    // 3. The same key again: the same identity, a fresh token, and the earlier token revoked.
    clock.advance(1_000);
    const again = await auth.register(await signRegistration(frontend, { nonce: nonce(2), timestamp: isoTime(clock) }), { app: "system" });
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.status).toBe("existing");
    expect(again.value.response.identity_id).toBe(response.identity_id);
    expect(again.value.response.token).not.toBe(token);
    expect(auth.authenticate(token, { app: "system" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_REVOKED" } });
    const fresh = again.value.response.token;
    expect(auth.authenticate(fresh, { app: "system" }).ok).toBe(true);

    // 4. Replaying the same (public_key, nonce) payload is rejected.
    expect(await auth.register(request, { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_REPLAY", data: { reason: "nonce_reused" } },
    });

    // 5. A payload whose timestamp is outside auth.registration.max_skew_ms is rejected.
    const stale = await signRegistration(frontend, {
      nonce: nonce(3),
      timestamp: new Date(clock.now() - DEFAULT_AUTH_LIMITS.maxSkewMs - 1).toISOString(),
    });
    expect(await auth.register(stale, { app: "system" })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_REPLAY", data: { reason: "clock_skew" } },
    });

    // 6. The token expires at expires_at.
    clock.advance(Date.parse(again.value.response.expires_at) - clock.now());
    expect(auth.authenticate(fresh, { app: "system" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_TOKEN_EXPIRED" } });
    // The frontend re-registers with its key and carries on.
    const renewed = await auth.register(await signRegistration(frontend, { nonce: nonce(4), timestamp: isoTime(clock) }), {
      app: "system",
    });
    expect(renewed).toMatchObject({ ok: true, value: { status: "existing", response: { identity_id: response.identity_id } } });
  });

  it("rejects a registration whose signature does not verify, and binds nothing", async () => {
    const clock = manualClock();
    const nodeKey = await createSigner({ seed: new Uint8Array(32).fill(11) });
    const auth = createAuthManager({
      clock,
      random: seededRandom(11),
      verifier: await createVerifier(),
      server: { identityId: identityIdFromKey(nodeKey.publicKey), signer: nodeKey },
    });
    const frontend = await createSigner({ seed: new Uint8Array(32).fill(12) });
    const request = await signRegistration(frontend, { nonce: new Uint8Array(16), timestamp: isoTime(clock) });
    const tampered = { ...request, payload: { ...request.payload, timestamp: new Date(clock.now() + 1).toISOString() } };
    expect(await auth.register(tampered, { app: "system" })).toMatchObject({ ok: false, error: { code: "ERR_AUTH_SIGNATURE_INVALID" } });
    expect(auth.stats()).toEqual({ tokens: 0, nonces: 0 });
  });
});
