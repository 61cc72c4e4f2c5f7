// Registers the generated service worker, reports whether it controls this page (what makes the
// app start without a network), and runs the update flow: a new version waits until the person
// chooses "Reload", and the node finishes its writes and stops before any reload (ADR 0006).
/// <reference types="vite-plugin-pwa/vanillajs" />
import { registerSW } from "virtual:pwa-register";
import { createSignal, onCleanup, type Accessor } from "solid-js";

export type OfflineStatus =
  /** No service worker here: the dev server (PWA off) or a browser without support. */
  | { readonly state: "unsupported"; readonly reason: "dev_server" | "no_browser_support" }
  /** Registered or registering, not yet controlling the page. */
  | { readonly state: "preparing" }
  /** A service worker controls the page: a reload works offline. */
  | { readonly state: "ready" }
  | { readonly state: "error"; readonly message: string };

export type UpdateState = "none" | "available" | "applying";

export type Connectivity = {
  readonly offlineStatus: Accessor<OfflineStatus>;
  readonly isOnline: Accessor<boolean>;
  readonly update: Accessor<UpdateState>;
  /** Stops the node cleanly, then lets the waiting version take over and reloads. */
  applyUpdate(): Promise<void>;
};

const UPDATE_CHECK_MS = 60 * 60 * 1000;
/** If the new version has not taken over by then, reload anyway: the node is already stopped. */
const RELOAD_FALLBACK_MS = 5_000;

function watchOnline(): Accessor<boolean> {
  const [isOnline, setOnline] = createSignal(navigator.onLine);
  const updateOnline = (): void => {
    setOnline(navigator.onLine);
  };
  window.addEventListener("online", updateOnline);
  window.addEventListener("offline", updateOnline);
  onCleanup(() => {
    window.removeEventListener("online", updateOnline);
    window.removeEventListener("offline", updateOnline);
  });
  return isOnline;
}

export function createOfflineStatus(options: { beforeReload: () => Promise<void> }): Connectivity {
  const isOnline = watchOnline();
  const [update, setUpdate] = createSignal<UpdateState>("none");

  if (import.meta.env.DEV || !("serviceWorker" in navigator)) {
    const reason = import.meta.env.DEV ? "dev_server" : "no_browser_support";
    const [offlineStatus] = createSignal<OfflineStatus>({ state: "unsupported", reason });
    return { offlineStatus, isOnline, update, applyUpdate: () => Promise.resolve() };
  }

  const container = navigator.serviceWorker;
  const current = (): OfflineStatus => (container.controller ? { state: "ready" } : { state: "preparing" });
  const [offlineStatus, setOfflineStatus] = createSignal<OfflineStatus>(current());
  const onControllerChange = (): void => {
    setOfflineStatus(current());
  };
  let updateTimer: ReturnType<typeof setInterval> | undefined;
  container.addEventListener("controllerchange", onControllerChange);
  onCleanup(() => {
    container.removeEventListener("controllerchange", onControllerChange);
    clearInterval(updateTimer);
  });

  async function reloadSafely(): Promise<void> {
    setUpdate("applying");
    await options.beforeReload();
    window.location.reload();
  }

  // registerType "prompt": a new version installs and waits; nothing reloads until someone chooses to.
  const skipWaiting = registerSW({
    immediate: true,
    onNeedRefresh() {
      setUpdate("available");
    },
    // Another tab chose "Reload": this one also stops its node before it reloads, never mid-write.
    onNeedReload() {
      void reloadSafely();
    },
    onRegisteredSW(_url: string, registration: ServiceWorkerRegistration | undefined) {
      if (registration === undefined) return;
      updateTimer = setInterval(() => void registration.update().catch(() => undefined), UPDATE_CHECK_MS);
    },
    onRegisterError(error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      setOfflineStatus({ state: "error", message });
    },
  });

  async function applyUpdate(): Promise<void> {
    setUpdate("applying");
    await options.beforeReload();
    await skipWaiting();
    setTimeout(() => window.location.reload(), RELOAD_FALLBACK_MS);
  }

  return { offlineStatus, isOnline, update, applyUpdate };
}
