// Node to screen (issue 15): a contact another node wrote arrives as sync delivers it (the port's
// importEnvelopes, the worker's ingestMany) while Home is open; measured from the node's commit
// (the envelope's committedAt, the worker's clock) to the moment Home's list shows it (a
// MutationObserver in the page, the same clock). One arrival at a time, each after the shell's
// notice spacing has passed (quiet), bounded by BENCH_SCREEN_WRITES (default 40).
import type { Page } from "playwright-core";
import { call, createContactChain } from "../test-support/browser-node-pages.ts";

/** Pause between arrivals: longer than the shell's 150 ms notice spacing, so none is coalesced. */
const QUIET_GAP_MS = 250;

export type ScreenDelays = { readonly commitToScreen: number[]; readonly callToScreen: number[] };

export async function homeScreenDelays(page: Page, baseUrl: string, count: number): Promise<ScreenDelays> {
  // Home, with the contacts panel open; the author's genesis arrives first (no contact, no sample).
  await page.goto(baseUrl);
  await page.getByTestId("contacts-panel").waitFor({ timeout: 60_000 });
  const chain = createContactChain(93, "screen", () => new Date().toISOString());
  const texts: string[] = [];
  const genesis = chain(1, 1);
  for await (const batch of genesis) await call(page, "importEnvelopes", { envelopes: batch });
  const delays: ScreenDelays = { commitToScreen: [], callToScreen: [] };
  let seq = 1;
  for (let i = 0; i < count; i += 1) {
    // Signed now, so its created_at puts it first in Home's newest-first list.
    for await (const batch of chain(1, 1)) texts.splice(0, texts.length, ...batch);
    seq += 1;
    const sample = await page.evaluate(
      async ({ text, handle, gapMs }) => {
        // No named helpers in here: tsx would wrap them in a `__name` the page does not have.
        const shown = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${handle} never showed on Home`)), 30_000);
          const observer = new MutationObserver(() => {
            const handles = document.querySelectorAll('[data-testid="contact"] .person__handle');
            if (![...handles].some((el) => el.textContent === handle)) return;
            observer.disconnect();
            clearTimeout(timer);
            resolve(performance.timeOrigin + performance.now());
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        const started = performance.timeOrigin + performance.now();
        const imported = (await window.twoway!.call("importEnvelopes", { envelopes: [text] })) as {
          ok: boolean;
          value?: { accepted: number };
        };
        if (!imported.ok || imported.value?.accepted !== 1) throw new Error(`${handle} was not accepted`);
        const shownAt = await shown;
        const history = (await window.twoway!.call("history", { limit: 1 })) as {
          ok: boolean;
          value?: { entries: { committedAt: string }[] };
        };
        const committedAt = Date.parse(history.value?.entries[0]?.committedAt ?? "");
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        return { commitToScreen: shownAt - committedAt, callToScreen: shownAt - started };
      },
      { text: texts[0]!, handle: `@person_${seq}`, gapMs: QUIET_GAP_MS },
    );
    delays.commitToScreen.push(sample.commitToScreen);
    delays.callToScreen.push(sample.callToScreen);
  }
  return delays;
}
