// Whether the browser promised to keep 2WAY's data (navigator.storage.persist), in plain words:
// what "Best effort" means for the person, what they can do about it, and a button to ask again.
import { Match, Show, Switch, type JSX } from "solid-js";
import type { PersistenceState } from "../storage-persistence.ts";
import { StatusRow, type StatusTone } from "./status-row.tsx";

const TONES: Record<PersistenceState, StatusTone> = {
  persistent: "ok",
  best_effort: "pending",
  not_asked: "neutral",
  unknown: "pending",
  unsupported: "neutral",
};
const PILLS: Record<PersistenceState, string> = {
  persistent: "Persistent",
  best_effort: "Best effort",
  not_asked: "Not asked yet",
  unknown: "Asking",
  unsupported: "Unavailable",
};

/** The sentence behind "Best effort", shared with the Health page's storage card. */
export const BEST_EFFORT_WORDS =
  "The browser keeps your data for now, but may delete it without asking if this device runs short of space. " +
  "Keep a recovery file, or sync with another device, so nothing lives only here. Installing 2WAY or bookmarking it usually lets the browser promise to keep it.";

export function PersistenceRow(props: { state: PersistenceState; onAsk?: () => void }): JSX.Element {
  return (
    <StatusRow testId="persistence-status" state={props.state} tone={TONES[props.state]} label="Storage" pill={PILLS[props.state]}>
      <Switch>
        <Match when={props.state === "persistent"}>The browser keeps your data even when space runs low.</Match>
        <Match when={props.state === "best_effort"}>
          <span data-testid="best-effort-words">{BEST_EFFORT_WORDS}</span>
          <Show when={props.onAsk}>
            {(ask) => (
              <>
                {" "}
                <button type="button" class="button button--small" onClick={() => ask()()} data-testid="persistence-ask">
                  Ask again
                </button>
              </>
            )}
          </Show>
        </Match>
        <Match when={props.state === "not_asked"}>2WAY asks the browser to keep your data once you have some.</Match>
        <Match when={props.state === "unknown"}>Asking the browser to keep your data…</Match>
        <Match when={props.state === "unsupported"}>This browser cannot promise to keep the data.</Match>
      </Switch>
    </StatusRow>
  );
}
