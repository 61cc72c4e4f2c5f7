// Journey: the recovery file brings an identity back (ADR 0021). Create an identity, write contacts,
// save the recovery file under a passphrase; then a wiped browser (a new profile directory) restores
// from it — a wrong passphrase first, refused — and is the same identity with the same state. Each of
// its screens (export, restore form, refusal, restored, Recovery page) at 320–1280 px, light and dark, with axe.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { checkEveryView } from "./support/layout.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, nodeValue } from "./support/shell.ts";

const PASSPHRASE = "orange lantern over the harbour";

/** Every width (320–1280) and scheme, no sideways scroll, no serious axe finding; then back to 1280 light. */
async function everyView(page: Page, screenshot: (page: Page, name: string) => Promise<string>, name: string): Promise<void> {
  await checkEveryView({ screenshot }, page, name);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.emulateMedia({ colorScheme: "light" });
}

export const cases: E2eCase[] = [
  {
    name: "a wiped browser restores the identity from its recovery file and passphrase: same identity id, same state digest",
    timeoutMs: 150_000,
    async run({ baseUrl, launch, profileDir, screenshot }) {
      const before = profileDir();
      const keep = join(profileDir(), "recovery.json");
      const first = await launch({ profileDir: before });
      const firstErrors = watchPageErrors(first.page);
      await first.page.goto(baseUrl);
      await createIdentityThroughUi(first.page, "Ada Lovelace", async () => {
        await first.page.getByTestId("recovery-passphrase").fill(PASSPHRASE);
        await first.page.getByTestId("recovery-passphrase-confirm").fill(`${PASSPHRASE}?`);
        await first.page.getByTestId("recovery-mismatch").waitFor();
        assert.equal(await first.page.getByTestId("recovery-download").isDisabled(), true, "differing passphrases cannot seal");
        await first.page.getByTestId("recovery-passphrase-confirm").fill(PASSPHRASE);
        await everyView(first.page, screenshot, "recovery-export-step");
        const download = first.page.waitForEvent("download");
        await first.page.getByTestId("recovery-download").click();
        await (await download).saveAs(keep);
        await first.page.getByTestId("recovery-saved").waitFor({ timeout: 30_000 });
      });
      const me = (await nodeValue(first.page, "listIdentities"))[0];
      for (const handle of ["grace_hopper", "alan_turing"])
        assert.equal((await nodeValue(first.page, "submit", addContactOps(handle))).status, "accepted");
      // The contacts written after the export reach the restored browser from this one, as a peer would send them.
      const after = (await nodeValue(first.page, "exportEnvelopes", { afterSeq: 0, limit: 1000 })).envelopes as { text: string }[];
      assertNoPageErrors(firstErrors);
      await first.close();

      // A new profile directory: nothing of the first browser is left.
      const second = await launch({ profileDir: profileDir() });
      const errors = watchPageErrors(second.page);
      await second.page.goto(baseUrl);
      await second.page.waitForSelector('[data-testid="welcome"][data-state="identity"]', { timeout: 20_000 });
      await everyView(second.page, screenshot, "restore-welcome");
      await second.page.getByTestId("welcome-restore").click();
      await second.page.waitForSelector('[data-testid="welcome"][data-state="restore"]');
      await second.page.getByTestId("restore-file").setInputFiles(keep);
      await second.page.getByTestId("restore-passphrase").fill("not the passphrase");
      await second.page.getByTestId("restore-submit").click();
      const refusal = second.page.getByTestId("error-notice");
      await refusal.waitFor({ timeout: 30_000 });
      assert.equal(await refusal.getAttribute("data-code"), "ERR_RECOVERY_PASSPHRASE_WRONG");
      assert.deepEqual(await nodeValue(second.page, "listIdentities"), [], "a refused restore writes nothing");
      await everyView(second.page, screenshot, "restore-wrong-passphrase");

      await second.page.getByTestId("restore-passphrase").fill(PASSPHRASE);
      await second.page.getByTestId("restore-submit").click();
      await second.page.waitForSelector('[data-testid="welcome"][data-state="restored"]', { timeout: 60_000 });
      await everyView(second.page, screenshot, "restore-done");
      await second.page.getByTestId("restore-continue").click();
      await second.page.getByTestId("home").waitFor({ timeout: 10_000 });
      assert.equal(await second.page.getByTestId("greeting").textContent(), "Hello, Ada");
      const restored = await nodeValue(second.page, "listIdentities");
      assert.deepEqual(
        restored.map((i: { identityId: string }) => i.identityId),
        [me.identityId],
      );

      // Ordinary exchange both ways: the first browser's later contacts, and the restore's binding.
      const imported = await nodeValue(second.page, "importEnvelopes", { envelopes: after.map((e) => e.text) });
      assert.deepEqual(imported.rejected, []);
      await second.page.getByTestId("contact").filter({ hasText: "alan_turing" }).waitFor({ timeout: 10_000 });
      const seq = (await nodeValue(second.page, "stateDigest")).globalSeq;
      const binding = (await nodeValue(second.page, "exportEnvelopes", { afterSeq: 0, limit: 1000 })).envelopes.filter(
        (e: { seq: number }) => e.seq <= seq,
      ) as { text: string }[];
      await second.page.goto(`${baseUrl}#/recovery`);
      await second.page.getByTestId("identity-id").waitFor();
      assert.equal(await second.page.getByTestId("identity-id").textContent(), me.identityId);
      await everyView(second.page, screenshot, "recovery-page");
      const digest = (await nodeValue(second.page, "stateDigest")).digest;
      assertNoPageErrors(errors);
      await second.close();

      const reopened = await launch({ profileDir: before });
      await reopened.page.goto(baseUrl);
      await reopened.page.getByTestId("home").waitFor({ timeout: 20_000 });
      const back = await nodeValue(reopened.page, "importEnvelopes", { envelopes: binding.map((e) => e.text) });
      assert.deepEqual(back.rejected, []);
      assert.equal(back.accepted, 1, "the first browser takes the restore's device binding");
      assert.equal((await nodeValue(reopened.page, "stateDigest")).digest, digest, "both browsers hold the same state");
      await reopened.close();
    },
  },
];
