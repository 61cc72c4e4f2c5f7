// Build of the PWA: Solid shell, the node as an ES-module worker chunk, and a generated service worker
// that precaches both so the app starts offline (shared/reference/browser-stack-feasibility.md §7).
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";
import { VitePWA } from "vite-plugin-pwa";
import { nodePolyfills } from "vite-plugin-node-polyfills";
import { headersFor, relayOrigins, shellPolicy } from "./src/ui/security-headers.ts";

const port = Number(process.env.PORT ?? 4173);
const relays = relayOrigins(process.env.TWOWAY_RELAY_ORIGINS);

/** ADR 0020: the security headers on everything `vite preview` (and so `npm start`) serves, and the
 *  shell's policy as a <meta> in the built index.html for hosts that send no headers. */
function securityHeaders(): Plugin {
  return {
    name: "twoway-security-headers",
    transformIndexHtml: {
      order: "post",
      handler(html, context) {
        if (context.server !== undefined) return html; // the dev server runs Vite's own client code
        const meta = `<meta http-equiv="Content-Security-Policy" content="${shellPolicy(relays, { meta: true })}" />`;
        return html.replace(/<meta charset="utf-8" \/>/, (charset) => `${charset}\n    ${meta}`);
      },
    },
    configurePreviewServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = new URL(request.url ?? "/", "http://x").pathname;
        for (const [name, value] of Object.entries(headersFor(path, relays))) response.setHeader(name, value);
        next();
      });
    },
  };
}

export default defineConfig({
  plugins: [
    securityHeaders(),
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
