// Whether the app can start without a network: a service worker controls the page.
import { Match, Switch, type Accessor, type JSX } from "solid-js";
import type { OfflineStatus } from "../offline-status.ts";
import { StatusRow, type StatusTone } from "./status-row.tsx";

const TONES: Record<OfflineStatus["state"], StatusTone> = {
  ready: "ok",
  preparing: "pending",
  unsupported: "neutral",
  error: "error",
};

const PILLS: Record<OfflineStatus["state"], string> = {
  ready: "Ready",
  preparing: "Preparing",
  unsupported: "Off",
  error: "Unavailable",
};

export function OfflineStatusRow(props: { status: Accessor<OfflineStatus>; isOnline: Accessor<boolean> }): JSX.Element {
  const state = () => props.status().state;
  return (
    <StatusRow testId="offline-status" state={state()} tone={TONES[state()]} label="Offline use" pill={PILLS[state()]}>
      <Switch>
        <Match when={state() === "ready" && !props.isOnline()}>You are offline. 2WAY opened from the copy saved on this device.</Match>
        <Match when={state() === "ready"}>Saved on this device. 2WAY opens even without a network.</Match>
        <Match when={state() === "preparing"}>Saving a copy on this device for offline use…</Match>
        <Match when={unsupportedReason(props.status()) === "dev_server"}>
          Off on the development server. Run <code>npm start</code> for the installable build.
        </Match>
        <Match when={state() === "unsupported"}>This browser cannot keep an offline copy.</Match>
        <Match when={errorMessage(props.status())}>{(message) => <>Could not save an offline copy: {message()}</>}</Match>
      </Switch>
    </StatusRow>
  );
}

function unsupportedReason(status: OfflineStatus): string | undefined {
  return status.state === "unsupported" ? status.reason : undefined;
}

function errorMessage(status: OfflineStatus): string | undefined {
  return status.state === "error" ? status.message : undefined;
}
