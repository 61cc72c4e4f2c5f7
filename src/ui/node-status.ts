// Reactive view of the node worker's state for the shell: starting, then ready or failed.
import { createSignal, onCleanup, onMount, type Accessor } from "solid-js";
import type { NodeApi, NodeInfo } from "../rpc/node-api.ts";
import type { NodeClient } from "./node-client.ts";

type NodeResult = Awaited<ReturnType<NodeApi["info"]>>;
/** The node's own error shape, read off the contract so the UI needs no core import (STYLE 3). */
export type NodeErrorView = Extract<NodeResult, { ok: false }>["error"];

export type NodeStatus =
  | { readonly state: "starting" }
  | { readonly state: "ready"; readonly info: NodeInfo }
  | { readonly state: "error"; readonly code: string; readonly message: string };

export function createNodeStatus(client: NodeClient): Accessor<NodeStatus> {
  const [status, setStatus] = createSignal<NodeStatus>({ state: "starting" });
  let live = true;
  onCleanup(() => {
    live = false;
  });

  onMount(() => {
    // Comlink's Remote splits Promise<Result> into Promise<Ok> | Promise<Err>: name the type.
    void client
      .call<NodeResult>((api) => api.info())
      .then((call) => {
        if (!live) return;
        if (!call.ok) {
          setStatus({ state: "error", code: call.failure.code, message: call.failure.message });
        } else if (!call.value.ok) {
          const error: NodeErrorView = call.value.error;
          setStatus({ state: "error", code: error.code, message: error.message });
        } else {
          setStatus({ state: "ready", info: call.value.value });
        }
      });
  });

  return status;
}
