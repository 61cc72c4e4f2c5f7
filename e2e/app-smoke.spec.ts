// Journey: open 2WAY for the first time, see the node running, and open it again offline (AC-13).
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";

const nodeReady = '[data-testid="node-status"][data-state="ready"]';
const offlineReady = '[data-testid="offline-status"][data-state="ready"]';

async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
}

async function expectNodeRunning(page: Page): Promise<void> {
  await page.waitForSelector(nodeReady, { timeout: 20_000 });
  assert.equal(await page.getByTestId("node-protocol").textContent(), "1.0.0");
  const engine = page.getByTestId("node-engine");
  assert.equal(await engine.getAttribute("data-engine"), "webcrypto");
  assert.equal(await engine.textContent(), "WebCrypto");
}

export const cases: E2eCase[] = [
  {
    name: "first load shows the node running with protocol 1.0.0 and WebCrypto Ed25519 (AC-13)",
    async run({ baseUrl, launch, screenshot }) {
      const { page } = await launch();
      const errors = watchPageErrors(page);
      await page.goto(baseUrl);

      assert.equal(await page.locator("h1").textContent(), "2WAY");
      await page.getByText("Your data, your keys, no server in charge.").waitFor();
      await expectNodeRunning(page);
      assert.equal(await page.getByTestId("node-error-code").count(), 0);

      await page.waitForSelector(offlineReady, { timeout: 20_000 });
      await screenshot(page, "app-smoke-first-load");
      await page.emulateMedia({ colorScheme: "dark" });
      await screenshot(page, "app-smoke-first-load-dark");
      await page.setViewportSize({ width: 390, height: 780 });
      await screenshot(page, "app-smoke-first-load-mobile");
      assert.deepEqual(errors, []);
    },
  },
  {
    name: "a service worker controls the page after the first load",
    async run({ baseUrl, launch }) {
      const { page } = await launch();
      await page.goto(baseUrl);
      await waitForServiceWorkerControl(page);
      const scriptUrl = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null);
      assert.equal(scriptUrl, new URL("sw.js", baseUrl).href);
      // The shell notices the controller too (controllerchange), without a reload.
      await page.waitForSelector(offlineReady, { timeout: 5_000 });
    },
  },
  {
    name: "offline, a reload renders the shell from the service worker and the node still answers",
    async run({ baseUrl, launch, screenshot }) {
      const { context, page } = await launch();
      await page.goto(baseUrl);
      await expectNodeRunning(page);
      await waitForServiceWorkerControl(page);

      await context.setOffline(true);
      const errors = watchPageErrors(page);
      const response = await page.reload();
      assert.ok(response, "the reload produced no response");
      assert.equal(response.fromServiceWorker(), true, "the reload was not served by the service worker");
      assert.equal(await page.evaluate(() => navigator.onLine), false);

      assert.equal(await page.locator("h1").textContent(), "2WAY");
      await expectNodeRunning(page);
      await page.waitForSelector(offlineReady, { timeout: 5_000 });
      await page.getByTestId("offline-banner").waitFor();
      await screenshot(page, "app-smoke-offline");
      assert.deepEqual(errors, []);
    },
  },
  {
    name: "a node worker that cannot load shows a clear error with its code",
    async run({ baseUrl, launch, screenshot }) {
      const { context, page } = await launch();
      // First visit, so no service worker answers yet: the network refusal reaches the Worker.
      await context.route(/node\.worker-[\w-]+\.js$/, (route) => route.abort("failed"));
      await page.goto(baseUrl);
      await page.waitForSelector('[data-testid="node-status"][data-state="error"]', { timeout: 20_000 });
      assert.equal(await page.getByTestId("node-error-code").textContent(), "worker_failed");
      assert.equal(await page.getByTestId("node-protocol").count(), 0);
      await screenshot(page, "app-smoke-worker-error");
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
