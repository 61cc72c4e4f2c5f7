// The plain-data contract between one mini-app and the node, carried by Comlink on that app's own
// MessagePort (DESIGN D9). The worker binds the port to (identity, app) when the shell opens the
// app, so no request names an app or an identity: an app cannot even ask for another's data.
import type { Result } from "../core/shared/result.ts";
import type { OpRequest, ReadResult, WriteReceipt } from "./node-api.ts";

export type AppIdentity = {
  /** The person using the app: the shell's identity. */
  readonly identityId: string;
  /** The app the port is bound to, from its install record. */
  readonly app: string;
  readonly version: string;
  /** The node's own identity, as its sync peers know it (read rules name it to reach this node). */
  readonly nodeIdentityId?: string;
};

export type AppSubmitRequest = { readonly domain: string; readonly ops: readonly OpRequest[]; readonly traceId?: string };

/** A graph read as `Session.read` takes it, always within the port's own app. */
export type AppReadRequest = Readonly<Record<string, unknown>>;

/** A change of this app the person may read (`graph.object_mutated`), or the final `close` notice. */
export type AppEvent = { readonly event: string; readonly payload: Readonly<Record<string, unknown>> };

/** Narrows a subscription; it can never widen beyond the port's app. */
export type AppSubscribeFilter = { readonly domain?: string; readonly types?: readonly string[] };

export interface AppApi {
  whoAmI(): Promise<Result<AppIdentity>>;
  /** `onEvent` is a Comlink.proxy; its returned promise acknowledges (backpressure per subscriber). */
  subscribe(onEvent: (event: AppEvent) => unknown, filter?: AppSubscribeFilter): Promise<Result<{ readonly subscriptionId: string }>>;
  unsubscribe(request: { readonly subscriptionId: string }): Promise<Result<void>>;
  submit(request: AppSubmitRequest): Promise<Result<WriteReceipt>>;
  read(query: AppReadRequest): Promise<Result<ReadResult>>;
  /**
   * States in the graph, as the person, that these identities may read these of the person's own
   * objects of this app (an object-scoped acl.root each, ADR 0010); sync exports them to those
   * peers only, where the app's acl.json made the type owner-only.
   */
  allowRead(request: AppAllowReadRequest): Promise<Result<{ readonly envelopeId: string }>>;
}

export type AppAllowReadRequest = { readonly objectIds: readonly string[]; readonly readers: readonly string[] };

export const APP_METHODS = [
  "whoAmI",
  "subscribe",
  "unsubscribe",
  "submit",
  "read",
  "allowRead",
] as const satisfies readonly (keyof AppApi)[];

/** Per-port bounds: a greedy app waits for its own answers and never queues without limit. */
export const APP_PORT_LIMITS = {
  /** Calls a port may have unanswered at once; more are refused with ERR_RESOURCE_RATE_LIMIT. */
  maxInFlight: 8,
  /** The canonical JSON of one request. */
  maxRequestChars: 65_536,
  /** Open subscriptions per port. */
  maxSubscriptions: 4,
  /**
   * Calls a port may make per second, sustained (a token bucket of `burst` calls refilled at this
   * rate): an app calling in a tight loop, one at a time, still cannot keep the node busy forever.
   */
  callsPerSecond: 200,
  burst: 400,
} as const;

export type AppPortLimits = { readonly [K in keyof typeof APP_PORT_LIMITS]: number };
