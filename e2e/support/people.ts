// Steps the app journeys share (three people in three Chromium processes, loopback only): a person
// with their first identity, meeting by an invite code (through the Peers page or in place), opening
// a built-in app from Home, checking an app at phone and desktop widths, and a scan of every byte a
// browser stored in IndexedDB.
import assert from "node:assert/strict";
import type { Frame, FrameLocator, Page } from "playwright-core";
import type { E2eContext } from "./harness.ts";
import { axeFindings, horizontalOverflow, SCHEMES } from "./layout.ts";
import { createIdentityThroughUi } from "./shell.ts";

export async function person(ctx: E2eContext, name: string): Promise<Page> {
  const { page } = await ctx.launch({ webrtc: true });
  await page.goto(ctx.baseUrl);
  await createIdentityThroughUi(page, name);
  return page;
}

/** Connects two shells by an invite code and its answer (no server), until both see a live peer. */
export async function meet(a: Page, b: Page): Promise<void> {
  for (const page of [a, b]) {
    await page.getByTestId("nav-peers").click();
    await page.getByTestId("peers-page").waitFor();
  }
  await a.getByTestId("invite-create").click();
  const code = await a.getByTestId("invite-code").inputValue({ timeout: 20_000 });
  await b.getByTestId("invite-input").fill(code);
  await b.getByTestId("invite-accept").click();
  const answer = await b.getByTestId("answer-code").inputValue({ timeout: 20_000 });
  await a.getByTestId("answer-input").fill(answer);
  await a.getByTestId("answer-finish").click();
  await b.waitForSelector('[data-testid="peer-row"][data-state="live"]', { timeout: 30_000 });
}

/**
 * The same meeting through the page's peering (the code a person would paste), so both stay on
 * Home with their app open: what arrives must show there with no reload.
 */
export async function meetInPlace(a: Page, b: Page): Promise<void> {
  const attached = (page: Page) => page.evaluate(() => window.twoway!.peering.links().filter((l) => l.phase === "attached").length);
  const before = await attached(b);
  const offer = await a.evaluate(() => window.twoway!.peering.createInvite());
  assert.ok(offer.ok, "an invite");
  const answer = await b.evaluate((code) => window.twoway!.peering.acceptInvite(code), offer.value.code);
  assert.ok(answer.ok, "an answer");
  const finished = await a.evaluate((code) => window.twoway!.peering.finishInvite(code), answer.value.answerCode);
  assert.ok(finished.ok, "the invite finishes");
  await b.waitForFunction((n) => window.twoway!.peering.links().filter((l) => l.phase === "attached").length > n, before, {
    timeout: 30_000,
  });
}

/** Opens a built-in app from its Home card; returns its frame once the app says it is ready. */
export async function openFromHome(page: Page, slug: string): Promise<FrameLocator> {
  await page.getByTestId("nav-home").click();
  await page.locator(`[data-testid="app-card"][data-slug="${slug}"] [data-testid="open-app"]`).click();
  const frame = page.frameLocator(`[data-testid="app-frame"][data-slug="${slug}"] [data-testid="app-iframe"]`);
  await frame.locator("body[data-ready]").waitFor({ timeout: 20_000 });
  return frame;
}

export function appFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f.parentFrame() !== null);
  assert.ok(frame, "the app's frame");
  return frame;
}

/** 1280×800 and 390×844 in light and dark: no sideways scroll (shell or app), axe clean in both. */
export async function checkViews(ctx: E2eContext, page: Page, name: string): Promise<void> {
  const problems: string[] = [];
  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const)
    for (const scheme of SCHEMES) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const frame = appFrame(page);
      for (const [where, target] of [
        ["shell", page],
        ["app", frame],
      ] as const) {
        const overflow = await horizontalOverflow(target as Page);
        if (overflow.scrollWidth > overflow.innerWidth)
          problems.push(`${name} ${width} ${scheme} ${where}: ${overflow.culprits.join("; ")}`);
        for (const f of await axeFindings(target as Page))
          problems.push(`${name} ${width} ${scheme} ${where}: axe ${f.id} at ${f.targets.join(" | ")}`);
      }
      await page.locator('[data-testid="app-frame"]').scrollIntoViewIfNeeded();
      await ctx.screenshot(page, `${name}-${width}x${height}-${scheme}`);
    }
  assert.deepEqual(problems, [], problems.join("\n"));
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Every value in every object store of every IndexedDB database of this origin, as text. */
export async function everythingStored(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const texts: string[] = [];
    for (const { name } of await indexedDB.databases()) {
      if (name === undefined) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(new Error(String(open.error)));
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store, "readonly").objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(new Error(String(request.error)));
        });
        texts.push(JSON.stringify(all, (_k, v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v)));
      }
      db.close();
    }
    return texts.join("\n");
  });
}
