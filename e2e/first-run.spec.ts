// Journey 1: the first visit creates an identity inside the node worker, offers the recovery file
// (its recovery key sealed under a passphrase, ADR 0021), and the identity is still there after a reload.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { assertNoPageErrors, createIdentityThroughUi, nodeValue } from "./support/shell.ts";

type RecoveryFile = {
  recovery: {
    format: string;
    formatVersion: number;
    identity: { identityId: string; name: string; rootKey: string };
    envelopeCount: number;
    privateKeysIncluded: string;
    sealedKey: { kdf: { name: string }; cipher: { name: string } };
    notice: string;
  };
  signature: string;
  envelopes: { seq: number; id: string; status: string; text: string }[];
};

export const cases: E2eCase[] = [
  {
    name: "first run creates an identity (keys stay in the worker), offers the recovery file, and the identity survives a reload",
    async run({ baseUrl, launch, screenshot }) {
      const { page } = await launch();
      const errors = watchPageErrors(page);
      await page.goto(baseUrl);
      await page.waitForSelector('[data-testid="welcome"][data-state="identity"]', { timeout: 20_000 });
      await screenshot(page, "first-run-welcome");

      let recovery: RecoveryFile | undefined;
      await createIdentityThroughUi(page, "Ada Lovelace", async () => {
        await screenshot(page, "first-run-recovery-step");
        await page.getByTestId("recovery-passphrase").fill("a passphrase of my own");
        await page.getByTestId("recovery-passphrase-confirm").fill("a passphrase of my own");
        const download = page.waitForEvent("download");
        await page.getByTestId("recovery-download").click();
        const file = await download;
        assert.match(file.suggestedFilename(), /^2way-recovery-\d{4}-\d{2}-\d{2}\.json$/);
        recovery = JSON.parse(readFileSync(await file.path(), "utf8")) as RecoveryFile;
        await page.getByTestId("recovery-saved").waitFor();
      });

      const identities = await nodeValue(page, "listIdentities");
      assert.equal(identities.length, 1);
      const me = identities[0];
      assert.equal(me.name, "Ada Lovelace");
      // Only public data crosses the port: the key record has no private half.
      assert.deepEqual(Object.keys(me).sort(), ["createdAt", "identityId", "name", "publicKey"]);

      assert.ok(recovery, "no recovery file was downloaded");
      assert.equal(recovery.recovery.format, "twoway-recovery");
      assert.equal(recovery.recovery.formatVersion, 2);
      // The recovery key is in the file only sealed: scrypt, then AES-256-GCM (ADR 0021).
      assert.equal(recovery.recovery.privateKeysIncluded, "recovery_key_sealed");
      assert.deepEqual([recovery.recovery.sealedKey.kdf.name, recovery.recovery.sealedKey.cipher.name], ["scrypt", "AES-256-GCM"]);
      assert.match(recovery.recovery.notice, /sealed under the passphrase/);
      assert.equal(recovery.recovery.identity.identityId, me.identityId);
      assert.equal(recovery.envelopes.length, recovery.recovery.envelopeCount);
      assert.ok(
        recovery.envelopes.some((e) => JSON.parse(e.text).author_id === me.identityId),
        "the identity's genesis is in the file",
      );

      assert.equal(await page.getByTestId("greeting").textContent(), "Hello, Ada");
      await page.locator('[data-testid="app-card"]').first().waitFor();
      assert.deepEqual(
        await page.locator('[data-testid="app-card"]').evaluateAll((cards) => cards.map((c) => c.getAttribute("data-slug"))),
        ["app.contacts", "app.messaging", "app.social", "app.market"],
      );
      await page.waitForSelector('[data-testid="persistence-status"]:not([data-state="unknown"])', { timeout: 10_000 });
      await page.waitForSelector('[data-testid="offline-status"][data-state="ready"]', { timeout: 20_000 });
      await screenshot(page, "home");
      await page.emulateMedia({ colorScheme: "dark" });
      await screenshot(page, "home-dark");
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, "home-mobile");
      await page.setViewportSize({ width: 1280, height: 720 });

      await page.reload();
      await page.getByTestId("home").waitFor({ timeout: 20_000 });
      assert.equal(await page.getByTestId("welcome").count(), 0, "a reload must not ask for an identity again");
      assert.equal(await page.getByTestId("greeting").textContent(), "Hello, Ada");
      const after = await nodeValue(page, "listIdentities");
      assert.deepEqual(
        after.map((i: { identityId: string }) => i.identityId),
        [me.identityId],
      );
      await page.goto(`${baseUrl}#/recovery`);
      await page.getByTestId("identity-id").waitFor();
      assert.equal(await page.getByTestId("identity-id").textContent(), me.identityId);
      await screenshot(page, "identity-and-recovery");
      assertNoPageErrors(errors);
    },
  },
];
