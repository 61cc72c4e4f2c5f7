// The Playwright fixture behind every journey: an E2eContext (support/harness.ts) whose browsers are
// Debian's Chromium on their own profiles (test-support/chromium.ts), each traced from launch. A
// failed case gets every trace attached (and kept under e2e/artifacts/results); afterwards every
// browser still open is closed and every profile directory removed.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test as base, type TestInfo } from "@playwright/test";
import { launchChromium, type LaunchedBrowser } from "../../test-support/chromium.ts";
import type { E2eContext, LaunchedPage } from "./harness.ts";

export const artifactsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "artifacts");

/** One launched browser and the trace file it writes when it closes. */
type Traced = { browser: LaunchedBrowser; tracePath: string; closed: boolean };

async function closeTraced(traced: Traced): Promise<void> {
  if (traced.closed) return;
  traced.closed = true;
  try {
    // Written for every case; a passing case's output folder is removed (preserveOutput).
    await traced.browser.context.tracing.stop({ path: traced.tracePath });
  } finally {
    await traced.browser.close();
  }
}

/** What one case launched and made; `over` is set once its teardown began. */
type CaseState = { launched: Traced[]; profileDirs: string[]; over: boolean };

function makeContext(baseUrl: string, testInfo: TestInfo, state: CaseState): E2eContext {
  const { launched, profileDirs } = state;
  return {
    baseUrl,
    profileDir() {
      const dir = mkdtempSync(join(tmpdir(), "twoway-e2e-profile-"));
      profileDirs.push(dir);
      return dir;
    },
    async launch(options = {}): Promise<LaunchedPage> {
      const browser = await launchChromium({
        ...(options.profileDir === undefined ? {} : { profileDir: options.profileDir }),
        ...(options.webrtc === true ? { webrtc: true } : {}),
      });
      if (state.over) {
        // The case timed out while this browser started: nobody would close it.
        await browser.close();
        throw new Error("the case ended while its browser was starting");
      }
      const traced: Traced = { browser, tracePath: testInfo.outputPath(`trace-${launched.length + 1}.zip`), closed: false };
      launched.push(traced);
      // DOM snapshots per action, no screencast: on a busy machine the frames cost the journeys their time.
      await browser.context.tracing.start({ screenshots: false, snapshots: true, sources: false });
      if (options.webrtc === true) {
        // Media permission makes Chromium offer 127.0.0.1 candidates (reference: WebRTC recipe); and
        // every link this browser makes keeps loopback candidates only.
        await browser.context.grantPermissions(["microphone", "camera"], { origin: new URL(baseUrl).origin });
        await browser.context.addInitScript(() => localStorage.setItem("twoway.peering.loopback-only", "1"));
      }
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      return { context: browser.context, page, profileDir: browser.profileDir, close: () => closeTraced(traced) };
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
}

export const test = base.extend<{ e2e: E2eContext }>({
  e2e: [
    // Playwright reads a fixture's dependencies from this pattern; this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use, testInfo) => {
      const baseUrl = process.env.E2E_BASE_URL;
      if (baseUrl === undefined) throw new Error("E2E_BASE_URL is unset: run the journeys with `npx playwright test`");
      const state: CaseState = { launched: [], profileDirs: [], over: false };
      const { launched, profileDirs } = state;
      try {
        await use(makeContext(baseUrl, testInfo, state));
      } finally {
        state.over = true;
        for (const traced of launched) await closeTraced(traced).catch(() => undefined);
        for (const dir of profileDirs) rmSync(dir, { recursive: true, force: true });
        if (testInfo.status !== testInfo.expectedStatus)
          for (const [i, traced] of launched.entries())
            if (existsSync(traced.tracePath))
              testInfo.attachments.push({ name: `trace of browser ${i + 1}`, path: traced.tracePath, contentType: "application/zip" });
      }
    },
    // Its own limit, apart from the case's: closing browsers and writing their traces takes a while.
    { timeout: 60_000 },
  ],
});
