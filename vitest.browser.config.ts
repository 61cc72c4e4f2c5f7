// The same core tests, run again inside Debian's Chromium (vitest browser mode + playwright-core):
// real WebCrypto, real IndexedDB, real workers, real WebRTC data channels on loopback.
// Node-only tests are named *.node.test.ts.
import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";
import { nodePolyfills } from "vite-plugin-node-polyfills";
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBRTC_ARGS } from "./test-support/chromium.ts";

export default defineConfig({
  // simple-peer 9 needs Buffer, process, global and the stream modules (feasibility §2).
  plugins: [
    nodePolyfills({
      include: ["buffer", "events", "stream", "util", "process"],
      globals: { Buffer: true, process: true, global: true },
    }),
  ],
  // Pre-listed so vitest does not discover them mid-run and reload the page (reference pitfall 9).
  optimizeDeps: {
    include: ["@noble/ed25519", "@noble/hashes/sha2.js", "fast-check", "dexie", "fflate", "fake-indexeddb", "comlink", "simple-peer", "uqr"],
  },
  worker: { format: "es" },
  test: {
    include: ["src/**/*.test.ts"],
    exclude: ["src/**/*.node.test.ts", "node_modules/**"],
    environment: "node", // vite-plugin-solid would force jsdom otherwise (reference pitfall 8)
    testTimeout: 60_000,
    reporters: process.env.VITEST_JSON ? ["default", ["json", { outputFile: process.env.VITEST_JSON }]] : ["default"],
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...WEBRTC_ARGS] },
        // Media permission makes Chromium offer raw 127.0.0.1 candidates instead of none (feasibility §3).
        contextOptions: { permissions: ["microphone", "camera"] },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
