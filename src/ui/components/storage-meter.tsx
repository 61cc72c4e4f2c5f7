// How much of the browser's quota this origin uses, and whether the browser promised to keep it.
import { Match, Show, Switch, type JSX } from "solid-js";
import type { StorageUse } from "../../rpc/node-api.ts";
import { formatBytes } from "../display-format.ts";
import type { PersistenceState } from "../storage-persistence.ts";
import { BEST_EFFORT_WORDS } from "./persistence-row.tsx";

export function StorageMeter(props: { storage: StorageUse; persistence: PersistenceState; onRequestPersistence: () => void }): JSX.Element {
  const fraction = () => {
    const { usageBytes, quotaBytes } = props.storage;
    return usageBytes !== null && quotaBytes !== null && quotaBytes > 0 ? Math.min(1, usageBytes / quotaBytes) : null;
  };
  const persisted = () => props.storage.persisted === true || props.persistence === "persistent";
  return (
    <div class="storage" data-testid="storage-meter" data-persisted={String(persisted())}>
      <div class="storage__numbers">
        <span class="storage__used" data-testid="storage-usage">
          {props.storage.usageBytes === null ? "Unknown" : formatBytes(props.storage.usageBytes)}
        </span>
        <Show when={props.storage.quotaBytes !== null}>
          <span class="storage__quota">of {formatBytes(props.storage.quotaBytes ?? 0)} available to 2WAY</span>
        </Show>
      </div>
      <div class="meter" aria-hidden="true">
        <div class="meter__fill" style={{ width: `${Math.max(0.6, (fraction() ?? 0) * 100)}%` }} />
      </div>
      <div class="storage__persistence" data-testid="storage-persistence">
        <Switch>
          <Match when={persisted()}>
            <span class="pill pill--ok">
              <span class="pill__dot" aria-hidden="true" />
              Persistent
            </span>
            <span>The browser will not clear 2WAY's data to free space.</span>
          </Match>
          <Match when={props.persistence === "unsupported"}>
            <span class="pill pill--neutral">Not available</span>
            <span>This browser cannot promise to keep the data.</span>
          </Match>
          <Match when={true}>
            <span class="pill pill--pending">
              <span class="pill__dot" aria-hidden="true" />
              Best effort
            </span>
            <span>{BEST_EFFORT_WORDS}</span>
            <button
              type="button"
              class="button button--small"
              onClick={() => props.onRequestPersistence()}
              data-testid="request-persistence"
            >
              Ask again
            </button>
          </Match>
        </Switch>
      </div>
    </div>
  );
}
