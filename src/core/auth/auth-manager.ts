// The Auth manager (architecture 04, interfaces 13): turns a token or a signed registration into a
// frozen local OperationContext bound to one (identity, app, device). It authenticates, never
// authorizes; holds no private key (the node key signs through a port); writes nothing to the graph.
import type { Ed25519Verifier, Signer } from "../crypto/index.ts";
import { assert } from "../shared/assert.ts";
import { toBase64url } from "../shared/bytes.ts";
import type { Clock, Random } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import { identityIdFromKey, parseIdentityId, publicKeyText, type IdentityId, type PublicKeyText } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { NonceWindow } from "./nonce-window.ts";
import { buildLocalContext, type ActorType, type LocalContext } from "./operation-context.ts";
import { checkRegistrationRequest, registrationSignedBytes, responseSignedBytes, type RegistrationResponse } from "./registration.ts";
import { TokenStore, type TokenRecord } from "./token-store.ts";

export type AuthLimits = {
  /** `auth.token.ttl_ms` (architecture 04 default 86400000). */
  readonly tokenTtlMs: number;
  /** `auth.registration.max_skew_ms` (architecture 04 default 300000). */
  readonly maxSkewMs: number;
  /** `auth.registration.nonce_ttl_ms` (architecture 04 default 600000). */
  readonly nonceTtlMs: number;
  /** Replay-window entries held at once; chosen (the design gives none). */
  readonly maxNonces: number;
  /** Token records held at once, live or retained; chosen (the design gives none). */
  readonly maxTokens: number;
};

export const DEFAULT_AUTH_LIMITS: AuthLimits = Object.freeze({
  tokenTtlMs: 86_400_000,
  maxSkewMs: 300_000,
  nonceTtlMs: 600_000,
  maxNonces: 10_000,
  maxTokens: 10_000,
});

/** The node's own key, which signs registration responses (interfaces 13 §3) through the Key manager. */
export type ServerKey = { readonly identityId: IdentityId; readonly signer: Signer };

/**
 * Which identity a registered key belongs to: its own self-certifying identity (DESIGN §3) unless the
 * graph binds it as a device key of another. Wired by the composition root.
 */
export type KeyOwnerLookup = (publicKey: PublicKeyText) => IdentityId | undefined | Promise<IdentityId | undefined>;

export type AuthManagerOptions = {
  readonly clock: Clock;
  readonly random: Random;
  readonly verifier: Ed25519Verifier;
  readonly server: ServerKey;
  readonly keyOwner?: KeyOwnerLookup;
  readonly limits?: () => AuthLimits;
};

export type SessionGrant = {
  readonly token: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly context: LocalContext;
};

export type Registration = {
  /** interfaces 13 §3: `created` (201) for a key this node has not registered, else `existing` (200). */
  readonly status: "created" | "existing";
  readonly response: RegistrationResponse;
  readonly context: LocalContext;
};

export type OpenSessionRequest = {
  readonly identityId: IdentityId;
  readonly app: string;
  /** The node-held key the session signs with; it names the device slot. */
  readonly keyId?: string;
  readonly actorType?: ActorType;
  readonly traceId?: string;
};

/** What the trusted caller (the port binding) knows about a request; never identity claims. */
export type AuthenticateRequest = { readonly app: string; readonly traceId?: string; readonly correlationId?: string };

export interface AuthManager {
  /** A session for a caller the composition root trusts (the shell, a port it binds); several may live per slot. */
  openSession(request: OpenSessionRequest): Result<SessionGrant>;
  /** interfaces 13: a frontend registers its public key with a signed payload; `binding.app` comes from its port. */
  register(request: unknown, binding: { readonly app: string; readonly traceId?: string }): Promise<Result<Registration>>;
  /** A fresh context per request, or the one code that says why not (architecture 04 §9.2). */
  authenticate(token: unknown, request: AuthenticateRequest): Result<LocalContext>;
  /** authenticate without minting a context: for long-lived work (event subscriptions) to re-check. */
  check(token: unknown, app: string): Result<void>;
  revoke(token: unknown): Result<void>;
  /** Revokes every live token of an identity and/or app (an app disabled, a device revoked); returns how many. */
  revokeAll(filter: { readonly identityId?: IdentityId; readonly app?: string }): number;
  stats(): { readonly tokens: number; readonly nonces: number };
  /** Shutdown: every token and nonce is forgotten and every later call refused (architecture 04 §9.3). */
  close(): void;
}

const AUTHENTICATE_FIELDS: ReadonlySet<string> = new Set(["app", "traceId", "correlationId"]);

function checkLimits(limits: AuthLimits): AuthLimits {
  for (const [name, value] of Object.entries(limits))
    assert(Number.isSafeInteger(value) && value > 0, `auth limit ${name} must be a positive integer`);
  return limits;
}

export function createAuthManager(options: AuthManagerOptions): AuthManager {
  const { clock, random, verifier, server } = options;
  const limitsOf = () => checkLimits((options.limits ?? (() => DEFAULT_AUTH_LIMITS))());
  const serverKey = publicKeyText(server.signer.publicKey);
  const tokens = new TokenStore(random);
  const nonces = new NonceWindow();
  /** Keys registered in this run, oldest first: only for the created/existing status. */
  const knownKeys = new Set<string>();
  let closed = false;

  const traceId = () => toBase64url(random.bytes(16));
  const iso = (ms: number) => new Date(ms).toISOString();

  function storeClosed(): Result<never> {
    return err(nodeError("ERR_MNG_AUTH_TOKEN_STORE_UNAVAILABLE", "The auth manager is closed.", { reason: "closed" }));
  }

  function contextFor(record: Pick<TokenRecord, "identityId" | "app" | "deviceId" | "actorType">, trace: string, correlationId?: string) {
    return buildLocalContext({
      app: record.app,
      requesterIdentityId: record.identityId,
      deviceId: record.deviceId,
      actorType: record.actorType,
      traceId: trace,
      ...(correlationId === undefined ? {} : { correlationId }),
    });
  }

  function issue(record: Omit<TokenRecord, "revokedAt" | "issuedAt" | "expiresAt">, now: number, exclusive: boolean) {
    const limits = limitsOf();
    const expiresAt = now + limits.tokenTtlMs;
    // Expired and revoked records are kept one more TTL so they answer with their precise code.
    const token = tokens.issue({ ...record, issuedAt: now, expiresAt }, now, limits.tokenTtlMs, limits.maxTokens, exclusive);
    return token === undefined ? undefined : { token, issuedAt: iso(now), expiresAt: iso(expiresAt) };
  }

  /** architecture 04 §4.2: presence → format → existence → expiry → revocation, then the app binding. */
  function resolve(token: unknown, app: string): Result<TokenRecord> {
    if (closed) return storeClosed();
    if (token === undefined || token === null || token === "")
      return err(nodeError("auth_required", "A session token is required.", { reason: "missing_token" }));
    if (typeof token !== "string") return err(nodeError("auth_invalid", "The token is malformed.", { reason: "malformed_token" }));
    const found = tokens.lookup(token);
    if (found.kind === "malformed") return err(nodeError("auth_invalid", "The token is malformed.", { reason: "malformed_token" }));
    if (found.kind === "unknown") return err(nodeError("auth_invalid", "The token is not known.", { reason: "unknown_token" }));
    const { record } = found;
    if (clock.now() >= record.expiresAt) return err(nodeError("ERR_AUTH_TOKEN_EXPIRED", undefined, { reason: "expired" }));
    if (record.revokedAt !== null) return err(nodeError("ERR_AUTH_TOKEN_REVOKED", undefined, { reason: "revoked" }));
    // DESIGN §1, interfaces T6: a port bound to one app cannot act under another's token.
    if (record.app !== app) return err(nodeError("acl_denied", "The token belongs to another app.", { reason: "app_mismatch" }));
    return ok(record);
  }

  return {
    openSession(request) {
      if (closed) return storeClosed();
      const identityId = parseIdentityId(request.identityId);
      if (identityId === undefined)
        return err(
          nodeError("ERR_MNG_AUTH_CONTEXT_INCOMPLETE", "identityId is not an identity id.", {
            reason: "invalid_field",
            field: "requester_identity_id",
          }),
        );
      const record = { identityId, app: request.app, deviceId: request.keyId ?? null, actorType: request.actorType ?? "user" } as const;
      // The context is checked before any token exists, so a bad request leaves nothing behind.
      const context = contextFor(record, request.traceId ?? traceId());
      if (!context.ok) return context;
      const issued = issue(record, clock.now(), false);
      if (issued === undefined)
        return err(nodeError("ERR_MNG_AUTH_TOKEN_STORE_UNAVAILABLE", "Too many live sessions.", { reason: "token_store_full" }));
      return ok({ ...issued, context: context.value });
    },

    async register(input, binding) {
      if (closed) return storeClosed();
      const checked = checkRegistrationRequest(input);
      if (!checked.ok) return checked;
      const { payload, publicKey, signature, time } = checked.value;
      // interfaces 13 §4: the signature is verified before anything else is decided or remembered.
      const verdict = await verifier.verify(publicKey, registrationSignedBytes(payload), signature);
      if (!verdict.valid)
        return err(nodeError("ERR_AUTH_SIGNATURE_INVALID", "The registration signature does not verify.", { reason: verdict.reason }));
      // interfaces 13 §4: the identity is bound solely to the signed public key.
      const keyText = payload.public_key as PublicKeyText;
      const identityId = (await options.keyOwner?.(keyText)) ?? identityIdFromKey(keyText);
      if (closed) return storeClosed();
      const record = { identityId, app: binding.app, deviceId: keyText as string, actorType: "user" } as const;
      const context = contextFor(record, binding.traceId ?? traceId());
      if (!context.ok) return context;

      // From here to the token there is no await: two concurrent replays cannot both pass the nonce check.
      const now = clock.now();
      const limits = limitsOf();
      if (Math.abs(now - time) > limits.maxSkewMs)
        return err(nodeError("ERR_AUTH_REPLAY", "The registration timestamp is too far from the node's clock.", { reason: "clock_skew" }));
      if (nonces.has(keyText, payload.nonce, now))
        return err(nodeError("ERR_AUTH_REPLAY", "This nonce was already used with this key.", { reason: "nonce_reused" }));
      // A pair must outlive every moment its timestamp is still inside the skew window.
      const until = now + Math.max(limits.nonceTtlMs, 2 * limits.maxSkewMs);
      if (!nonces.remember(keyText, payload.nonce, now, until, limits.maxNonces))
        return err(nodeError("storage_error", "The replay window is full; try again later.", { reason: "nonce_store_full" }));
      const issued = issue(record, now, true);
      if (issued === undefined) return err(nodeError("storage_error", "Too many live sessions.", { reason: "token_store_full" }));
      const status = knownKeys.has(keyText) ? "existing" : "created";
      knownKeys.delete(keyText);
      knownKeys.add(keyText);
      if (knownKeys.size > limits.maxTokens) knownKeys.delete(knownKeys.values().next().value!);

      const unsigned = {
        identity_id: identityId,
        token: issued.token,
        issued_at: issued.issuedAt,
        expires_at: issued.expiresAt,
        server_identity_id: server.identityId,
        server_public_key: serverKey,
      };
      let serverSignature: Uint8Array;
      try {
        serverSignature = await server.signer.sign(responseSignedBytes(unsigned));
      } catch {
        // interfaces 13 §4: no token leaves without its response; the one just issued dies here.
        const lookup = tokens.lookup(issued.token);
        if (lookup.kind === "found") tokens.revoke(lookup.digest, clock.now());
        return err(nodeError("internal_error", "The node key could not sign the response.", { reason: "signing_failed" }));
      }
      return ok({ status, response: { ...unsigned, server_signature: toBase64url(serverSignature) }, context: context.value });
    },

    authenticate(token, request) {
      // interfaces T4: identity, device or any other claim from the caller is refused, never read.
      if (!isJsonObject(request))
        return err(nodeError("envelope_invalid", "The call metadata is not an object.", { reason: "not_an_object" }));
      for (const key of Object.keys(request))
        if (!AUTHENTICATE_FIELDS.has(key))
          return err(nodeError("envelope_invalid", `Unknown call field ${key}.`, { reason: "unknown_field", field: key }));
      const record = resolve(token, request.app);
      if (!record.ok) return record;
      return contextFor(record.value, request.traceId ?? traceId(), request.correlationId);
    },

    check(token, app) {
      const record = resolve(token, app);
      return record.ok ? ok(undefined) : record;
    },

    revoke(token) {
      if (closed) return storeClosed();
      if (typeof token !== "string") return err(nodeError("auth_invalid", "The token is malformed.", { reason: "malformed_token" }));
      const found = tokens.lookup(token);
      if (found.kind !== "found") return err(nodeError("auth_invalid", "The token is not known.", { reason: `${found.kind}_token` }));
      tokens.revoke(found.digest, clock.now());
      return ok(undefined);
    },

    revokeAll(filter) {
      if (closed) return 0;
      return tokens.revokeWhere(
        (r) =>
          (filter.identityId === undefined || r.identityId === filter.identityId) && (filter.app === undefined || r.app === filter.app),
        clock.now(),
      );
    },

    stats: () => ({ tokens: tokens.size, nonces: nonces.size }),

    close() {
      closed = true;
      tokens.clear();
      nonces.clear();
      knownKeys.clear();
    },
  };
}
