// The page's one handle on a node worker. It owns the Worker and its Comlink proxy, and makes sure
// a call settles even when the worker never comes up (a failed load would otherwise hang forever).
import * as Comlink from "comlink";
import type { Result } from "../core/shared/result.ts";
import { NODE_WORKER_NAME, type NodeApi, type NodeMethod } from "../rpc/node-api.ts";

/** An error as the shell shows it: the node's coded errors, plus the two ways a worker can fail. */
export type ShellError = {
  readonly code: string;
  readonly category: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
};

export type ShellResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ShellError };

/** What a NodeApi method answers with when it succeeds. */
export type NodeValue<M extends NodeMethod> = Awaited<ReturnType<NodeApi[M]>> extends Result<infer T> ? T : never;

export type NodeClient = {
  /** Runs one node method; resolves to a coded error instead of hanging or throwing. */
  call<M extends NodeMethod>(method: M, ...args: Parameters<NodeApi[M]>): Promise<ShellResult<NodeValue<M>>>;
  /** Like `call`, without argument types: the raw port, for tests and the `window.twoway` hook. */
  callRaw(method: string, args: readonly unknown[], timeoutMs?: number): Promise<ShellResult<unknown>>;
  dispose(): void;
};

const DEFAULT_TIMEOUT_MS = 15_000;
/** Methods that may legitimately take long: waiting for another tab, closing after writes, bulk work. */
const UNBOUNDED: ReadonlySet<string> = new Set([
  "whenReady",
  "close",
  "importEnvelopes",
  "exportEnvelopes",
  "exportHeader",
  "stateDigest",
  "verifyAuditLog",
  "repairAuditLog",
  "checkIntegrity",
]);

function workerFailure(code: "worker_failed" | "worker_timeout", message: string): ShellResult<never> {
  return { ok: false, error: { code, category: "internal", message, data: {} } };
}

/** Performance marks for cold-start measurement (bench/browser-node.ts). */
export const MARK_WORKER_CREATED = "twoway:worker-created";
export const MARK_NODE_READY = "twoway:node-ready";

export function createNodeClient(nodeName?: string): NodeClient {
  performance.mark(MARK_WORKER_CREATED);
  const worker = new Worker(new URL("../../workers/node.worker.ts", import.meta.url), {
    type: "module",
    name: nodeName === undefined ? NODE_WORKER_NAME : `${NODE_WORKER_NAME}:${nodeName}`,
  });
  const api = Comlink.wrap<Record<string, (...args: unknown[]) => Promise<ShellResult<unknown>>>>(worker);
  let disposed = false;

  // Settles only if the worker script fails to load or throws at top level.
  const crashed = new Promise<ShellResult<never>>((resolve) => {
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      resolve(workerFailure("worker_failed", event.message || "The node worker could not start."));
    });
  });

  async function callRaw(method: string, args: readonly unknown[], timeoutMs?: number): Promise<ShellResult<unknown>> {
    if (disposed) return workerFailure("worker_failed", "This tab no longer runs the node.");
    const limit = timeoutMs ?? (UNBOUNDED.has(method) ? undefined : DEFAULT_TIMEOUT_MS);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<ShellResult<never>>((resolve) => {
      if (limit !== undefined)
        timer = setTimeout(() => resolve(workerFailure("worker_timeout", `The node did not answer within ${limit / 1000} s.`)), limit);
    });
    try {
      return await Promise.race([api[method]!(...args), crashed, timedOut]);
    } catch (cause) {
      // Only a transport fault lands here (e.g. a value that cannot be cloned): the node returns Results.
      const message = cause instanceof Error ? cause.message : String(cause);
      return {
        ok: false,
        error: {
          code: "object_invalid",
          category: "structural",
          message: `The request could not be sent: ${message}`,
          data: { reason: "not_cloneable" },
        },
      };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    call: (method, ...args) => callRaw(method, args) as never,
    callRaw,
    dispose() {
      if (disposed) return;
      disposed = true;
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
