// What the tab shows before the shell: the node starting, stopping for an update or a handover,
// or failing to start (with its code).
import { Match, Switch, type JSX } from "solid-js";
import { ErrorNotice } from "../components/error-notice.tsx";
import { GateCard } from "../components/gate-card.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";
import type { ConnectionPhase } from "../node-connection.ts";
import type { ShellError } from "../node-client.ts";

function failure(phase: ConnectionPhase): ShellError | undefined {
  return phase.state === "failed" && phase.error.code !== KEYS_LOST ? phase.error : undefined;
}

/** ADR 0018: the node refuses to start over its own history without its keys. */
const KEYS_LOST = "ERR_MNG_KEY_DATABASE_LOST";

function keysLost(phase: ConnectionPhase): ShellError | undefined {
  return phase.state === "failed" && phase.error.code === KEYS_LOST ? phase.error : undefined;
}

/** The key database is gone but the history is here: say so plainly, and what the person can do. */
function KeysLostCard(props: { error: ShellError; onRetry: () => void }): JSX.Element {
  return (
    <GateCard
      testId="node-gate"
      state="keys-lost"
      title="This browser lost your keys"
      lead="Your history is still stored here and nothing was changed, but the keys that sign for you are gone from this browser."
      wide
    >
      <p class="gate__text">
        2WAY will not make a new identity on top of your history: that would split you into two people, and the old one could never write
        again. So it stops here.
      </p>
      <h2 class="section-title">What you can do</h2>
      <ul class="gate__list" data-testid="keys-lost-options">
        <li>
          <strong>Using 2WAY on another device?</strong> Your identity and history are safe there. Keep using it; this browser can be set up
          again from it once restore is available.
        </li>
        <li>
          <strong>Saved a recovery file?</strong> Keep it safe. It holds your public identity and your signed history, which restore will
          use.
        </li>
        <li>
          <strong>Keep this site's data.</strong> Clearing it would delete the history stored here too.
        </li>
        <li>
          <strong>Cleared only part of the browser's data, or a privacy tool removed it?</strong> If the keys come back (a browser backup, a
          synced profile), try again.
        </li>
      </ul>
      <p class="fineprint">
        Why: the private keys live in their own database inside this browser and cannot be copied out, so 2WAY cannot rebuild them.{" "}
        <code data-testid="error-code">{props.error.code}</code>
      </p>
      <div class="actions">
        <button type="button" class="button" onClick={() => props.onRetry()} data-testid="keys-lost-retry">
          Try again
        </button>
      </div>
    </GateCard>
  );
}

function closingReason(phase: ConnectionPhase): "handover" | "update" | undefined {
  return phase.state === "closing" ? phase.reason : undefined;
}

export function StartingPage(props: { phase: ConnectionPhase; onRetry: () => void }): JSX.Element {
  return (
    <Switch>
      <Match when={keysLost(props.phase)}>{(error) => <KeysLostCard error={error()} onRetry={props.onRetry} />}</Match>
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
