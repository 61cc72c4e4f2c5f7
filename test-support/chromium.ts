// How every test and benchmark starts a browser: Debian's Chromium driven by playwright-core, never
// a downloaded browser, with the flags measured in shared/reference/browser-stack-feasibility.md.
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless flags that keep Chromium off every network but loopback. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-domain-reliability",
  "--disable-client-side-phishing-detection",
  "--metrics-recording-only",
  "--no-default-browser-check",
] as const;

/** Added for WebRTC runs: loopback candidates, raw IPs instead of mDNS (DEVELOPERS network rules). */
export const WEBRTC_ARGS = [
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
] as const;

export type LaunchedBrowser = { context: BrowserContext; profileDir: string; close(): Promise<void> };

/** A persistent context on a fresh (or given) profile directory; `close` removes a fresh profile. */
export async function launchChromium(options: { profileDir?: string; webrtc?: boolean } = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run "npm test" once, which installs Debian's chromium`);
  }
  const fresh = options.profileDir === undefined;
  const profileDir = options.profileDir ?? mkdtempSync(join(tmpdir(), "twoway-chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.webrtc ? WEBRTC_ARGS : [])],
  });
  return {
    context,
    profileDir,
    async close() {
      await context.close();
      if (fresh) rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
