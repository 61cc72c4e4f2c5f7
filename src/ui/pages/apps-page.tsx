// Apps: the installed apps and their lifecycle, installing a package a person picks (the ZIP and its
// .sig.json), deciding to trust its publisher after seeing who it is, and opening an app in its frame.
import { createResource, createSignal, For, Show, type JSX } from "solid-js";
import type { AppSummary, PackagePreviewSummary } from "../../rpc/node-api.ts";
import { AppFrame } from "../components/app-frame.tsx";
import { ErrorNotice } from "../components/error-notice.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";
import { ResultView } from "../components/result-view.tsx";
import { TrustedPublishers } from "../components/trusted-publishers.tsx";
import type { ShellError, ShellResult } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";

type Picked = { zip: Uint8Array; signature: string };

async function readPicked(files: FileList | null): Promise<Picked | string> {
  const list = [...(files ?? [])];
  const zip = list.find((f) => f.name.endsWith(".zip"));
  const sig = list.find((f) => f.name.endsWith(".sig.json"));
  if (zip === undefined || sig === undefined) return "Pick the package (.zip) and its signature (.zip.sig.json) together.";
  return { zip: new Uint8Array(await zip.arrayBuffer()), signature: await sig.text() };
}

export function AppsPage(): JSX.Element {
  const shell = useShell();
  const [apps, { refetch: refetchApps }] = createResource(() => shell.connection.call("listApps"));
  const [publishers, { refetch: refetchPublishers }] = createResource(() => shell.connection.call("listTrustedPublishers"));
  const refetch = () => Promise.all([refetchApps(), refetchPublishers()]);
  const [picked, setPicked] = createSignal<Picked | undefined>();
  const [preview, setPreview] = createSignal<PackagePreviewSummary | undefined>();
  const [error, setError] = createSignal<ShellError | undefined>();
  const [open, setOpen] = createSignal<string | undefined>();

  async function settle<T>(result: ShellResult<T>, then?: (value: T) => void): Promise<void> {
    if (!result.ok) setError(result.error);
    else {
      setError(undefined);
      then?.(result.value);
    }
    await refetch();
  }

  async function pick(input: HTMLInputElement): Promise<void> {
    setPreview(undefined);
    setError(undefined);
    const read = await readPicked(input.files);
    // Cleared, so picking the same files again (after an uninstall, say) is a new choice.
    input.value = "";
    if (typeof read === "string") {
      setError({ code: "object_invalid", category: "structural", message: read, data: {} } as ShellError);
      return;
    }
    setPicked(read);
    await settle(await shell.connection.call("inspectPackage", read), setPreview);
  }

  async function withPackage(method: "trustPublisher" | "installApp" | "upgradeApp"): Promise<void> {
    const pkg = picked();
    if (pkg === undefined) return;
    if (method === "trustPublisher") await settle(await shell.connection.call(method, pkg), setPreview);
    else await settle(await shell.connection.call(method, pkg), () => setPreview(undefined));
  }

  async function distrust(publisherId: string): Promise<void> {
    setOpen(undefined);
    setPreview(undefined);
    await settle(await shell.connection.call("distrustPublisher", { publisherId }));
  }

  async function lifecycle(method: "enableApp" | "disableApp" | "uninstallApp", slug: string): Promise<void> {
    if (method !== "enableApp" && open() === slug) setOpen(undefined);
    await settle(await shell.connection.call(method, { slug }));
  }

  return (
    <main class="content" data-testid="apps-page">
      <header class="page-head">
        <h1 class="page-head__title">Apps</h1>
        <p class="page-head__lead">Apps run in sealed frames: they reach your node only through their own port, and nothing else.</p>
      </header>
      <Show when={error()}>{(e) => <ErrorNotice error={e()} />}</Show>
      <Show when={open()} keyed>
        {(slug) => <AppFrame slug={slug} onClose={() => setOpen(undefined)} />}
      </Show>
      <section aria-labelledby="install-heading">
        <h2 id="install-heading" class="section-title">
          Install from a file
        </h2>
        <input
          type="file"
          multiple
          accept=".zip,.json"
          aria-labelledby="install-heading"
          data-testid="package-files"
          onChange={(e) => void pick(e.currentTarget)}
        />
        <Show when={preview()}>
          {(p) => (
            <PackagePreview
              preview={p()}
              onTrust={() => void withPackage("trustPublisher")}
              onInstall={() => void withPackage("installApp")}
              onUpgrade={() => void withPackage("upgradeApp")}
            />
          )}
        </Show>
      </section>
      <section aria-labelledby="installed-heading">
        <h2 id="installed-heading" class="section-title">
          Installed
        </h2>
        <ResultView result={apps()} fallback={<ProgressBar label="Loading apps…" />}>
          {(list) => (
            <ul class="app-rows" data-testid="installed-apps">
              <For each={list.filter((app) => app.slug !== "system")}>
                {(app) => <AppRow app={app} onOpen={() => setOpen(app.slug)} onChange={(m) => void lifecycle(m, app.slug)} />}
              </For>
            </ul>
          )}
        </ResultView>
      </section>
      <section aria-labelledby="publishers-heading">
        <h2 id="publishers-heading" class="section-title">
          Publishers you trust
        </h2>
        <ResultView result={publishers()} fallback={<ProgressBar label="Loading publishers…" />}>
          {(list) => <TrustedPublishers publishers={list} onDistrust={(id) => void distrust(id)} />}
        </ResultView>
      </section>
    </main>
  );
}

function PackagePreview(props: {
  preview: PackagePreviewSummary;
  onTrust: () => void;
  onInstall: () => void;
  onUpgrade: () => void;
}): JSX.Element {
  const p = () => props.preview;
  const privateTypes = () =>
    Object.entries(p().readDefaults)
      .filter(([, rule]) => rule === "owner")
      .map(([typeKey]) => typeKey);
  return (
    <div class="card" data-testid="package-preview" data-trust={p().trust}>
      <h3>
        {p().title} <span data-testid="preview-version">{p().version}</span>
      </h3>
      <p>{p().description}</p>
      <p>
        Published by <strong data-testid="publisher-name">{p().publisher.name || "an unnamed publisher"}</strong>, key{" "}
        <code data-testid="publisher-fingerprint">{p().publisher.fingerprint}</code>
      </p>
      <p>Asks for: {p().capabilities.length === 0 ? "nothing beyond its own data" : p().capabilities.join(", ")}</p>
      <Show when={privateTypes().length > 0}>
        <p data-testid="private-types">Private to each person who writes them, never shared with peers: {privateTypes().join(", ")}</p>
      </Show>
      <Show when={p().trust === "none"}>
        <button type="button" class="button" data-testid="trust-publisher" onClick={() => props.onTrust()}>
          Trust {p().publisher.name || "this publisher"}
        </button>
      </Show>
      <Show when={p().trust !== "none" && p().installedVersion === null}>
        <button type="button" class="button" data-testid="install-app" onClick={() => props.onInstall()}>
          Install
        </button>
      </Show>
      <Show when={p().trust !== "none" && p().installedVersion !== null && p().installedVersion !== p().version}>
        <button type="button" class="button" data-testid="upgrade-app" onClick={() => props.onUpgrade()}>
          Upgrade from {p().installedVersion}
        </button>
      </Show>
    </div>
  );
}

function AppRow(props: {
  app: AppSummary;
  onOpen: () => void;
  onChange: (method: "enableApp" | "disableApp" | "uninstallApp") => void;
}): JSX.Element {
  const a = () => props.app;
  return (
    <li class="app-row" data-testid="app-row" data-slug={a().slug} data-state={a().state} data-version={a().version}>
      <span class="app-row__title">
        {a().title} · v{a().version}
      </span>
      <Show when={a().state !== "removed"}>
        <button type="button" class="button button--quiet" data-testid="open-app" onClick={() => props.onOpen()}>
          Open
        </button>
      </Show>
      <Show when={a().state === "installed_enabled"}>
        <button type="button" class="button button--quiet" data-testid="disable-app" onClick={() => props.onChange("disableApp")}>
          Turn off
        </button>
      </Show>
      <Show when={a().state === "installed_disabled"}>
        <button type="button" class="button button--quiet" data-testid="enable-app" onClick={() => props.onChange("enableApp")}>
          Turn on
        </button>
        <button type="button" class="button button--quiet" data-testid="uninstall-app" onClick={() => props.onChange("uninstallApp")}>
          Uninstall (keeps data)
        </button>
      </Show>
    </li>
  );
}
