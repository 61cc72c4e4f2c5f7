// `npm test`: the README's one command that runs every test on a fresh clone. It installs what is
// missing, runs types and lint, the Node suites, the same core suites inside Chromium, and the e2e
// journeys (the resume journey once more under CPU contention), then prints one closing line
// `tests: N passed, N failed`.
// Browser suites run inside `unshare -n` with only `lo` up when we may (root on Linux): no packet leaves.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, ensureChromium, ensureDeps } from "./ensure-deps.mjs";
import { canIsolateNetwork, isolatedArgv } from "./netns.mjs";

const RESULTS = join(ROOT, ".test-results");

/** Runs a command, optionally in a fresh network namespace with only loopback up. */
function run(label, command, args, { isolated = false, env = {} } = {}) {
  console.log(`\n━━ ${label}${isolated ? " (network namespace: loopback only)" : ""}`);
  const [bin, argv] = isolated ? isolatedArgv(command, args) : [command, args];
  const result = spawnSync(bin, argv, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
  return result.status === 0;
}

/** Counts from a vitest JSON report; a missing report counts as one failure (the suite did not run). */
function vitestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const report = JSON.parse(readFileSync(file, "utf8"));
  return { passed: report.numPassedTests, failed: report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0) };
}

/**
 * Counts from a Playwright JSON report: a flaky case passed on a retry (there are none: retries 0);
 * a run error (global setup, a spec that did not load) counts as one failure.
 */
function playwrightCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const { stats, errors = [] } = JSON.parse(readFileSync(file, "utf8"));
  return { passed: stats.expected + stats.flaky, failed: stats.unexpected + (errors.length > 0 ? 1 : 0) };
}

const totals = { passed: 0, failed: 0 };
const failedSteps = [];
function record(step, ok, counts = { passed: ok ? 1 : 0, failed: ok ? 0 : 1 }) {
  totals.passed += counts.passed;
  // A suite that failed without a failing test (a file that did not load) still counts as a failure.
  totals.failed += ok ? counts.failed : Math.max(counts.failed, 1);
  if (!ok || counts.failed > 0) failedSteps.push(step);
}

ensureDeps();
ensureChromium();
rmSync(RESULTS, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });
const isolated = canIsolateNetwork();
if (!isolated) console.log("note: not root or no unshare here; browser suites run on the host network (loopback targets only)");

const npx = join(ROOT, "node_modules", ".bin");
record("typecheck core", run("typecheck (core realm, no DOM)", join(npx, "tsc"), ["-p", "tsconfig.core.json", "--noEmit"]));
record("typecheck", run("typecheck (shell, worker, tests)", join(npx, "tsc"), ["-p", "tsconfig.json", "--noEmit"]));
record("lint", run("lint", join(npx, "eslint"), ["--max-warnings=0", "."]));

const unitReport = join(RESULTS, "unit.json");
const unitOk = run("unit, property and conformance tests (Node)", join(npx, "vitest"), ["run", "--config", "vitest.config.ts"], {
  env: { VITEST_JSON: unitReport },
});
record("unit", unitOk, vitestCounts(unitReport));

const browserReport = join(RESULTS, "browser.json");
const browserOk = run(
  "core tests in Chromium (vitest browser mode)",
  join(npx, "vitest"),
  ["run", "--config", "vitest.browser.config.ts"],
  {
    isolated,
    env: { VITEST_JSON: browserReport },
  },
);
record("browser", browserOk, vitestCounts(browserReport));

// The journeys on @playwright/test (playwright.config.ts); never a browser download.
const playwrightEnv = { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" };
const e2eReport = join(RESULTS, "e2e.json");
const e2eOk = run("end-to-end journeys (Chromium, @playwright/test)", join(npx, "playwright"), ["test"], {
  isolated,
  env: { ...playwrightEnv, E2E_JSON: e2eReport },
});
record("e2e", e2eOk, playwrightCounts(e2eReport));

// Once, the resume journey again beside two busy loops (issue 13: resume must hold on a busy machine).
// It reuses the dist/ just built and is bounded by the journey's own time limit.
const contendedReport = join(RESULTS, "e2e-contended.json");
const contendedOk = run(
  "resume journey under CPU contention (2 busy loops)",
  process.execPath,
  ["scripts/cpu-hogs.mjs", "2", "--", join(npx, "playwright"), "test", "--grep", "resume after a killed channel"],
  { isolated, env: { ...playwrightEnv, E2E_JSON: contendedReport, E2E_SKIP_BUILD: "1", E2E_RUN_NAME: "e2e-contended" } },
);
record("e2e contended", contendedOk, playwrightCounts(contendedReport));

console.log(`\n━━ summary: ${failedSteps.length === 0 ? "all steps passed" : `failed steps: ${failedSteps.join(", ")}`}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(failedSteps.length === 0 ? 0 : 1);
