// The page's one handle on the node worker. It owns the Worker and its Comlink proxy, and makes sure
// a call settles even when the worker never comes up (a failed load would otherwise hang forever).
import * as Comlink from "comlink";
import type { NodeApi } from "../rpc/node-api.ts";

/** Why the worker itself is unreachable; node-level failures arrive as Result errors instead. */
export type NodeClientFailure = {
  readonly code: "worker_failed" | "worker_timeout";
  readonly message: string;
};

export type NodeCall<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: NodeClientFailure };

export type NodeClient = {
  /** Runs one call against the node; resolves to a failure instead of hanging or throwing. */
  call<T>(run: (api: Comlink.Remote<NodeApi>) => Promise<T>, timeoutMs?: number): Promise<NodeCall<T>>;
  dispose(): void;
};

const DEFAULT_TIMEOUT_MS = 15_000;

export function createNodeClient(): NodeClient {
  const worker = new Worker(new URL("../../workers/node.worker.ts", import.meta.url), {
    type: "module",
    name: "node",
  });
  const api = Comlink.wrap<NodeApi>(worker);

  // Settles only if the worker script fails to load or throws at top level.
  const crashed = new Promise<NodeClientFailure>((resolve) => {
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      resolve({ code: "worker_failed", message: event.message || "The node worker could not start." });
    });
  });

  return {
    async call<T>(run: (remote: Comlink.Remote<NodeApi>) => Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<NodeClientFailure>((resolve) => {
        timer = setTimeout(
          () => resolve({ code: "worker_timeout", message: `The node did not answer within ${timeoutMs / 1000} s.` }),
          timeoutMs,
        );
      });
      try {
        const outcome = await Promise.race([
          run(api).then((value) => ({ ok: true as const, value })),
          crashed.then((failure) => ({ ok: false as const, failure })),
          timedOut.then((failure) => ({ ok: false as const, failure })),
        ]);
        return outcome;
      } catch (cause) {
        // Only a Comlink transport fault lands here: node methods return Results, never throw (D6).
        const message = cause instanceof Error ? cause.message : String(cause);
        return { ok: false, failure: { code: "worker_failed", message } };
      } finally {
        clearTimeout(timer);
      }
    },
    dispose() {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
