// OperationContext (services-and-apps/05): the frozen per-request binding of who acts, for which app,
// from where. Only builders here mint one (a WeakSet remembers them), so a look-alike object — built
// by hand or cloned across a port — is never accepted. Local and remote fields never mix.
import { nodeError } from "../shared/errors.ts";
import { parseIdentityId, type IdentityId } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isAppName, isSyncDomain, isTraceId } from "../wire/index.ts";

export const ACTOR_TYPES = ["user", "service", "automation", "delegation"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

declare const minted: unique symbol;
/** Present only on contexts the builders below made; no object literal has it (STYLE principle 6). */
type Minted = { readonly [minted]: true };

/** Optional, never authoritative (05 §3): diagnostics and UX metadata. */
type ContextMetadata = {
  readonly correlation_id?: string;
  readonly app_version?: string;
  readonly locale?: string;
  readonly timezone?: string;
};

/**
 * `app` is the app's slug: apps travel as slugs (DESIGN D3), where the public design's `app_id` is a
 * node-local integer. Every other name is the design's.
 */
export type LocalContext = Minted &
  ContextMetadata & {
    readonly app: string;
    readonly is_remote: false;
    /** Bound only by the Auth manager (04 §3); null only for explicitly public calls. */
    readonly requester_identity_id: IdentityId | null;
    /** The key the session acts with: a node-held key id, or the frontend key that registered. */
    readonly device_id: string | null;
    readonly actor_type: ActorType;
    readonly capability: string | null;
    readonly trace_id: string;
  };

/** Built only by the State manager after network verification (05 §4.3): no requester fields. */
export type RemoteContext = Minted &
  ContextMetadata & {
    readonly app: string;
    readonly is_remote: true;
    readonly sync_domain: string;
    readonly remote_node_identity_id: IdentityId;
    readonly actor_type: ActorType;
    readonly trace_id: string;
  };

export type OperationContext = LocalContext | RemoteContext;

const METADATA_FIELDS = ["correlation_id", "app_version", "locale", "timezone"] as const;
const LOCAL_FIELDS = ["requester_identity_id", "device_id", "capability", "delegated_key_id"] as const;
const REMOTE_FIELDS = ["sync_domain", "remote_node_identity_id"] as const;
const COMMON_FIELDS = ["app", "is_remote", "actor_type", "trace_id"] as const;
const ALL_FIELDS: ReadonlySet<string> = new Set([...COMMON_FIELDS, ...LOCAL_FIELDS, ...REMOTE_FIELDS, ...METADATA_FIELDS]);
/** Bounds chosen for the UX metadata (the design gives none). */
const METADATA_MAX = 128;
const CAPABILITY_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$/;

const mintedContexts = new WeakSet<object>();

function incomplete(reason: string, field: string, message: string): Result<never> {
  // 05 §7: a missing or malformed context is structural, rejected before schema or ACL.
  return err(nodeError("ERR_MNG_AUTH_CONTEXT_INCOMPLETE", message, { reason, field }));
}

export type ContextDraft = Readonly<Record<string, unknown>>;

function checkCommon(draft: ContextDraft): Result<void> {
  for (const key of Object.keys(draft)) if (!ALL_FIELDS.has(key)) return incomplete("unknown_field", key, `A context has no field ${key}.`);
  for (const field of COMMON_FIELDS)
    if (draft[field] === undefined) return incomplete("missing_field", field, `The context lacks ${field}.`);
  if (typeof draft["app"] !== "string" || !isAppName(draft["app"]))
    return incomplete("invalid_field", "app", "The context's app is not an app slug.");
  if (typeof draft["is_remote"] !== "boolean") return incomplete("invalid_field", "is_remote", "is_remote must be a boolean.");
  if (!(ACTOR_TYPES as readonly unknown[]).includes(draft["actor_type"]))
    return incomplete("invalid_field", "actor_type", "actor_type must be user, service, automation or delegation.");
  if (!isTraceId(draft["trace_id"])) return incomplete("invalid_field", "trace_id", "trace_id is malformed.");
  for (const field of METADATA_FIELDS) {
    const value = draft[field];
    if (value !== undefined && (typeof value !== "string" || value.length === 0 || value.length > METADATA_MAX))
      return incomplete("invalid_field", field, `${field} must be a string of 1-${METADATA_MAX} characters.`);
  }
  return ok(undefined);
}

function checkLocal(draft: ContextDraft): Result<void> {
  // 05 §5.4: a local context carrying remote-only fields is rejected, never cleaned.
  for (const field of REMOTE_FIELDS) if (field in draft) return incomplete("mixed_fields", field, `A local context cannot carry ${field}.`);
  for (const field of ["requester_identity_id", "device_id", "capability"] as const)
    if (!(field in draft)) return incomplete("missing_field", field, `The context lacks ${field}.`);
  if ("delegated_key_id" in draft) return incomplete("unknown_field", "delegated_key_id", "Delegation is not supported yet.");
  const requester = draft["requester_identity_id"];
  if (requester !== null && parseIdentityId(requester) === undefined)
    return incomplete("invalid_field", "requester_identity_id", "requester_identity_id is not an identity id.");
  const device = draft["device_id"];
  if (device !== null && (typeof device !== "string" || device.length === 0 || device.length > METADATA_MAX))
    return incomplete("invalid_field", "device_id", "device_id is malformed.");
  const capability = draft["capability"];
  if (capability !== null && (typeof capability !== "string" || capability.length > METADATA_MAX || !CAPABILITY_PATTERN.test(capability)))
    return incomplete("invalid_field", "capability", "capability must be one dotted lower-case verb.");
  return ok(undefined);
}

function checkRemote(draft: ContextDraft): Result<void> {
  // 05 §5.4: a remote context never carries the local requester, device, delegation or capability.
  for (const field of LOCAL_FIELDS) if (field in draft) return incomplete("mixed_fields", field, `A remote context cannot carry ${field}.`);
  for (const field of REMOTE_FIELDS)
    if (draft[field] === undefined) return incomplete("missing_field", field, `The context lacks ${field}.`);
  const domain = draft["sync_domain"];
  if (typeof domain !== "string" || !isSyncDomain(domain))
    return incomplete("invalid_field", "sync_domain", "sync_domain must be <app>/<domain>.");
  if (domain.slice(0, domain.indexOf("/")) !== draft["app"])
    return incomplete("invalid_field", "sync_domain", "sync_domain belongs to another app.");
  if (parseIdentityId(draft["remote_node_identity_id"]) === undefined)
    return incomplete("invalid_field", "remote_node_identity_id", "remote_node_identity_id is not an identity id.");
  return ok(undefined);
}

/**
 * Checks a draft against the field catalog (05 §3) and mints a frozen context. Not exported from
 * index.ts: the builders below are the only callers outside tests.
 */
export function mintContext(draft: unknown): Result<OperationContext> {
  if (!isJsonObject(draft)) return incomplete("not_an_object", "", "A context is a plain object.");
  // Copy once: a getter or proxy cannot change a field between the checks and the freeze.
  const copy: ContextDraft = { ...draft };
  const common = checkCommon(copy);
  if (!common.ok) return common;
  const variant = copy["is_remote"] === true ? checkRemote(copy) : checkLocal(copy);
  if (!variant.ok) return variant;
  // 05 §4.5: immutable after construction. Every field is a primitive, so a shallow freeze is deep.
  const context = Object.freeze(copy) as unknown as OperationContext;
  mintedContexts.add(context);
  return ok(context);
}

export type LocalContextFields = {
  readonly app: string;
  readonly requesterIdentityId: IdentityId | null;
  readonly deviceId: string | null;
  readonly actorType: ActorType;
  readonly traceId: string;
  readonly capability?: string | null;
  readonly correlationId?: string;
};

/** Local contexts are built by the Auth manager alone, after authentication (04 §5.3); not exported from index.ts. */
export function buildLocalContext(fields: LocalContextFields): Result<LocalContext> {
  return mintContext({
    app: fields.app,
    is_remote: false,
    requester_identity_id: fields.requesterIdentityId,
    device_id: fields.deviceId,
    actor_type: fields.actorType,
    capability: fields.capability ?? null,
    trace_id: fields.traceId,
    ...(fields.correlationId === undefined ? {} : { correlation_id: fields.correlationId }),
  }) as Result<LocalContext>;
}

export type RemoteContextFields = {
  readonly app: string;
  readonly syncDomain: string;
  readonly remoteNodeIdentityId: IdentityId;
  /** 05 §4.3: copied verbatim from the envelope. */
  readonly traceId: string;
  readonly actorType?: ActorType;
};

/** For the State manager only, after the Network manager verified the peer (05 §4.3). */
export function buildRemoteContext(fields: RemoteContextFields): Result<RemoteContext> {
  return mintContext({
    app: fields.app,
    is_remote: true,
    sync_domain: fields.syncDomain,
    remote_node_identity_id: fields.remoteNodeIdentityId,
    actor_type: fields.actorType ?? "service",
    trace_id: fields.traceId,
  }) as Result<RemoteContext>;
}

/** True only for a context a builder here minted (not a copy, clone or hand-made look-alike). */
export function isOperationContext(value: unknown): value is OperationContext {
  return typeof value === "object" && value !== null && mintedContexts.has(value);
}

/** Managers call this on every request-scoped input (05 §6: reject a call lacking a context). */
export function checkContext(value: unknown): Result<OperationContext> {
  if (isOperationContext(value)) return ok(value);
  return incomplete("not_minted", "", "This is not an operation context the node built.");
}

export type ContextEnrichment = {
  readonly capability?: string;
  readonly actorType?: ActorType;
  readonly correlationId?: string;
};

/**
 * 05 §4.2: enrichment is a new context copying identity and app; it may specialize the capability
 * (local only), refine the actor type, or add a correlation id — never change who or which app.
 */
export function enrichContext<C extends OperationContext>(context: C, changes: ContextEnrichment): Result<C> {
  const checked = checkContext(context);
  if (!checked.ok) return checked;
  if (changes.capability !== undefined && context.is_remote)
    return incomplete("mixed_fields", "capability", "A remote context cannot carry capability.");
  return mintContext({
    ...context,
    ...(changes.capability === undefined ? {} : { capability: changes.capability }),
    ...(changes.actorType === undefined ? {} : { actor_type: changes.actorType }),
    ...(changes.correlationId === undefined ? {} : { correlation_id: changes.correlationId }),
  }) as Result<C>;
}
