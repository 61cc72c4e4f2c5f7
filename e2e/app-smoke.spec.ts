// Smoke checks of the installable app: the service worker takes control on the first visit, the
// manifest makes 2WAY installable, and a worker that cannot load is reported with its code (AC-13).
import assert from "node:assert/strict";
import type { E2eCase } from "./support/harness.ts";
import { waitForServiceWorkerControl } from "./support/shell.ts";

export const cases: E2eCase[] = [
  {
    name: "a service worker controls the page after the first load",
    async run({ baseUrl, launch }) {
      const { page } = await launch();
      await page.goto(baseUrl);
      await waitForServiceWorkerControl(page);
      const scriptUrl = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null);
      assert.equal(scriptUrl, new URL("sw.js", baseUrl).href);
    },
  },
  {
    name: "a node worker that cannot load shows a clear error with its code",
    async run({ baseUrl, launch, screenshot }) {
      const { context, page } = await launch();
      // First visit, so no service worker answers yet: the network refusal reaches the Worker.
      await context.route(/node\.worker-[\w-]+\.js$/, (route) => route.abort("failed"));
      await page.goto(baseUrl);
      await page.waitForSelector('[data-testid="node-gate"][data-state="failed"]', { timeout: 20_000 });
      assert.equal(await page.getByTestId("error-code").textContent(), "worker_failed");
      await screenshot(page, "node-failed");
    },
  },
  {
    name: "the web app manifest makes 2WAY installable (name, standalone, 192 and 512 PNG icons)",
    async run({ baseUrl, launch }) {
      const { page } = await launch();
      await page.goto(baseUrl);
      const href = await page.locator('link[rel="manifest"]').getAttribute("href");
      assert.ok(href, "index.html links no manifest");
      const manifestUrl = new URL(href, baseUrl).href;
      const manifest = (await page.evaluate(async (url): Promise<unknown> => (await fetch(url)).json(), manifestUrl)) as {
        name: string;
        short_name: string;
        display: string;
        start_url: string;
        icons: Array<{ src: string; sizes: string; type: string; purpose?: string }>;
      };
      assert.equal(manifest.name, "2WAY");
      assert.equal(manifest.short_name, "2WAY");
      assert.equal(manifest.display, "standalone");
      assert.equal(new URL(manifest.start_url, manifestUrl).href, baseUrl);

      for (const size of [192, 512]) {
        const icon = manifest.icons.find((i) => i.sizes === `${size}x${size}` && i.type === "image/png");
        assert.ok(icon, `no ${size}x${size} PNG icon`);
        const iconUrl = new URL(icon.src, manifestUrl).href;
        const decoded = await page.evaluate(async (url) => {
          const response = await fetch(url);
          const bitmap = await createImageBitmap(await response.blob());
          return { type: response.headers.get("content-type"), width: bitmap.width, height: bitmap.height };
        }, iconUrl);
        assert.deepEqual(decoded, { type: "image/png", width: size, height: size });
      }
    },
  },
];
