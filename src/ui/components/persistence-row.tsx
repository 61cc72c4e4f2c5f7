// Whether the browser promised to keep 2WAY's data (navigator.storage.persist), in one line.
import { Match, Switch, type JSX } from "solid-js";
import type { PersistenceState } from "../storage-persistence.ts";
import { StatusRow, type StatusTone } from "./status-row.tsx";

const TONES: Record<PersistenceState, StatusTone> = {
  persistent: "ok",
  best_effort: "pending",
  unknown: "pending",
  unsupported: "neutral",
};
const PILLS: Record<PersistenceState, string> = {
  persistent: "Persistent",
  best_effort: "Best effort",
  unknown: "Asking",
  unsupported: "Unavailable",
};

export function PersistenceRow(props: { state: PersistenceState }): JSX.Element {
  return (
    <StatusRow testId="persistence-status" state={props.state} tone={TONES[props.state]} label="Storage" pill={PILLS[props.state]}>
      <Switch>
        <Match when={props.state === "persistent"}>The browser keeps your data even when space runs low.</Match>
        <Match when={props.state === "best_effort"}>
          The browser may clear data when space runs low. Installing 2WAY usually fixes that.
        </Match>
        <Match when={props.state === "unknown"}>Asking the browser to keep your data…</Match>
        <Match when={props.state === "unsupported"}>This browser cannot promise to keep the data.</Match>
      </Switch>
    </StatusRow>
  );
}
