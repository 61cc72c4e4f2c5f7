// Home: who the shell acts for, the apps on this node, and the state of this device.
import { createResource, createSignal, For, Show, type Accessor, type JSX } from "solid-js";
import type { NodeInfo } from "../../rpc/node-api.ts";
import { AppCard } from "../components/app-card.tsx";
import { AppFrame } from "../components/app-frame.tsx";
import { ContactsPanel } from "../components/contacts-panel.tsx";
import { Icon } from "../components/icon.tsx";
import { NodeStatusRow } from "../components/node-status-row.tsx";
import { OfflineStatusRow } from "../components/offline-status-row.tsx";
import { PersistenceRow } from "../components/persistence-row.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";
import { ResultView } from "../components/result-view.tsx";
import { routeHref } from "../hash-route.ts";
import type { OfflineStatus } from "../offline-status.ts";
import { shellIdentity, useShell } from "../shell-context.tsx";

export function HomePage(props: { info: NodeInfo; offlineStatus: Accessor<OfflineStatus>; isOnline: Accessor<boolean> }): JSX.Element {
  const shell = useShell();
  const [apps] = createResource(() => shell.connection.call("listApps"));
  const [open, setOpen] = createSignal<string | undefined>();
  const firstName = () => shellIdentity(shell)?.name?.split(/\s+/)[0] ?? "there";

  return (
    <main class="content" data-testid="home">
      <header class="page-head">
        <h1 class="page-head__title" data-testid="greeting">
          Hello, <bdi>{firstName()}</bdi>
        </h1>
        <p class="page-head__lead">Your node is running on this device. Everything below is stored here and signed by you.</p>
      </header>

      <div class="layout">
        <div class="layout__main">
          <section aria-labelledby="apps-heading">
            <h2 id="apps-heading" class="section-title">
              Apps
            </h2>
            <Show when={open()} keyed>
              {(slug) => <AppFrame slug={slug} onClose={() => setOpen(undefined)} />}
            </Show>
            <ResultView result={apps()} fallback={<ProgressBar label="Loading apps…" />}>
              {(list) => (
                <ul class="app-grid" data-testid="app-list">
                  <For each={list.filter((app) => app.slug !== "system")}>{(app) => <AppCard app={app} onOpen={setOpen} />}</For>
                </ul>
              )}
            </ResultView>
            <p class="fineprint">
              The built-in apps are signed packages of this release, trusted by their pinned digests; other apps install only from
              publishers you trust.
            </p>
          </section>
          <ContactsPanel />
        </div>

        <aside class="layout__side">
          <section class="card" aria-labelledby="device-heading">
            <h2 id="device-heading" class="card__title">
              This device
            </h2>
            <ul class="card__rows">
              <NodeStatusRow info={props.info} />
              <OfflineStatusRow status={props.offlineStatus} isOnline={props.isOnline} />
              <PersistenceRow state={shell.persistence.state()} onAsk={() => void shell.persistence.request()} />
            </ul>
          </section>
          <a class="card link-card" href={routeHref("recovery")} data-testid="recovery-link">
            <Icon name="shield" size={22} class="link-card__icon" />
            <span>
              <span class="link-card__title">Recovery file</span>
              <span class="link-card__text">Keep a copy of your public identity and signed history.</span>
            </span>
          </a>
          <a class="card link-card" href={routeHref("activity")}>
            <Icon name="activity" size={22} class="link-card__icon" />
            <span>
              <span class="link-card__title">Activity</span>
              <span class="link-card__text">Every change this node accepted, and everything it refused.</span>
            </span>
          </a>
        </aside>
      </div>
    </main>
  );
}
