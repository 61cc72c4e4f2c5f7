// The node worker's state in words: starting, running (protocol, signature engine) or failed (code).
import { Match, Switch, type Accessor, type JSX } from "solid-js";
import type { NodeInfo } from "../../rpc/node-api.ts";
import type { NodeStatus } from "../node-status.ts";
import { StatusRow } from "./status-row.tsx";

const ENGINE_NAMES: Record<NodeInfo["ed25519Engine"], string> = {
  webcrypto: "WebCrypto",
  noble: "noble (pure JS)",
};

export function NodeStatusRow(props: { status: Accessor<NodeStatus> }): JSX.Element {
  const tone = () => {
    const state = props.status().state;
    return state === "ready" ? "ok" : state === "error" ? "error" : "pending";
  };
  const pill = () => {
    const state = props.status().state;
    return state === "ready" ? "Running" : state === "error" ? "Stopped" : "Starting";
  };

  return (
    <StatusRow testId="node-status" state={props.status().state} tone={tone()} label="Node" pill={pill()}>
      <Switch>
        <Match when={props.status().state === "starting"}>Starting your node in a background worker…</Match>
        <Match when={ready(props.status())}>
          {(info) => (
            <>
              <span class="fact">
                Protocol <strong data-testid="node-protocol">{info().protocolVersion.join(".")}</strong>
              </span>
              <span class="sep" aria-hidden="true">
                {" · "}
              </span>
              <span class="fact">
                Signatures via{" "}
                <strong data-testid="node-engine" data-engine={info().ed25519Engine}>
                  {ENGINE_NAMES[info().ed25519Engine]}
                </strong>
              </span>
              <span class="sep" aria-hidden="true">
                {" · "}
              </span>
              <span class="fact">ready in {info().startupMs} ms</span>
            </>
          )}
        </Match>
        <Match when={failed(props.status())}>
          {(failure) => (
            <>
              {failure().message} <code data-testid="node-error-code">{failure().code}</code>
            </>
          )}
        </Match>
      </Switch>
    </StatusRow>
  );
}

function ready(status: NodeStatus): NodeInfo | undefined {
  return status.state === "ready" ? status.info : undefined;
}

function failed(status: NodeStatus): { code: string; message: string } | undefined {
  return status.state === "error" ? status : undefined;
}
