// Draws the app icon once, as SVG, and renders the PNG sizes the web app manifest needs with Debian's
// Chromium (playwright-core). Run after changing the mark: `npx tsx scripts/make-icons.ts`.
// The outputs are committed under public/, so neither the build nor `npm start` runs this.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { launchChromium } from "../test-support/chromium.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const publicDir = join(root, "public");

/** Two opposed arrows (one each way) on a calm indigo-to-teal field. */
function iconSvg(options: { fullBleed: boolean; scale: number }): string {
  const { scale } = options;
  const corner = options.fullBleed ? 0 : 116;
  const mark = `
    <g transform="translate(256 256) scale(${scale}) translate(-256 -256)"
       fill="none" stroke-linecap="round" stroke-linejoin="round" stroke-width="36">
      <path d="M140 204 H364 M312 152 L366 204 L312 256" stroke="#ffffff"/>
      <path d="M372 308 H148 M200 256 L146 308 L200 360" stroke="#c7f0ec"/>
    </g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="field" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#4f46e5"/>
      <stop offset="1" stop-color="#0e7490"/>
    </linearGradient>
  </defs>
  <rect width="512" height="512" rx="${corner}" fill="url(#field)"/>${mark}
</svg>
`;
}

async function renderPng(svg: string, size: number, file: string, page: Page): Promise<void> {
  await page.setViewportSize({ width: size, height: size });
  const html = `<!doctype html><html><body style="margin:0;background:transparent">
    <img src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}" width="${size}" height="${size}"
         style="display:block"></body></html>`;
  await page.setContent(html);
  await page.locator("img").evaluate((img: HTMLImageElement) => img.decode());
  await page.screenshot({ path: file, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}

async function main(): Promise<void> {
  mkdirSync(join(publicDir, "icons"), { recursive: true });
  const plain = iconSvg({ fullBleed: false, scale: 1 });
  // Maskable icons are cropped to a circle of 80% of the side: fill the square, shrink the mark.
  const maskable = iconSvg({ fullBleed: true, scale: 0.72 });
  // iOS rounds the corners itself and paints transparency black: fill the square.
  const apple = iconSvg({ fullBleed: true, scale: 0.86 });
  writeFileSync(join(publicDir, "icon.svg"), plain);

  const browser = await launchChromium();
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await renderPng(plain, 192, join(publicDir, "icons", "icon-192.png"), page);
    await renderPng(plain, 512, join(publicDir, "icons", "icon-512.png"), page);
    await renderPng(maskable, 512, join(publicDir, "icons", "icon-maskable-512.png"), page);
    await renderPng(apple, 180, join(publicDir, "icons", "apple-touch-icon.png"), page);
  } finally {
    await browser.close();
  }
  console.log("icons written to public/icon.svg and public/icons/");
}

await main();
