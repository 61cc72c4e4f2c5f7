// Node-side unit, property and conformance tests (core on fake-indexeddb, protocol vectors), and once
// more the kernel and sync suites with the node database on SQLite, as a headless peer keeps it (ADR 0022).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    testTimeout: 20_000,
    reporters: process.env.VITEST_JSON ? ["default", ["json", { outputFile: process.env.VITEST_JSON }]] : ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          include: ["src/**/*.test.ts", "signal/**/*.test.ts", "workers/**/*.test.ts"],
          exclude: ["src/**/*.browser.test.ts", "node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "node-sqlite",
          // The acceptance suites build every node through startNode (fixtures.ts), which the setup file points at SQLite.
          include: ["src/core/acceptance/**/*.test.ts"],
          // These two tamper with the raw IndexedDB (and the second opens a Dexie StorageManager itself);
          // on SQLite the same cases are src/node-peer/storage/sqlite-integrity.node.test.ts.
          exclude: [
            "src/**/*.browser.test.ts",
            "node_modules/**",
            "src/core/acceptance/integrity-at-rest.test.ts",
            "src/core/acceptance/integrity-check-window.test.ts",
          ],
          setupFiles: ["src/node-peer/test-support/sqlite-test-storage.ts"],
        },
      },
    ],
  },
});
