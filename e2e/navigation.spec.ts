// The main navigation at every width (ADR 0031): six destinations. From 380 px up all six sit in the
// bar; below, Devices and Health move into a "More" menu. At 320, 390, 768 and 1280 px, light and dark:
// no label is squeezed past its link, no two entries overlap, every destination is one tap or two
// away, and the open menu stays inside the screen. The Devices page itself passes the layout sweep.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { checkEveryView, horizontalOverflow, SCHEMES, setView, WIDTHS } from "./support/layout.ts";
import { assertNoPageErrors, createIdentityThroughUi } from "./support/shell.ts";

const DESTINATIONS = ["home", "apps", "activity", "peers", "devices", "health"];

type Entry = { id: string; left: number; right: number; overflows: boolean };

/** The bar's visible entries: where each sits and whether its content is wider than itself. */
async function visibleEntries(page: Page): Promise<Entry[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>(".topbar__nav > a, .topbar__nav > details > summary"))
      .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
      .map((el) => {
        const box = el.getBoundingClientRect();
        return { id: el.dataset["testid"] ?? "", left: box.left, right: box.right, overflows: el.scrollWidth > el.clientWidth + 1 };
      }),
  );
}

async function menuEntries(page: Page): Promise<string[]> {
  return page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>(".topbar__menu a")).map((a) => a.dataset["testid"] ?? ""));
}

export const cases: E2eCase[] = [
  {
    name: "the main navigation reaches all six pages at 320–1280 px with nothing squeezed or overlapping; below 380 px by a More menu",
    timeoutMs: 180_000,
    async run(ctx) {
      const { page } = await ctx.launch();
      const errors = watchPageErrors(page);
      await page.goto(ctx.baseUrl);
      await createIdentityThroughUi(page, "Maximiliana Konstantinopolskaya-Wellingtonshire");
      const problems: string[] = [];
      for (const width of WIDTHS)
        for (const scheme of SCHEMES) {
          await setView(page, width, scheme);
          const entries = await visibleEntries(page);
          const at = `${width} ${scheme}`;
          for (const e of entries) {
            if (e.overflows) problems.push(`${at}: ${e.id} is narrower than its label`);
            if (e.left < 0 || e.right > width) problems.push(`${at}: ${e.id} sticks out (${e.left}–${e.right})`);
          }
          for (const [a, b] of entries.slice(1).map((e, i) => [entries[i]!, e] as const))
            if (b.left < a.right - 0.5) problems.push(`${at}: ${a.id} and ${b.id} overlap`);
          const inBar = entries.map((e) => e.id.replace(/^nav-/, ""));
          const more = inBar.includes("more-toggle") ? (await menuEntries(page)).map((id) => id.replace(/^nav-more-/, "")) : [];
          const reachable = [...inBar.filter((id) => id !== "more-toggle"), ...more].sort();
          assert.deepEqual(reachable, [...DESTINATIONS].sort(), `${at}: every destination is reachable`);
          assert.equal(inBar.includes("more-toggle"), width < 380, `${at}: the More menu only below 380 px`);
        }
      assert.deepEqual(problems, [], problems.join("\n"));

      // At 320 px: open More, go to Devices; the menu closes and More is marked as where you are.
      for (const scheme of SCHEMES) {
        await setView(page, 320, scheme);
        await page.getByTestId("nav-more-toggle").click();
        await page.locator(".topbar__menu").waitFor();
        const box = await page.locator(".topbar__menu").boundingBox();
        assert.ok(box !== null && box.x >= 0 && box.x + box.width <= 320, `the open menu stays on screen (${JSON.stringify(box)})`);
        assert.equal((await horizontalOverflow(page)).scrollWidth, 320);
        await ctx.screenshot(page, `nav-more-open-320-${scheme}`);
        await page.getByTestId("nav-more-toggle").click();
      }
      await page.getByTestId("nav-more-toggle").click();
      await page.getByTestId("nav-more-devices").click();
      await page.getByTestId("device-list").locator('[data-testid="device-row"]').first().waitFor({ timeout: 20_000 });
      assert.equal(await page.locator(".topbar__more").getAttribute("open"), null, "the menu closes once a page is chosen");
      assert.equal(await page.getByTestId("nav-more-toggle").getAttribute("aria-current"), "page");
      await checkEveryView(ctx, page, "layout-devices");
      assertNoPageErrors(errors);
    },
  },
];
