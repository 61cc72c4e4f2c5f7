// The running node in words: protocol, signature engine and how long it took to start.
import type { JSX } from "solid-js";
import type { NodeInfo } from "../../rpc/node-api.ts";
import { StatusRow } from "./status-row.tsx";

const ENGINE_NAMES: Record<NodeInfo["ed25519Engine"], string> = {
  webcrypto: "WebCrypto",
  noble: "noble (pure JS)",
};

export function NodeStatusRow(props: { info: NodeInfo }): JSX.Element {
  return (
    <StatusRow testId="node-status" state="ready" tone="ok" label="Node" pill="Running">
      <span class="fact">
        Protocol <strong data-testid="node-protocol">{props.info.protocolVersion.join(".")}</strong>
      </span>
      <span class="fact">
        Signatures via{" "}
        <strong data-testid="node-engine" data-engine={props.info.ed25519Engine}>
          {ENGINE_NAMES[props.info.ed25519Engine]}
        </strong>
      </span>
      <span class="fact">Started in {props.info.startupMs} ms</span>
    </StatusRow>
  );
}
