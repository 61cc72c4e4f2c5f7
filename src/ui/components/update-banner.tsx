// "Update available — Reload": a new version waits until the person chooses, and the node stops
// cleanly before the page reloads (ADR 0006). Data lives in IndexedDB, so an update never touches it.
import { Match, Switch, type Accessor, type JSX } from "solid-js";
import type { UpdateState } from "../offline-status.ts";

export function UpdateBanner(props: { update: Accessor<UpdateState>; onReload: () => void }): JSX.Element {
  return (
    <Switch>
      <Match when={props.update() === "available"}>
        <div class="banner banner--accent" role="status" data-testid="update-banner" data-state="available">
          <span>A new version of 2WAY is ready. Your data stays as it is.</span>
          <button type="button" class="button button--small button--primary" onClick={() => props.onReload()} data-testid="update-reload">
            Reload
          </button>
        </div>
      </Match>
      <Match when={props.update() === "applying"}>
        <div class="banner banner--accent" role="status" data-testid="update-banner" data-state="applying">
          Finishing what the node is writing, then reloading…
        </div>
      </Match>
    </Switch>
  );
}
