// The shell's root: starts the node connection (one node per origin, ADR 0006), the offline copy
// and the update flow, then shows the gate the tab is at or the running shell with its views.
import { createEffect, createResource, createSignal, Match, on, Switch, type JSX } from "solid-js";
import type { NodeInfo } from "../rpc/node-api.ts";
import { OfflineBanner } from "./components/offline-banner.tsx";
import { TopBar } from "./components/top-bar.tsx";
import { UpdateBanner } from "./components/update-banner.tsx";
import { createHashRoute } from "./hash-route.ts";
import { createNodeConnection, type ConnectionPhase } from "./node-connection.ts";
import { createOfflineStatus, type Connectivity } from "./offline-status.ts";
import { ActivityPage } from "./pages/activity-page.tsx";
import { AppsPage } from "./pages/apps-page.tsx";
import { DevicesPage } from "./pages/devices-page.tsx";
import { RemovedDeviceNotice } from "./components/removed-device-notice.tsx";
import { ElsewherePage } from "./pages/elsewhere-page.tsx";
import { HealthPage } from "./pages/health-page.tsx";
import { HomePage } from "./pages/home-page.tsx";
import { PeersPage } from "./pages/peers-page.tsx";
import { RecoveryPage } from "./pages/recovery-page.tsx";
import { StartingPage } from "./pages/starting-page.tsx";
import { WelcomePage } from "./pages/welcome-page.tsx";
import { ShellContext, shellIdentity, type Shell } from "./shell-context.tsx";
import { createShellPeering } from "./shell-peering.ts";
import { createPersistence } from "./storage-persistence.ts";
import { exposeTestHook } from "./test-hook.ts";

function readyInfo(phase: ConnectionPhase): NodeInfo | undefined {
  return phase.state === "ready" ? phase.info : undefined;
}

function elsewhere(phase: ConnectionPhase): { state: "waiting" | "moved"; requested: boolean } | undefined {
  if (phase.state === "waiting") return { state: "waiting", requested: phase.requested };
  return phase.state === "moved" ? { state: "moved", requested: false } : undefined;
}

/** The running shell: first run, or the header and the current view. */
function RunningShell(props: { shell: Shell; info: NodeInfo; connectivity: Connectivity }): JSX.Element {
  const { route } = createHashRoute();
  // Decided once per page load: a person who created their identity sees the recovery step next.
  const [onboarding, setOnboarding] = createSignal<boolean>();
  createEffect(() => {
    const listed = props.shell.identities();
    if (onboarding() === undefined && listed?.ok) setOnboarding(listed.value.length === 0);
  });

  return (
    <Switch fallback={<StartingPage phase={{ state: "starting" }} onRetry={() => undefined} />}>
      <Match when={onboarding() === true}>
        <WelcomePage
          onDone={() => {
            setOnboarding(false);
            window.scrollTo({ top: 0 });
          }}
        />
      </Match>
      <Match when={onboarding() === false}>
        <TopBar route={route()} identity={shellIdentity(props.shell)} />
        <RemovedDeviceNotice />
        <Switch>
          <Match when={route() === "activity" || route() === "rejected"}>
            <ActivityPage view={route() === "rejected" ? "rejected" : "activity"} />
          </Match>
          <Match when={route() === "apps"}>
            <AppsPage />
          </Match>
          <Match when={route() === "peers"}>
            <PeersPage />
          </Match>
          <Match when={route() === "health"}>
            <HealthPage info={props.info} />
          </Match>
          <Match when={route() === "devices"}>
            <DevicesPage />
          </Match>
          <Match when={route() === "recovery"}>
            <RecoveryPage />
          </Match>
          <Match when={true}>
            <HomePage info={props.info} offlineStatus={props.connectivity.offlineStatus} isOnline={props.connectivity.isOnline} />
          </Match>
        </Switch>
      </Match>
    </Switch>
  );
}

export function App(): JSX.Element {
  const connection = createNodeConnection();
  const persistence = createPersistence();
  const connectivity = createOfflineStatus({ beforeReload: () => connection.closeForUpdate() });
  const peering = createShellPeering(connection);
  exposeTestHook(connection, peering);

  const ready = () => readyInfo(connection.phase());
  const [identities] = createResource(
    () => (ready() === undefined ? false : connection.revision() + 1),
    () => connection.call("listIdentities"),
  );
  createEffect(
    on(ready, (info) => {
      if (info === undefined) return;
      void persistence.check();
      // The remembered relay room (if any) is joined again as soon as the node can take sessions.
      peering.room.start();
    }),
  );
  // Ask the browser to keep the data once there is some to keep: the person's identity (a first run
  // asks right after creating it). The answer is shown, never assumed (storage-persistence.ts).
  createEffect(() => {
    const listed = identities();
    if (listed?.ok && listed.value.length > 0 && !persistence.asked()) void persistence.request();
  });
  const shell: Shell = { connection, persistence, identities, peering };

  return (
    <ShellContext.Provider value={shell}>
      <div class="page" data-testid="shell" data-phase={connection.phase().state}>
        <UpdateBanner update={connectivity.update} onReload={() => void connectivity.applyUpdate()} />
        <OfflineBanner isOnline={connectivity.isOnline} />
        <Switch fallback={<StartingPage phase={connection.phase()} onRetry={() => connection.retry()} />}>
          <Match when={elsewhere(connection.phase())}>
            {(gate) => <ElsewherePage state={gate().state} requested={gate().requested} onUseHere={() => connection.useHere()} />}
          </Match>
          <Match when={ready()}>{(info) => <RunningShell shell={shell} info={info()} connectivity={connectivity} />}</Match>
        </Switch>
      </div>
    </ShellContext.Provider>
  );
}
