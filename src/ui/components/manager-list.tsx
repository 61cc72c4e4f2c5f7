// Readiness of each node manager, as the Health manager reports it.
import { For, type JSX } from "solid-js";
import type { ManagerReadiness } from "../../rpc/node-api.ts";
import { formatTimestamp, formatWhen } from "../display-format.ts";

const NAMES: Readonly<Record<string, { title: string; role: string }>> = {
  storage: { title: "Storage", role: "Envelopes and objects in IndexedDB" },
  config: { title: "Config", role: "Settings and limits" },
  log: { title: "Audit log", role: "Hash-chained record of every outcome" },
  key: { title: "Keys", role: "Non-extractable signing keys" },
  app: { title: "Apps", role: "Installed apps and their schemas" },
  graph: { title: "Graph", role: "The write path and reads" },
  auth: { title: "Sessions", role: "Who may act for which app" },
  event: { title: "Events", role: "Change notices for open apps" },
  state: { title: "Sync state", role: "Cursors and packages per peer" },
  network: { title: "Network", role: "Peers and admission" },
  dos_guard: { title: "DoS guard", role: "Puzzles and rate limits" },
};

const TONES: Readonly<Record<ManagerReadiness["state"], string>> = {
  healthy: "ok",
  starting: "pending",
  degraded: "pending",
  failed: "error",
  stopped: "neutral",
};

export function ManagerList(props: { managers: readonly ManagerReadiness[] }): JSX.Element {
  return (
    <ul class="managers" data-testid="manager-list">
      <For each={props.managers}>
        {(manager) => (
          <li class="manager" data-testid="manager" data-name={manager.name} data-state={manager.state}>
            <div class="manager__head">
              <span class="manager__title">{NAMES[manager.name]?.title ?? manager.name}</span>
              <span class={`pill pill--${TONES[manager.state]}`}>
                <span class="pill__dot" aria-hidden="true" />
                {manager.state[0]!.toUpperCase() + manager.state.slice(1)}
              </span>
            </div>
            <p class="manager__role">{manager.detail ?? NAMES[manager.name]?.role ?? (manager.critical ? "Critical" : "Optional")}</p>
            <p class="manager__since" title={formatTimestamp(manager.since)}>
              since {formatWhen(manager.since)}
            </p>
          </li>
        )}
      </For>
    </ul>
  );
}
