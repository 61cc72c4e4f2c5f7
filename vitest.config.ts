// Node-side unit, property and conformance tests (core on fake-indexeddb, protocol vectors).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "signal/**/*.test.ts", "workers/**/*.test.ts"],
    exclude: ["src/**/*.browser.test.ts", "node_modules/**"],
    testTimeout: 20_000,
    reporters: process.env.VITEST_JSON ? ["default", ["json", { outputFile: process.env.VITEST_JSON }]] : ["default"],
  },
});
