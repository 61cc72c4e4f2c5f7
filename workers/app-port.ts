// One mini-app's port (DESIGN D9): Comlink on a MessagePort the worker bound to (identity, app)
// when the shell opened the app. Every request is checked as strictly as the shell's, the app is
// always the bound one, and a port may have only a few calls unanswered at once, so a greedy app
// waits for itself instead of starving the node or the shell.
import * as Comlink from "comlink";
import { err, nodeError, ok, type IdentityId, type Result, type Session, type TwoWayNode } from "../src/core/index.ts";
import { APP_METHODS, APP_PORT_LIMITS, type AppApi, type AppPortLimits } from "../src/rpc/app-api.ts";
import { checkArgumentCount, parseAppRead, parseAppSubmit, parseAppSubscribe } from "../src/rpc/node-api-requests.ts";
import { allowRead, parseAllowRead } from "./app-read-rules.ts";
import { submitThrough } from "./session-writes.ts";

export type AppBinding = { readonly identityId: IdentityId; readonly app: string; readonly version: string };
export type BoundAppPort = { close(): void };

const LAPSED: ReadonlySet<string> = new Set(["ERR_AUTH_TOKEN_EXPIRED", "ERR_AUTH_TOKEN_REVOKED"]);

/** Milliseconds on a monotonic clock; injected so tests drive the rate limit without waiting. */
export type Now = () => number;

/** A token bucket: `take()` is false once the port spent its burst faster than the rate refills it. */
function callBudget(limits: AppPortLimits, now: Now): { take(): boolean } {
  let tokens = limits.burst;
  let at = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(limits.burst, tokens + ((t - at) * limits.callsPerSecond) / 1000);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

export function bindAppPort(
  node: TwoWayNode,
  port: MessagePort,
  binding: AppBinding,
  limits: AppPortLimits = APP_PORT_LIMITS,
  now: Now = () => performance.now(),
): BoundAppPort {
  const budget = callBudget(limits, now);
  let session: Session | undefined;
  let inFlight = 0;
  let closed = false;
  const subscriptions = new Map<string, { close(): void }>();

  /** The app's session, reopened once when disabling or expiry ended it (then openSession says why). */
  async function withSession<T>(use: (s: Session) => Promise<Result<T>>): Promise<Result<T>> {
    for (let attempt = 0; ; attempt += 1) {
      if (session === undefined) {
        const opened = await node.openSession({ identityId: binding.identityId, app: binding.app });
        if (!opened.ok) return opened;
        session = opened.value;
      }
      const result = await use(session);
      if (result.ok || attempt > 0 || !LAPSED.has(result.error.code)) return result;
      session = undefined;
    }
  }

  function bounded<T>(call: (...args: unknown[]) => Promise<Result<T>>): (...args: unknown[]) => Promise<Result<T>> {
    return async (...args) => {
      if (closed) return err(nodeError("ERR_AUTH_TOKEN_REVOKED", "This app was closed.", { reason: "port_closed" }));
      if (inFlight >= limits.maxInFlight)
        return err(
          nodeError("ERR_RESOURCE_RATE_LIMIT", "Too many calls in flight on this app's port.", {
            reason: "in_flight",
            limit: limits.maxInFlight,
          }),
        );
      if (!budget.take())
        return err(
          nodeError("ERR_RESOURCE_RATE_LIMIT", "This app calls the node faster than it may; try again in a moment.", {
            reason: "rate",
            limit: limits.callsPerSecond,
          }),
        );
      inFlight += 1;
      try {
        return await call(...args);
      } catch (cause) {
        console.error("app port: unexpected failure", cause);
        return err(nodeError("internal_error", "The node failed to answer."));
      } finally {
        inFlight -= 1;
      }
    };
  }

  const api: { [K in keyof AppApi]: (...args: unknown[]) => ReturnType<AppApi[K]> } = {
    whoAmI: bounded(async (...args) => {
      const count = checkArgumentCount(args, 0);
      if (!count.ok) return count;
      // Answered from the session, so a disabled app learns it here too (ERR_SVC_APP_DISABLED).
      return withSession((s) =>
        Promise.resolve(ok({ identityId: s.identityId, app: s.app, version: binding.version, nodeIdentityId: node.sync.nodeIdentity })),
      );
    }),
    subscribe: bounded(async (...args) => {
      const request = parseAppSubscribe(args);
      if (!request.ok) return request;
      if (subscriptions.size >= limits.maxSubscriptions)
        return err(
          nodeError("ERR_RESOURCE_RATE_LIMIT", "Too many subscriptions on this app's port.", {
            reason: "subscriptions",
            limit: limits.maxSubscriptions,
          }),
        );
      const { onEvent, domain, types } = request.value;
      const filter = { ...(domain === undefined ? {} : { domain }), ...(types === undefined ? {} : { types }) };
      // The app's promise acknowledges each event: a slow app holds back only its own queue,
      // which the Event manager bounds (buffer_overflow closes it, never grows).
      const subscribed = await withSession((s) => Promise.resolve(s.subscribe(filter, async (event) => void (await onEvent(event)))));
      if (!subscribed.ok) return subscribed;
      subscriptions.set(subscribed.value.id, subscribed.value);
      return ok({ subscriptionId: subscribed.value.id });
    }),
    unsubscribe: bounded(async (...args) => {
      const count = checkArgumentCount(args, 1);
      if (!count.ok) return count;
      const id = (args[0] as { subscriptionId?: unknown } | null)?.subscriptionId;
      const found = typeof id === "string" ? subscriptions.get(id) : undefined;
      if (found === undefined)
        return Promise.resolve(err(nodeError("object_invalid", "No such subscription on this port.", { reason: "unknown_subscription" })));
      found.close();
      subscriptions.delete(id as string);
      return Promise.resolve(ok(undefined));
    }),
    submit: bounded(async (...args) => {
      const request = parseAppSubmit(args, binding.app, limits.maxRequestChars);
      if (!request.ok) return request;
      return withSession((s) => submitThrough(s, request.value));
    }),
    read: bounded(async (...args) => {
      const request = parseAppRead(args, binding.app, limits.maxRequestChars);
      if (!request.ok) return request;
      const result = await withSession((s) => s.read(request.value.query));
      if (!result.ok) return result;
      return ok({ rows: result.value.rows, nextOffset: result.value.next_offset, snapshotSeq: result.value.snapshot_seq });
    }),
    allowRead: bounded(async (...args) => {
      const request = parseAllowRead(args);
      if (!request.ok) return request;
      // The session is checked first, so a disabled or closed app states nothing.
      return withSession(() => allowRead(node, binding.identityId, binding.app, request.value));
    }),
  };

  // Only the listed methods answer; nothing on the port can be replaced (Comlink SET is refused).
  const facade = new Proxy(Object.freeze(api), {
    get(target, name) {
      if (typeof name === "string" && (APP_METHODS as readonly string[]).includes(name)) return target[name as keyof AppApi];
      if (name === "then") return undefined;
      return () => Promise.resolve(err(nodeError("object_invalid", `Apps have no method ${String(name)}.`, { reason: "unknown_method" })));
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
  Comlink.expose(facade, port);

  return {
    close() {
      closed = true;
      for (const subscription of subscriptions.values()) subscription.close();
      session?.close();
      port.close();
    },
  };
}
