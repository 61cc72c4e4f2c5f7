// The e2e spec format: each `e2e/<journey>.spec.ts` exports `cases`, a list of named async checks.
// A case fails by throwing (node:assert). e2e/journeys.playwright.ts registers each case as a
// @playwright/test test; its fixture (support/fixture.ts) gives the case this context.
import type { BrowserContext, Page } from "playwright-core";

export type E2eContext = {
  /** Root URL of the served build, with a trailing slash. */
  readonly baseUrl: string;
  /**
   * Chromium on a fresh profile (no service worker, no storage yet), or on `profileDir` to reopen a
   * profile after `close()` (a browser restart). The runner closes whatever is still open.
   */
  launch: (options?: { profileDir?: string; webrtc?: boolean }) => Promise<LaunchedPage>;
  /** An empty profile directory that outlives `close()`, for restarts; the runner removes it after the case. */
  profileDir: () => string;
  /** Saves a full-page screenshot as e2e/artifacts/<name>.png and returns its path. */
  screenshot: (page: Page, name: string) => Promise<string>;
};

export type LaunchedPage = { context: BrowserContext; page: Page; profileDir: string; close(): Promise<void> };

export type E2eCase = {
  readonly name: string;
  readonly timeoutMs?: number;
  run(ctx: E2eContext): Promise<void>;
};

/** Collects uncaught page errors and console errors, so a case can assert there were none. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console.error: ${message.text()}`);
  });
  return errors;
}
