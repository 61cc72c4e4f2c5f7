// `window.twoway`: the node port as any script on this page already could reach it, for tests,
// benches and the curious. Present in every build on purpose (e2e runs the production build). It
// adds no power: the page owns the worker anyway, and mini-apps run in sandboxed iframes with an
// opaque origin, so they cannot reach `window` of the shell.
import type { Peering } from "../peering/peering.ts";
import type { NodeConnection } from "./node-connection.ts";
import type { ShellResult } from "./node-client.ts";

export type TwoWayHook = {
  /** Calls a node method with arguments exactly as given; answers a Result, never throws. */
  call(method: string, ...args: unknown[]): Promise<ShellResult<unknown>>;
  /** The tab's connection phase: connecting, waiting, starting, ready, closing, moved, failed. */
  phase(): string;
  /** The page's peer links, to read their state or drop one as a failing network would. */
  readonly peering: Peering;
};

declare global {
  interface Window {
    twoway?: TwoWayHook;
  }
}

export function exposeTestHook(connection: NodeConnection, peering: Peering): void {
  window.twoway = Object.freeze({
    peering,
    call: (method: string, ...args: unknown[]) => connection.callRaw(method, args),
    phase: () => connection.phase().state,
  });
}
