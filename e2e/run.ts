// e2e runner: builds the app, serves it with `vite preview` on 127.0.0.1, runs every e2e/*.spec.ts
// in Debian's Chromium, and ends with "e2e: N passed, N failed" (exit 1 on any failure).
//   npx tsx e2e/run.ts [name-filter]      E2E_SKIP_BUILD=1 reuses dist/
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ensureChromium } from "../scripts/ensure-deps.mjs";
import { launchChromium, type LaunchedBrowser } from "../test-support/chromium.ts";
import type { E2eCase, E2eContext } from "./support/harness.ts";
import { freePort, startPreview, type PreviewServer } from "./support/preview-server.ts";

const e2eDir = dirname(fileURLToPath(import.meta.url));
const root = join(e2eDir, "..");
const artifactsDir = join(e2eDir, "artifacts");
const DEFAULT_TIMEOUT_MS = 60_000;

type Outcome = { passed: number; failed: number };

function build(): void {
  console.log("e2e: vite build");
  const result = spawnSync(join(root, "node_modules", ".bin", "vite"), ["build"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
}

async function loadSpecs(filter: string | undefined): Promise<Array<{ file: string; cases: E2eCase[] }>> {
  const files = readdirSync(e2eDir)
    .filter((file) => file.endsWith(".spec.ts"))
    .sort();
  const specs = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(e2eDir, file)).href)) as { cases?: E2eCase[] };
    if (!Array.isArray(module.cases)) throw new Error(`${file} does not export a "cases" array`);
    const cases = module.cases.filter((c) => filter === undefined || `${file} ${c.name}`.includes(filter));
    if (cases.length > 0) specs.push({ file, cases });
  }
  return specs;
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function runCase(testCase: E2eCase, baseUrl: string): Promise<void> {
  const browsers: LaunchedBrowser[] = [];
  const profileDirs: string[] = [];
  const ctx: E2eContext = {
    baseUrl,
    profileDir() {
      const dir = mkdtempSync(join(tmpdir(), "twoway-e2e-profile-"));
      profileDirs.push(dir);
      return dir;
    },
    async launch(options = {}) {
      const browser = await launchChromium({
        ...(options.profileDir === undefined ? {} : { profileDir: options.profileDir }),
        ...(options.webrtc === true ? { webrtc: true } : {}),
      });
      browsers.push(browser);
      if (options.webrtc === true) {
        // Media permission makes Chromium offer 127.0.0.1 candidates (reference: WebRTC recipe); and
        // every link this browser makes keeps loopback candidates only.
        await browser.context.grantPermissions(["microphone", "camera"], { origin: new URL(baseUrl).origin });
        await browser.context.addInitScript(() => localStorage.setItem("twoway.peering.loopback-only", "1"));
      }
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      let closed = false;
      return {
        context: browser.context,
        page,
        profileDir: browser.profileDir,
        async close() {
          if (closed) return;
          closed = true;
          browsers.splice(browsers.indexOf(browser), 1);
          await browser.close();
        },
      };
    },
    async screenshot(page, name) {
      const path = join(artifactsDir, `${name}.png`);
      // A full-page shot of a scrolled page would draw the sticky header mid-page; let colour
      // transitions (after emulateMedia) settle too.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(250);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
  };
  const work = testCase.run(ctx);
  try {
    await withTimeout(work, testCase.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } finally {
    work.catch(() => undefined); // after a timeout the case may still reject once its browser closes
    for (const browser of [...browsers]) await browser.close().catch(() => undefined);
    for (const dir of profileDirs) rmSync(dir, { recursive: true, force: true });
  }
}

async function runAll(baseUrl: string, filter: string | undefined): Promise<Outcome> {
  const outcome: Outcome = { passed: 0, failed: 0 };
  const specs = await loadSpecs(filter);
  if (specs.length === 0) throw new Error(filter ? `no e2e case matches "${filter}"` : "no e2e specs found");
  for (const spec of specs) {
    console.log(`\n${spec.file}`);
    for (const testCase of spec.cases) {
      const started = performance.now();
      try {
        await runCase(testCase, baseUrl);
        outcome.passed += 1;
        console.log(`  ✓ ${testCase.name} (${Math.round(performance.now() - started)} ms)`);
      } catch (error) {
        outcome.failed += 1;
        console.log(`  ✗ ${testCase.name} (${Math.round(performance.now() - started)} ms)`);
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        console.log(text.replace(/^/gm, "      "));
      }
    }
  }
  return outcome;
}

async function main(): Promise<number> {
  const filter = process.argv[2];
  mkdirSync(artifactsDir, { recursive: true });
  let server: PreviewServer | undefined;
  const stopServer = (): void => {
    // Synchronous last resort on exit; the normal path awaits server.stop() below.
    if (server) {
      try {
        process.kill(server.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  };
  process.once("exit", stopServer);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stopServer();
      process.exit(130);
    });
  }

  let outcome: Outcome = { passed: 0, failed: 0 };
  try {
    ensureChromium();
    if (process.env.E2E_SKIP_BUILD !== "1") build();
    server = await startPreview(root, await freePort());
    console.log(`e2e: serving dist/ at ${server.url} (pid ${server.pid})`);
    outcome = await runAll(server.url, filter);
  } catch (error) {
    outcome.failed += 1;
    console.error(`e2e: run aborted: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await server?.stop();
    server = undefined;
  }
  console.log(`\ne2e: ${outcome.passed} passed, ${outcome.failed} failed`);
  // scripts/test.mjs adds these counts to the suite's closing line.
  if (process.env.E2E_JSON) writeFileSync(process.env.E2E_JSON, JSON.stringify(outcome));
  return outcome.failed > 0 ? 1 : 0;
}

process.exitCode = await main();
