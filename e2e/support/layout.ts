// Layout and accessibility checks a page gets at every width and colour scheme: nothing wider than
// the viewport (no sideways scroll), a screenshot in e2e/artifacts/, and axe-core with no serious or
// critical violation. axe is evaluated through the DevTools protocol, which the page's CSP does not
// govern, so the shell runs under its real policy while it is checked.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import type { E2eContext } from "./harness.ts";

export const WIDTHS = [320, 390, 768, 1280] as const;
export const SCHEMES = ["light", "dark"] as const;
export type Scheme = (typeof SCHEMES)[number];

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export type AxeFinding = { id: string; impact: string; help: string; targets: string[] };

/** Lays the page out at this width and scheme, and waits two frames so styles have applied. */
export async function setView(page: Page, width: number, scheme: Scheme): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  // Reduced motion: the stylesheet then drops transitions, so no colour is caught mid-change.
  await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** The page's width beyond the viewport, and the elements that stick out (for the message). */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const culprits: string[] = [];
    for (const element of Array.from(document.body.querySelectorAll("*"))) {
      const box = element.getBoundingClientRect();
      if (box.width > 0 && box.right > innerWidth + 0.5 && culprits.length < 8) {
        const id = element.getAttribute("data-testid");
        culprits.push(`${element.tagName.toLowerCase()}${id ? `[${id}]` : ""}.${element.className} right=${Math.round(box.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits };
  });
}

/** axe-core's serious and critical findings on the current page. */
export async function axeFindings(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<any> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return (result.violations as any[])
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: (v.nodes as any[]).map((n) => String(n.target)).slice(0, 5) }));
  });
}

/**
 * Every width and scheme for the page as it is now: no sideways scroll, a screenshot named
 * `<name>-<width>-<scheme>`, and no serious or critical axe violation. Fails with every finding.
 */
export async function checkEveryView(ctx: Pick<E2eContext, "screenshot">, page: Page, name: string): Promise<void> {
  const problems: string[] = [];
  for (const width of WIDTHS) {
    for (const scheme of SCHEMES) {
      await setView(page, width, scheme);
      const overflow = await horizontalOverflow(page);
      if (overflow.scrollWidth > overflow.innerWidth)
        problems.push(
          `${name} ${width} ${scheme}: scrollWidth ${overflow.scrollWidth} > ${overflow.innerWidth}: ${overflow.culprits.join("; ")}`,
        );
      await ctx.screenshot(page, `${name}-${width}-${scheme}`);
      for (const finding of await axeFindings(page))
        problems.push(
          `${name} ${width} ${scheme}: axe ${finding.impact} ${finding.id} (${finding.help}) at ${finding.targets.join(" | ")}`,
        );
    }
  }
  assert.deepEqual(problems, [], problems.join("\n"));
}
