// The update flow (ADR 0006): a new service worker waits, the shell offers "Reload", and the node
// finishes the write in flight and stops before the page reloads. The data lives in IndexedDB, so
// the update never touches it.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, nodeValue, waitForServiceWorkerControl } from "./support/shell.ts";

const SW_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "sw.js");

/** A "new version": the same sw.js with one precache revision changed (same length, so the static server's cached size still holds). */
function publishNewVersion(original: string): string {
  const updated = original.replace(/revision:"([0-9a-f])/, (_match, first: string) => `revision:"${first === "0" ? "1" : "0"}`);
  assert.notEqual(updated, original, "sw.js has no precache revision to change");
  assert.equal(updated.length, original.length);
  return updated;
}

export const cases: E2eCase[] = [
  {
    name: "an update waits for “Reload”, lets the write in flight finish, and keeps every byte of data",
    async run({ baseUrl, launch, screenshot }) {
      const { page } = await launch();
      await page.goto(baseUrl);
      await createIdentityThroughUi(page, "Ada");
      await nodeValue(page, "submit", addContactOps("before_update"));
      await waitForServiceWorkerControl(page);
      const firstWorker = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);

      const original = readFileSync(SW_PATH, "utf8");
      try {
        writeFileSync(SW_PATH, publishNewVersion(original));
        await page.evaluate(async () => {
          const registration = await navigator.serviceWorker.getRegistration();
          await registration?.update();
        });
        await page.waitForSelector('[data-testid="update-banner"][data-state="available"]', { timeout: 20_000 });
        // Nothing reloads by itself: the page, and its node, keep running until the person chooses.
        assert.equal(await page.evaluate(() => document.readyState), "complete");
        await screenshot(page, "update-available");
        const errors = watchPageErrors(page);

        // A write is in flight when the person clicks "Reload": it commits before the node stops.
        await page.evaluate((request) => {
          void window.twoway!.call("submit", request);
        }, addContactOps("during_update"));
        const reloaded = page.waitForEvent("load", { timeout: 20_000 });
        await page.getByTestId("update-reload").click();
        await reloaded;

        await page.getByTestId("home").waitFor({ timeout: 20_000 });
        assert.equal(await page.getByTestId("update-banner").count(), 0);
        assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null), null);
        assert.equal(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL), firstWorker);
        const contacts = await nodeValue(page, "read", { app: "app.contacts", query: { target: "parent", type_key: "contact.profile" } });
        assert.deepEqual(contacts.rows.map((row: { value: { handle: string } }) => row.value.handle).sort(), [
          "before_update",
          "during_update",
        ]);
        assert.equal((await nodeValue(page, "listIdentities")).length, 1);
        assertNoPageErrors(errors);
      } finally {
        writeFileSync(SW_PATH, original);
      }
    },
  },
];
