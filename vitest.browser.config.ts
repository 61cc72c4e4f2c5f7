// The same core tests, run again inside Debian's Chromium (vitest browser mode + playwright-core):
// real WebCrypto, real IndexedDB, real workers. Node-only tests are named *.node.test.ts.
import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./test-support/chromium.ts";

export default defineConfig({
  // Pre-listed so vitest does not discover them mid-run and reload the page (reference pitfall 9).
  optimizeDeps: { include: ["@noble/ed25519", "@noble/hashes/sha2.js", "fast-check", "dexie", "fake-indexeddb", "comlink"] },
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
      provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] } }),
      instances: [{ browser: "chromium" }],
    },
  },
});
