// The Event manager (architecture 11, interfaces 14): post-commit notices in, per-session
// `graph.object_mutated` events out — at most once, in global_seq order, only about objects the
// subscriber may read, through bounded queues. Never persisted, never a log, never reads storage.
import { checkContext, type OperationContext } from "../auth/index.ts";
import { assert } from "../shared/assert.ts";
import { nodeError } from "../shared/errors.ts";
import { parseObjectId, type IdentityId } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isDomainName, isTypeKey } from "../wire/index.ts";
import { checkCommitNotice, GRAPH_OBJECT_MUTATED, type CommitNotice } from "./graph-event.ts";
import { Subscriber, type CanRead, type EventSink, type SubscriberFilter, type Subscription } from "./subscription.ts";

/** What a subscriber asks for (architecture 11 §5.2). Filters narrow; they never widen. */
export type EventFilter = {
  /** Must be the context's app (namespace isolation). */
  readonly app: string;
  readonly domain?: string;
  /** Object type keys (`notes.note`): only objects of these types. */
  readonly types?: readonly string[];
  /** Only these objects (object-scoped subscription). */
  readonly objectIds?: readonly string[];
  /** Event names; `graph.object_mutated` is the only one so far. */
  readonly events?: readonly string[];
};

/** Subscription outcomes the Log manager records (architecture 11 §8). */
export type SecurityNotice = {
  readonly event: "security.subscription_rejected" | "security.subscription_dropped";
  readonly identityId: IdentityId | null;
  readonly app: string;
  readonly reason: string;
};

export type EventManagerOptions = {
  readonly canRead: CanRead;
  /** `event.queue.per_subscriber`, read when a subscription opens (default 256). */
  readonly capacity?: () => number;
  /** Open subscriptions at once; chosen (architecture 11 gives no default for max_connections). */
  readonly maxSubscriptions?: number;
  readonly onSecurityEvent?: (notice: SecurityNotice) => void;
};

export type SubscribeOptions = {
  /** Re-checked before each delivery; a failure closes the subscription with `auth_failed` (interfaces 14). */
  readonly session?: () => Result<unknown>;
};

export interface EventManager {
  /** A subscription for an authenticated local context. With a sink, events are pushed; without, pulled by next(). */
  subscribe(context: OperationContext, filter: EventFilter, sink?: EventSink, options?: SubscribeOptions): Result<Subscription>;
  /**
   * Called by the composition root after each commit, in global_seq order; rejected writes never get
   * here. Queues keep the notice itself: do not change it afterwards.
   */
  publish(notice: CommitNotice): Result<void>;
  /** Resolves once every push subscriber has drained what was published so far (a sink that never acknowledges keeps it waiting). */
  settled(): Promise<void>;
  stats(): { readonly subscriptions: number; readonly queued: number };
  /** Shutdown: every subscription ends with `shutdown`; later subscriptions are refused. */
  close(): void;
}

export const DEFAULT_QUEUE_CAPACITY = 256;
export const DEFAULT_MAX_SUBSCRIPTIONS = 1024;
/** Chosen bounds on a filter (interfaces 14 allows 1-32 channels). */
export const MAX_FILTER_TYPES = 32;
export const MAX_FILTER_OBJECT_IDS = 256;
const FILTER_FIELDS: ReadonlySet<string> = new Set(["app", "domain", "types", "objectIds", "events"]);
const KNOWN_EVENTS: ReadonlySet<string> = new Set([GRAPH_OBJECT_MUTATED]);

function rejected(reason: string, message: string, field?: string): Result<never> {
  return err(nodeError("ERR_MNG_EVENT_SUBSCRIPTION_REJECTED", message, field === undefined ? { reason } : { reason, field }));
}

function stringList(value: unknown, max: number, valid: (text: string) => boolean): ReadonlySet<string> | null | undefined {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > max) return undefined;
  for (const item of value as unknown[]) if (typeof item !== "string" || !valid(item)) return undefined;
  return new Set(value as string[]);
}

function checkFilter(filter: unknown, context: OperationContext): Result<SubscriberFilter> {
  if (!isJsonObject(filter)) return rejected("filter_invalid", "A filter is an object.");
  const f = filter as Record<string, unknown>;
  for (const key of Object.keys(f)) if (!FILTER_FIELDS.has(key)) return rejected("filter_invalid", `Unknown filter field ${key}.`, key);
  // architecture 11 §5.2: app_id must match the context's; apps never see each other's events.
  if (f["app"] !== context.app) return err(nodeError("acl_denied", "A subscription is for its own app only.", { reason: "app_mismatch" }));
  const domain = f["domain"];
  if (domain !== undefined && (typeof domain !== "string" || !isDomainName(domain)))
    return rejected("filter_invalid", "domain is not a domain name.", "domain");
  const types = stringList(f["types"], MAX_FILTER_TYPES, isTypeKey);
  if (types === undefined) return rejected("filter_invalid", `types holds 1-${MAX_FILTER_TYPES} type keys.`, "types");
  const objectIds = stringList(f["objectIds"], MAX_FILTER_OBJECT_IDS, (id) => parseObjectId(id) !== undefined);
  if (objectIds === undefined) return rejected("filter_invalid", `objectIds holds 1-${MAX_FILTER_OBJECT_IDS} object ids.`, "objectIds");
  const events = stringList(f["events"], MAX_FILTER_TYPES, () => true);
  if (events === undefined) return rejected("filter_invalid", "events holds 1-32 event names.", "events");
  for (const name of events ?? []) {
    // interfaces 14 §3: system.* and security.* are admin-only channels; no context carries the admin bit yet.
    if (name.startsWith("system.") || name.startsWith("security."))
      return err(nodeError("acl_denied", "That channel is for administrators.", { reason: "admin_channel" }));
    if (!KNOWN_EVENTS.has(name)) return rejected("filter_invalid", `Unknown event ${name}.`, "events");
  }
  return ok({ app: context.app, domain: domain ?? null, types, objectIds });
}

export function createEventManager(options: EventManagerOptions): EventManager {
  const capacityOf = options.capacity ?? (() => DEFAULT_QUEUE_CAPACITY);
  const maxSubscriptions = options.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS;
  const subscribers = new Set<Subscriber>();
  let lastSeq = 0;
  let counter = 0;
  let shutDown = false;

  function report(event: SecurityNotice["event"], identityId: IdentityId | null, app: string, reason: string): void {
    options.onSecurityEvent?.({ event, identityId, app, reason });
  }

  function onClose(subscriber: Subscriber, notice: { readonly reason: string }): void {
    subscribers.delete(subscriber);
    if (notice.reason === "buffer_overflow" || notice.reason === "auth_failed" || notice.reason === "internal_error")
      report("security.subscription_dropped", subscriber.identityId, subscriber.filter.app, notice.reason);
  }

  return {
    subscribe(context, filter, sink, subscribeOptions = {}) {
      const checked = checkContext(context);
      if (!checked.ok) return checked;
      const ctx = checked.value;
      // Events are a local surface (architecture 04 §10.4): peers never subscribe, and nobody anonymously.
      if (ctx.is_remote) return rejected("remote_context", "Remote contexts cannot subscribe.");
      if (ctx.requester_identity_id === null)
        return err(nodeError("auth_required", "Subscribing needs an authenticated session.", { reason: "no_requester" }));
      const identityId = ctx.requester_identity_id;
      if (shutDown) return rejected("shutdown", "The event manager is shut down.");
      const normalized = checkFilter(filter, ctx);
      if (!normalized.ok) {
        report("security.subscription_rejected", identityId, ctx.app, String(normalized.error.data["reason"]));
        return normalized;
      }
      if (subscribers.size >= maxSubscriptions) return rejected("too_many_subscriptions", "Too many open subscriptions.");
      const capacity = capacityOf();
      assert(Number.isSafeInteger(capacity) && capacity > 0, "event.queue.per_subscriber must be a positive integer");
      const subscriber = new Subscriber(`sub-${++counter}`, identityId, normalized.value, capacity, sink, {
        canRead: options.canRead,
        session: subscribeOptions.session,
        onClose,
      });
      subscribers.add(subscriber);
      // The holder gets the Subscription surface only, never offer() or end().
      return ok(
        Object.freeze({
          id: subscriber.id,
          get closed() {
            return subscriber.closed;
          },
          next: () => subscriber.next(),
          close: () => subscriber.close(),
          [Symbol.asyncIterator]: () => subscriber[Symbol.asyncIterator](),
        }),
      );
    },

    publish(notice) {
      const checked = checkCommitNotice(notice);
      if (!checked.ok) return checked;
      // architecture 11 §4.4: graph events strictly by global_seq; an old or repeated one is a wiring bug, dropped.
      if (notice.seq <= lastSeq)
        return err(
          nodeError("internal_error", "Commit notices must arrive in global_seq order.", {
            reason: "seq_not_increasing",
            seq: notice.seq,
            last: lastSeq,
          }),
        );
      lastSeq = notice.seq;
      // ADR 0009: a suppressed envelope changed nothing a read can see, so it raises no event.
      if (notice.status !== "accepted" || shutDown) return ok(undefined);
      for (const subscriber of [...subscribers]) subscriber.offer(notice);
      return ok(undefined);
    },

    async settled() {
      for (;;) {
        const running = [...subscribers].flatMap((s) => (s.pump === undefined ? [] : [s.pump]));
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },

    stats() {
      let queued = 0;
      for (const subscriber of subscribers) queued += subscriber.queued;
      return { subscriptions: subscribers.size, queued };
    },

    close() {
      shutDown = true;
      for (const subscriber of [...subscribers]) subscriber.end("shutdown", null);
    },
  };
}
