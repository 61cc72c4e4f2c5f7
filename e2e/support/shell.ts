// Steps the journeys share: open the shell, create the first identity through the UI, call the
// node through the page's `window.twoway` hook, and wait for the service worker.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";

export type CallResult =
  { ok: true; value: any } | { ok: false; error: { code: string; category: string; message: string; data: Record<string, unknown> } };

/** Calls a node method from the page, with the arguments exactly as given (malformed ones too). */
export async function nodeCall(page: Page, method: string, ...args: unknown[]): Promise<CallResult> {
  return page.evaluate(
    async ([name, rest]) => {
      const hook = window.twoway;
      if (hook === undefined) throw new Error("window.twoway is missing");
      return hook.call(name, ...rest);
    },
    [method, args] as const,
  );
}

export async function nodeValue(page: Page, method: string, ...args: unknown[]): Promise<any> {
  const result = await nodeCall(page, method, ...args);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

export async function waitForPhase(page: Page, phase: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`[data-testid="shell"][data-phase="${phase}"]`, { timeout });
}

/** First run: the welcome form creates the identity, then the recovery step, then home. */
export async function createIdentityThroughUi(page: Page, name: string, onRecoveryStep?: () => Promise<void>): Promise<void> {
  await page.waitForSelector('[data-testid="welcome"][data-state="identity"]', { timeout: 20_000 });
  await page.getByTestId("identity-name").fill(name);
  await page.getByTestId("identity-create").click();
  await page.waitForSelector('[data-testid="welcome"][data-state="recovery"]', { timeout: 20_000 });
  if (onRecoveryStep) await onRecoveryStep();
  await page.getByTestId("welcome-continue").click();
  await page.getByTestId("home").waitFor({ timeout: 10_000 });
}

export async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
}

/** The envelope ids the activity view lists, newest first. */
export async function listedEnvelopeIds(page: Page): Promise<string[]> {
  await page.getByTestId("history-list").waitFor({ timeout: 10_000 });
  return page.locator('[data-testid="history-entry"]').evaluateAll((rows) => rows.map((row) => row.getAttribute("data-envelope-id") ?? ""));
}

/**
 * A contact of the page's own person. Contacts are owner-only (ADR 0023, amended): they reach the
 * person's own devices, never another person, so sync between people uses `listingOps` instead.
 */
export function addContactOps(handle: string, displayName = handle): Record<string, unknown> {
  return {
    app: "app.contacts",
    domain: "contacts",
    ops: [
      {
        op: "parent_create",
        type_key: "contact.profile",
        payload: { value: { handle, display_name: displayName, created_at: new Date().toISOString() } },
      },
    ],
  };
}

/**
 * A Market listing by `sellerId`: listings are read by everyone one syncs with (market acl.json
 * "app"), so they are the vehicle for journeys that sync between different people.
 */
export function listingOps(sellerId: string, title: string): Record<string, unknown> {
  return {
    app: "app.market",
    domain: "listings",
    ops: [
      {
        op: "parent_create",
        type_key: "market.listing",
        payload: {
          value: { title, price_cents: 100, currency: "EUR", status: "active", seller_id: sellerId, created_at: new Date().toISOString() },
        },
      },
    ],
  };
}

/** The page's own person (its first identity), as the shell acts for it. */
export async function ownIdentity(page: Page): Promise<string> {
  const [first] = (await nodeValue(page, "listIdentities")) as { identityId: string }[];
  if (first === undefined) throw new Error("no identity on this page");
  return first.identityId;
}

/** Writes one listing as the page's person; answers the receipt. */
export async function shareListing(page: Page, title: string): Promise<any> {
  return nodeValue(page, "submit", listingOps(await ownIdentity(page), title));
}

/** Market listings this page's person reads, every page of them. */
export async function listingTitles(page: Page): Promise<string[]> {
  const titles: string[] = [];
  let offset: number | null = 0;
  while (offset !== null) {
    // Pages of 1,000 (graph.read.max_limit): each read is a round trip to a busy worker.
    const query = { target: "parent", type_key: "market.listing", limit: 1_000, offset };
    const result = await nodeValue(page, "read", { app: "app.market", query });
    titles.push(...(result.rows as { value: { title: string } }[]).map((row) => row.value.title));
    offset = result.nextOffset as number | null;
  }
  return titles;
}

export function assertNoPageErrors(errors: readonly string[]): void {
  assert.deepEqual(errors, [], `page errors:\n${errors.join("\n")}`);
}

/**
 * Polls a node method inside the page until the answer's `field` reaches `target` (equal, or at
 * least when `atLeast`), and returns how long that took. Playwright's waitForFunction does not
 * await an async predicate (a pending promise counts as truthy), so node state is polled here.
 */
export async function waitForNodeField(
  page: Page,
  method: string,
  field: (string | number)[],
  target: string | number,
  options: { atLeast?: boolean; timeoutMs?: number } = {},
): Promise<number> {
  return page.evaluate(
    async ({ method, field, target, atLeast, timeoutMs }) => {
      const started = performance.now();
      for (;;) {
        const answer = await window.twoway!.call(method);
        let value: unknown = answer.ok ? answer.value : undefined;
        for (const key of field) value = (value as Record<string | number, unknown> | undefined)?.[key];
        if (value === target || (atLeast && typeof value === "number" && value >= (target as number))) return performance.now() - started;
        if (performance.now() - started > timeoutMs)
          throw new Error(`${method} ${field.join(".")} is ${String(value)}, not ${String(target)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    { method, field, target, atLeast: options.atLeast ?? false, timeoutMs: options.timeoutMs ?? 20_000 },
  );
}

/** Polls an answer (a node field, a file) until `done` holds: state decides, the bound only ends a hang. */
export async function until<T>(
  page: Page,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 45_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 300)}`);
    await page.waitForTimeout(100);
  }
}
