// Registers the generated service worker and reports whether it controls this page, which is what
// makes the app start without a network (workbox precache of shell and node worker).
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

export type Connectivity = { readonly offlineStatus: Accessor<OfflineStatus>; readonly isOnline: Accessor<boolean> };

export function createOfflineStatus(): Connectivity {
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

  if (import.meta.env.DEV || !("serviceWorker" in navigator)) {
    const reason = import.meta.env.DEV ? "dev_server" : "no_browser_support";
    const [offlineStatus] = createSignal<OfflineStatus>({ state: "unsupported", reason });
    return { offlineStatus, isOnline };
  }

  const container = navigator.serviceWorker;
  const current = (): OfflineStatus => (container.controller ? { state: "ready" } : { state: "preparing" });
  const [offlineStatus, setOfflineStatus] = createSignal<OfflineStatus>(current());
  const onControllerChange = (): void => {
    setOfflineStatus(current());
  };
  container.addEventListener("controllerchange", onControllerChange);
  onCleanup(() => {
    container.removeEventListener("controllerchange", onControllerChange);
  });

  // registerType "autoUpdate": a new version activates (skipWaiting + clientsClaim) and reloads.
  registerSW({
    immediate: true,
    onRegisterError(error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      setOfflineStatus({ state: "error", message });
    },
  });

  return { offlineStatus, isOnline };
}
