// The landing screen: what 2WAY is, and the state of the node running on this device.
import { Show, type Accessor, type JSX } from "solid-js";
import { BrandMark } from "../components/brand-mark.tsx";
import { NodeStatusRow } from "../components/node-status-row.tsx";
import { OfflineStatusRow } from "../components/offline-status-row.tsx";
import type { NodeStatus } from "../node-status.ts";
import type { OfflineStatus } from "../offline-status.ts";

export function HomePage(props: {
  nodeStatus: Accessor<NodeStatus>;
  offlineStatus: Accessor<OfflineStatus>;
  isOnline: Accessor<boolean>;
}): JSX.Element {
  return (
    <div class="page">
      <Show when={!props.isOnline()}>
        <div class="banner" role="status" data-testid="offline-banner">
          Offline. Your node keeps running on this device.
        </div>
      </Show>
      <main class="home">
        <header class="hero">
          <BrandMark size={72} />
          <h1 class="hero__title">2WAY</h1>
          <p class="hero__tagline">Your data, your keys, no server in charge.</p>
        </header>

        <section class="card" aria-labelledby="device-heading">
          <h2 id="device-heading" class="card__title">
            This device
          </h2>
          <ul class="card__rows">
            <NodeStatusRow status={props.nodeStatus} />
            <OfflineStatusRow status={props.offlineStatus} isOnline={props.isOnline} />
          </ul>
        </section>

        <p class="footnote">
          The full node runs inside this browser. It keeps its own keys and history and accepts only signed, authorized changes.
        </p>
      </main>
    </div>
  );
}
