// Journey 2: with the network gone, a reload still starts the node from the service worker's copy
// and shows the data stored on this device.
import assert from "node:assert/strict";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { assertNoPageErrors, createIdentityThroughUi, listedEnvelopeIds, nodeValue, waitForServiceWorkerControl } from "./support/shell.ts";

export const cases: E2eCase[] = [
  {
    name: "offline, a reload is served by the service worker, the node answers and the stored data is shown",
    async run({ baseUrl, launch, screenshot }) {
      const { context, page } = await launch();
      await page.goto(baseUrl);
      await createIdentityThroughUi(page, "Grace");
      await page.getByTestId("contact-name").fill("Katherine Johnson");
      await page.getByTestId("contact-add").click();
      await page.getByTestId("contact").filter({ hasText: "Katherine Johnson" }).waitFor({ timeout: 10_000 });
      const before = await nodeValue(page, "history", { limit: 1 });
      await waitForServiceWorkerControl(page);

      await context.setOffline(true);
      const errors = watchPageErrors(page);
      const response = await page.reload();
      assert.ok(response, "the reload produced no response");
      assert.equal(response.fromServiceWorker(), true, "the reload was not served by the service worker");
      assert.equal(await page.evaluate(() => navigator.onLine), false);

      await page.getByTestId("home").waitFor({ timeout: 20_000 });
      await page.getByTestId("offline-banner").waitFor();
      await page.getByTestId("contact").filter({ hasText: "Katherine Johnson" }).waitFor({ timeout: 10_000 });
      await page.waitForSelector('[data-testid="node-status"][data-state="ready"]');
      assert.equal(await page.getByTestId("node-protocol").textContent(), "2.1.0");
      assert.equal(await page.getByTestId("node-engine").getAttribute("data-engine"), "webcrypto");
      await page.waitForSelector('[data-testid="offline-status"][data-state="ready"]');
      await screenshot(page, "offline-home");

      const health = await nodeValue(page, "health");
      assert.equal(health.ready, true);
      assert.equal(health.globalSeq, before.globalSeq);
      await page.getByTestId("nav-activity").click();
      assert.equal((await listedEnvelopeIds(page))[0], before.entries[0].envelopeId);
      assertNoPageErrors(errors);
    },
  },
];
