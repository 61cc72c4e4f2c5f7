// The shell's root: starts the node worker and the offline copy, then shows the landing page.
import { onCleanup, type JSX } from "solid-js";
import { createNodeClient } from "./node-client.ts";
import { createNodeStatus } from "./node-status.ts";
import { createOfflineStatus } from "./offline-status.ts";
import { HomePage } from "./pages/home-page.tsx";

export function App(): JSX.Element {
  const client = createNodeClient();
  onCleanup(() => {
    client.dispose();
  });
  const nodeStatus = createNodeStatus(client);
  const { offlineStatus, isOnline } = createOfflineStatus();

  return <HomePage nodeStatus={nodeStatus} offlineStatus={offlineStatus} isOnline={isOnline} />;
}
