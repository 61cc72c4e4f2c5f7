// What the tab shows before the shell: the node starting, stopping for an update or a handover,
// or failing to start (with its code).
import { Match, Switch, type JSX } from "solid-js";
import { ErrorNotice } from "../components/error-notice.tsx";
import { GateCard } from "../components/gate-card.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";
import type { ConnectionPhase } from "../node-connection.ts";
import type { ShellError } from "../node-client.ts";

function failure(phase: ConnectionPhase): ShellError | undefined {
  return phase.state === "failed" ? phase.error : undefined;
}

function closingReason(phase: ConnectionPhase): "handover" | "update" | undefined {
  return phase.state === "closing" ? phase.reason : undefined;
}

export function StartingPage(props: { phase: ConnectionPhase; onRetry: () => void }): JSX.Element {
  return (
    <Switch>
      <Match when={failure(props.phase)}>
        {(error) => (
          <GateCard
            testId="node-gate"
            state="failed"
            title="Your node could not start"
            lead="2WAY runs its node inside this browser. It stopped before it was ready."
          >
            <ErrorNotice error={error()} />
            <div class="actions">
              <button type="button" class="button button--primary" onClick={() => props.onRetry()}>
                Try again
              </button>
            </div>
          </GateCard>
        )}
      </Match>
      <Match when={closingReason(props.phase)}>
        {(reason) => (
          <GateCard
            testId="node-gate"
            state="closing"
            title={reason() === "update" ? "Updating 2WAY" : "Moving to the other tab"}
            lead="Finishing what the node is writing, then stopping it. Nothing is lost."
          >
            <ProgressBar label="Stopping the node safely…" />
          </GateCard>
        )}
      </Match>
      <Match when={true}>
        <GateCard testId="node-gate" state="starting" title="Starting your node" lead="Opening your keys and history on this device.">
          <ProgressBar label={props.phase.state === "connecting" ? "Starting the background worker…" : "Opening the databases…"} />
        </GateCard>
      </Match>
    </Switch>
  );
}
