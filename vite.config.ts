// Build of the PWA: Solid shell, the node as an ES-module worker chunk, and a generated service worker
// that precaches both so the app starts offline (shared/reference/browser-stack-feasibility.md §7).
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";
import { VitePWA } from "vite-plugin-pwa";
import { nodePolyfills } from "vite-plugin-node-polyfills";

const port = Number(process.env.PORT ?? 4173);

export default defineConfig({
  plugins: [
    solid(),
    // Only for simple-peer 9 on the page (src/peering): without these it builds but fails at runtime
    // with `global is not defined`, then `process is not defined` (feasibility §2).
    nodePolyfills({
      include: ["buffer", "events", "stream", "util", "process"],
      globals: { Buffer: true, process: true, global: true },
    }),
    VitePWA({
      strategies: "generateSW",
      // A new version waits for the person to choose "Reload"; the shell stops the node first (ADR 0006).
      registerType: "prompt",
      injectRegister: false, // src/ui/service-worker.ts registers through virtual:pwa-register
      manifest: {
        id: "/",
        name: "2WAY",
        short_name: "2WAY",
        description: "Your data, your keys, no server in charge.",
        start_url: "/",
        scope: "/",
        display: "standalone",
        background_color: "#f5f6f8",
        theme_color: "#f5f6f8",
        icons: [
          { src: "icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "icons/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
          { src: "icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" },
        ],
      },
      workbox: {
        // Without clientsClaim the first visit is never controlled (feasibility pitfall 5). No
        // skipWaiting: an update activates only when the shell says so, after the node has stopped.
        clientsClaim: true,
        skipWaiting: false,
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        navigateFallback: "/index.html",
      },
    }),
  ],
  worker: { format: "es" },
  build: { target: "es2022" },
  server: { host: "127.0.0.1", port, strictPort: true },
  preview: { host: "127.0.0.1", port, strictPort: true },
});
