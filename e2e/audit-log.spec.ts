// Journey: the person verifies the audit log on Health (ADR 0017). Intact at first; a record edited
// at rest (by a script on the page, as anything same-origin could) is found after the node restarts,
// the node still takes writes, and Repair records the break so the log verifies again.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, nodeValue } from "./support/shell.ts";

async function verifyOnHealth(page: Page): Promise<string> {
  await page.getByTestId("verify-audit").click();
  await page.getByTestId("audit-verdict").waitFor({ timeout: 20_000 });
  return (await page.getByTestId("audit-verdict").getAttribute("data-intact")) ?? "";
}

/** One field of audit record `seq`, edited straight in IndexedDB. */
async function editLogRecord(page: Page, seq: number): Promise<void> {
  await page.evaluate(
    (at) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open("twoway-log-main");
        request.onerror = () => reject(new Error("open failed"));
        request.onsuccess = () => {
          const db = request.result;
          const tx = db.transaction("records", "readwrite");
          const store = tx.objectStore("records");
          const read = store.get(at);
          read.onsuccess = () => store.put({ ...(read.result as Record<string, unknown>), message: "forged" });
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(new Error("edit failed"));
        };
      }),
    seq,
  );
}

export const cases: E2eCase[] = [
  {
    name: "Health verifies the audit log, shows an edited record in plain words, and Repair makes it verify again",
    timeoutMs: 120_000,
    async run({ baseUrl, launch, profileDir, screenshot }) {
      const profile = profileDir();
      const first = await launch({ profileDir: profile });
      const errors = watchPageErrors(first.page);
      await first.page.goto(baseUrl);
      await createIdentityThroughUi(first.page, "Ada");
      await nodeValue(first.page, "submit", addContactOps("grace_hopper", "Grace Hopper"));
      await first.page.getByTestId("nav-health").click();
      assert.equal(await verifyOnHealth(first.page), "true");
      assert.match((await first.page.getByTestId("audit-verdict-text").textContent()) ?? "", /^Intact: all \d+ records check out\./);
      await first.page.setViewportSize({ width: 1280, height: 900 });
      await screenshot(first.page, "health-audit-intact-1280");
      assertNoPageErrors(errors);
      await first.close();

      // Tamper at rest while no node runs: a page that never starts the node does it.
      const second = await launch({ profileDir: profile });
      await second.page.goto(`${baseUrl}icon.svg`).catch(() => undefined);
      await editLogRecord(second.page, 3);
      await second.page.goto(`${baseUrl}#/health`);
      const errors2 = watchPageErrors(second.page);
      assert.equal(await verifyOnHealth(second.page), "false");
      assert.match((await second.page.getByTestId("audit-verdict-text").textContent()) ?? "", /Does not verify: record 3 was edited/);
      // The node stays usable while the break is on show.
      assert.equal((await nodeValue(second.page, "submit", addContactOps("alan_turing", "Alan Turing"))).status, "accepted");
      await second.page.setViewportSize({ width: 390, height: 844 });
      await screenshot(second.page, "health-audit-broken-390");
      await second.page.setViewportSize({ width: 1280, height: 900 });
      await screenshot(second.page, "health-audit-broken-1280");

      await second.page.getByTestId("repair-audit").click();
      await second.page.waitForSelector('[data-testid="audit-verdict"][data-intact="true"]', { timeout: 20_000 });
      assert.match((await second.page.getByTestId("audit-repairs").textContent()) ?? "", /record 3 was edited/);
      await screenshot(second.page, "health-audit-repaired-1280");
      await second.page.setViewportSize({ width: 390, height: 844 });
      await screenshot(second.page, "health-audit-repaired-390");
      assert.equal((await nodeValue(second.page, "verifyAuditLog")).intact, true);
      assertNoPageErrors(errors2);
    },
  },
];
