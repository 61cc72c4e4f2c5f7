// Journey 3: a write made through the shell's node API appears in the activity view (and a refused
// one in the rejections, with its code), and both survive closing and relaunching the browser.
import assert from "node:assert/strict";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, listedEnvelopeIds, nodeCall, nodeValue } from "./support/shell.ts";

export const cases: E2eCase[] = [
  {
    name: "a write through the shell API shows in Activity and survives a browser restart with the same profile",
    timeoutMs: 90_000,
    async run({ baseUrl, launch, profileDir, screenshot }) {
      const profile = profileDir();
      const first = await launch({ profileDir: profile });
      const errors = watchPageErrors(first.page);
      await first.page.goto(baseUrl);
      await createIdentityThroughUi(first.page, "Ada");
      const me = (await nodeValue(first.page, "listIdentities"))[0];

      // A visible UI action writes through the same API.
      await first.page.getByTestId("contact-name").fill("Grace Hopper");
      await first.page.getByTestId("contact-add").click();
      await first.page.getByTestId("contact").filter({ hasText: "Grace Hopper" }).waitFor({ timeout: 10_000 });
      // And a call from the page itself.
      const receipt = await nodeValue(first.page, "submit", addContactOps("alan_turing", "Alan Turing"));
      assert.equal(receipt.status, "accepted");
      // A write the app's schema refuses: a coded rejection, audited, nothing stored.
      const refused = await nodeCall(first.page, "submit", addContactOps("Not A Handle"));
      assert.equal(refused.ok, false);
      assert.equal(refused.ok ? "" : refused.error.code, "ERR_SCHEMA_INVALID_VALUE");
      await first.page.getByTestId("contact").filter({ hasText: "Alan Turing" }).waitFor({ timeout: 10_000 });
      await screenshot(first.page, "home-with-contacts");

      await first.page.getByTestId("nav-activity").click();
      const listed = await listedEnvelopeIds(first.page);
      assert.equal(listed[0], receipt.envelopeId, "the newest entry is the write made through the API");
      const newest = first.page.locator(`[data-testid="history-entry"][data-envelope-id="${receipt.envelopeId}"]`);
      assert.equal(await newest.getAttribute("data-status"), "accepted");
      assert.equal(await newest.getAttribute("data-seq"), String(receipt.seq));
      // The row says what changed in words, once its signed text is read.
      await newest.getByTestId("history-words").filter({ hasText: "Added contact Alan Turing" }).waitFor({ timeout: 10_000 });
      assert.match((await newest.textContent()) ?? "", /Added contact Alan Turing in Contacts · contacts/);
      assert.match((await newest.getByTestId("history-author").textContent()) ?? "", /^You \(Ada\)$/);
      await screenshot(first.page, "activity-history");

      await first.page.getByTestId("tab-rejected").click();
      const rejection = first.page.getByTestId("rejection").first();
      await rejection.waitFor({ timeout: 10_000 });
      assert.equal(await rejection.getAttribute("data-code"), "ERR_SCHEMA_INVALID_VALUE");
      await screenshot(first.page, "activity-rejected");

      await first.page.getByTestId("nav-health").click();
      await first.page.waitForSelector('[data-testid="readiness"][data-ready="true"]', { timeout: 10_000 });
      assert.equal(await first.page.getByTestId("global-seq-value").textContent(), String(receipt.seq));
      // The integrity check at rest runs a few seconds after the open (ADR 0034), "starting" until then.
      await first.page.locator('[data-testid="manager"][data-name="integrity"][data-state="healthy"]').waitFor({ timeout: 60_000 });
      const managers = await first.page
        .locator('[data-testid="manager"]')
        .evaluateAll((rows) => rows.map((r) => ({ name: r.getAttribute("data-name"), state: r.getAttribute("data-state") })));
      for (const name of ["storage", "config", "log", "key", "app", "graph"])
        assert.ok(
          managers.some((m) => m.name === name),
          `no ${name} manager`,
        );
      assert.ok(
        managers.every((m) => m.state === "healthy"),
        JSON.stringify(managers),
      );
      await first.page.waitForSelector('[data-testid="storage-usage"]');
      await first.page.getByTestId("compute-digest").click();
      await first.page.getByTestId("state-digest").waitFor({ timeout: 10_000 });
      await screenshot(first.page, "health");
      await first.page.emulateMedia({ colorScheme: "dark" });
      await screenshot(first.page, "health-dark");
      const digest = await nodeValue(first.page, "stateDigest");
      assertNoPageErrors(errors);
      await first.close();

      // Same profile, new browser process: IndexedDB, keys and service worker all come back.
      const second = await launch({ profileDir: profile });
      await second.page.goto(`${baseUrl}#/activity`);
      const after = await listedEnvelopeIds(second.page);
      assert.deepEqual(after.slice(0, listed.length), listed);
      assert.equal((await nodeValue(second.page, "listIdentities"))[0].identityId, me.identityId);
      assert.deepEqual(await nodeValue(second.page, "stateDigest"), digest);
      await second.page.getByTestId("tab-rejected").click();
      assert.equal(await second.page.getByTestId("rejection").first().getAttribute("data-code"), "ERR_SCHEMA_INVALID_VALUE");
      await second.page.getByTestId("nav-home").click();
      await second.page.getByTestId("contact").filter({ hasText: "Alan Turing" }).waitFor({ timeout: 10_000 });
    },
  },
];
