// The e2e journeys on @playwright/test: every `e2e/*.spec.ts` exports `cases` (support/harness.ts),
// registered as tests by e2e/journeys.playwright.ts. One worker: a journey starts several Chromiums
// and the machine has two cores. Debian's Chromium only (never a download); the build is served by
// `vite preview` on 127.0.0.1, started and stopped by PID in e2e/support/global-setup.ts.
//   npx playwright test [--grep "<name>"]        E2E_SKIP_BUILD=1 reuses dist/
// Failed cases leave traces in e2e/artifacts/e2e-results and the HTML report in e2e/artifacts/e2e-report.
import { defineConfig, type ReporterDescription } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./test-support/chromium.ts";

// A second run in the same `npm test` (the contended one) names its own folders, so it does not
// wipe the first run's traces and report.
const run = process.env.E2E_RUN_NAME ?? "e2e";
const reporters: ReporterDescription[] = [
  ["list"],
  // open: "never", or a failed run would serve the report and never exit.
  ["html", { outputFolder: `e2e/artifacts/${run}-report`, open: "never" }],
];
// scripts/test.mjs reads the counts from this report for the suite's closing line.
if (process.env.E2E_JSON) reporters.push(["json", { outputFile: process.env.E2E_JSON }]);

export default defineConfig({
  testDir: "e2e",
  testMatch: "journeys.playwright.ts",
  globalSetup: "./e2e/support/global-setup.ts",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  // Each case sets its own limit (E2eCase.timeoutMs); this is the default for one that does not.
  timeout: 60_000,
  reporter: reporters,
  // Traces of a failed case stay here (and in the HTML report); a passing case's folder is removed.
  outputDir: `e2e/artifacts/${run}-results`,
  preserveOutput: "failures-only",
  use: {
    // Only for a test that uses Playwright's own browser fixtures; the journeys launch through
    // test-support/chromium.ts, which uses the same binary and flags.
    launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] },
  },
});
