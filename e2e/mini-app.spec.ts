// Journey: a person installs the example mini-app from its package files, trusts its publisher after
// seeing who it is, opens it, writes and reads through the SDK, sees changes live, lets the person
// pick a contact for it (or decline), and finally stops trusting its publisher; turning it off makes it refuse to
// open (coded); on again; upgrade; uninstall keeps the data. Packages with a bad signature, a
// tampered ZIP, a path escape or an oversized file, and an untrusted publisher's, install nothing.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { notesPackage, publisher, resignedBy, tampered, withExtraEntry, type PackageFiles } from "./support/app-packages.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, nodeCall, nodeValue } from "./support/shell.ts";

async function pick(page: Page, files: PackageFiles): Promise<void> {
  await page.getByTestId("package-files").setInputFiles([files.zip, files.sig]);
}

function row(page: Page, slug: string) {
  return page.locator(`[data-testid="app-row"][data-slug="${slug}"]`);
}

async function errorCode(page: Page): Promise<string | null> {
  await page.getByTestId("error-notice").first().waitFor({ timeout: 10_000 });
  return page.getByTestId("error-notice").first().getAttribute("data-code");
}

async function openNotes(page: Page) {
  await row(page, "notes").getByTestId("open-app").click();
  const frame = page.frameLocator('[data-testid="app-iframe"]');
  await frame.locator('#who[data-ready="true"]').waitFor({ timeout: 15_000 });
  return frame;
}

export const cases: E2eCase[] = [
  {
    name: "install from files, trust the publisher, open, write and read through the SDK; off, on, upgrade, uninstall keeps data",
    timeoutMs: 120_000,
    async run({ baseUrl, launch, screenshot }) {
      const signer = await publisher(21);
      const v1 = await notesPackage("notes-1.0.0", "1.0.0", signer);
      const v2 = await notesPackage("notes-1.1.0", "1.1.0", signer, v1.chain);
      const { page } = await launch();
      const errors = watchPageErrors(page);
      await page.goto(baseUrl);
      await createIdentityThroughUi(page, "Ada");
      await page.getByTestId("nav-apps").click();

      await pick(page, v1.files);
      await page.locator('[data-testid="package-preview"][data-trust="none"]').waitFor();
      assert.equal(await page.getByTestId("publisher-name").textContent(), "Example Publisher");
      assert.match((await page.getByTestId("publisher-fingerprint").textContent()) ?? "", /^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
      await screenshot(page, "package-preview");
      await page.getByTestId("trust-publisher").click();
      await page.locator('[data-testid="package-preview"][data-trust="granted"]').waitFor();
      await page.getByTestId("install-app").click();
      await row(page, "notes").waitFor();

      const frame = await openNotes(page);
      assert.equal(await frame.locator("#who").textContent(), "notes 1.0.0");
      await frame.locator("#title").fill("first note");
      await frame.locator("#add").click();
      await frame.locator('#notes[data-count="1"]').waitFor();
      assert.equal(await frame.locator("#status").textContent(), "saved");
      await screenshot(page, "mini-app-open");

      // Live through the SDK's subscription: a note committed outside the frame (here the shell's
      // own port; a peer's sync arrives the same way) appears with no reload and no click.
      await nodeValue(page, "submit", {
        app: "notes",
        domain: "notes",
        ops: [
          {
            op: "parent_create",
            type_key: "notes.note",
            payload: { value: { title: "from elsewhere", created_at: new Date().toISOString() } },
          },
        ],
      });
      await frame.locator('#notes[data-count="2"]').waitFor();

      // Pick a contact: the shell's dialog names the app, the person chooses, the app gets that one.
      await nodeValue(page, "submit", addContactOps("grace_hopper", "Grace Hopper"));
      await nodeValue(page, "submit", addContactOps("alan_turing", "Alan Turing"));
      await frame.locator("#about").click();
      await page.getByTestId("contact-picker").waitFor();
      assert.equal(await page.locator("#picker-title").textContent(), "Notes asks for one contact");
      await page.getByTestId("picker-filter").fill("grace");
      assert.equal(await page.getByTestId("pick-contact").count(), 1);
      await screenshot(page, "pick-a-contact");
      await page.getByTestId("pick-contact").click();
      await frame.locator("#status", { hasText: /^picked$/ }).waitFor();
      assert.equal(await frame.locator("#title").inputValue(), "About Grace Hopper");
      assert.equal(await page.getByTestId("contact-picker").count(), 0);
      // Declining is an answer too: the app learns the code and nothing else.
      await frame.locator("#about").click();
      await page.getByTestId("pick-cancel").click();
      await frame.locator("#status", { hasText: "ERR_SVC_PICK_CANCELLED" }).waitFor();
      await frame.locator("#title").fill("");

      await row(page, "notes").getByTestId("disable-app").click();
      await page.locator('[data-testid="app-row"][data-slug="notes"][data-state="installed_disabled"]').waitFor();
      await row(page, "notes").getByTestId("open-app").click();
      assert.equal(await errorCode(page), "ERR_SVC_APP_DISABLED");
      await page.getByTestId("close-app").click();
      await row(page, "notes").getByTestId("enable-app").click();
      await page.locator('[data-testid="app-row"][data-slug="notes"][data-state="installed_enabled"]').waitFor();

      await pick(page, v2.files);
      await page.getByTestId("upgrade-app").click();
      await page.locator('[data-testid="app-row"][data-slug="notes"][data-version="1.1.0"]').waitFor();

      await row(page, "notes").getByTestId("disable-app").click();
      await row(page, "notes").getByTestId("uninstall-app").click();
      await page.locator('[data-testid="app-row"][data-slug="notes"][data-state="removed"]').waitFor();
      // Reinstalling from the same publisher shows the note written before the uninstall.
      await pick(page, v2.files);
      await page.getByTestId("install-app").click();
      await page.locator('[data-testid="app-row"][data-slug="notes"][data-state="installed_enabled"]').waitFor();
      const again = await openNotes(page);
      await again.locator('#notes[data-count="2"]').waitFor();
      assert.deepEqual((await again.locator("#notes li").allTextContents()).sort(), ["first note", "from elsewhere"]);

      // Stop trusting the publisher (asked twice): its app turns off, and opening it is refused.
      await page.getByTestId("close-app").click();
      const trusted = page.locator('[data-testid="trusted-publisher"]');
      assert.match((await trusted.textContent()) ?? "", /Example Publisher · notes/);
      await trusted.getByTestId("distrust").click();
      await screenshot(page, "trusted-publishers");
      await trusted.getByTestId("distrust-confirm").click();
      await page.locator('[data-testid="app-row"][data-slug="notes"][data-state="installed_disabled"]').waitFor();
      assert.equal(await page.locator('[data-testid="trusted-publisher"]').count(), 0);
      await row(page, "notes").getByTestId("open-app").click();
      assert.equal(await errorCode(page), "ERR_SVC_APP_DISABLED");
      assertNoPageErrors(errors);
    },
  },
  {
    name: "refuses a bad signature, a tampered ZIP, a path escape, an oversized file and an untrusted publisher, installing nothing",
    timeoutMs: 120_000,
    async run({ baseUrl, launch }) {
      const signer = await publisher(22);
      const good = await notesPackage("good", "1.0.0", signer);
      const cases: [string, PackageFiles, string][] = [
        ["bad signature", await resignedBy("bad-sig", good.files, await publisher(23)), "ERR_SVC_SYS_APP_SIGNATURE_INVALID"],
        ["tampered", tampered("tampered", good.files), "ERR_SVC_SYS_APP_SIGNATURE_INVALID"],
        [
          "path escape",
          await withExtraEntry("escape", good.files, "frontend/../../evil.js", new Uint8Array([1]), signer),
          "object_invalid",
        ],
        [
          "oversized file",
          await withExtraEntry("big", good.files, "frontend/big.bin", new Uint8Array(5 * 1024 * 1024), signer),
          "object_invalid",
        ],
      ];
      const { page } = await launch();
      await page.goto(baseUrl);
      await createIdentityThroughUi(page, "Ada");
      await page.getByTestId("nav-apps").click();
      const before = await nodeValue(page, "listApps");
      const seq = (await nodeValue(page, "stateDigest")).globalSeq;
      for (const [what, files, code] of cases) {
        await pick(page, files);
        assert.equal(await errorCode(page), code, what);
        const direct = await nodeCall(page, "installApp", { zip: Array.from(files.bytes), signature: files.signature });
        assert.equal(direct.ok, false, what);
        const viaBytes = await page.evaluate(
          async ([bytes, signature]) => window.twoway!.call("installApp", { zip: new Uint8Array(bytes), signature }),
          [Array.from(files.bytes), files.signature] as const,
        );
        assert.equal(viaBytes.ok ? "" : viaBytes.error.code, code, what);
      }
      // An untrusted publisher: the preview offers only trust, and installing directly is refused.
      await pick(page, good.files);
      await page.locator('[data-testid="package-preview"][data-trust="none"]').waitFor();
      assert.equal(await page.getByTestId("install-app").count(), 0);
      const untrusted = await page.evaluate(
        async ([bytes, signature]) => window.twoway!.call("installApp", { zip: new Uint8Array(bytes), signature }),
        [Array.from(good.files.bytes), good.files.signature] as const,
      );
      assert.equal(untrusted.ok ? "" : untrusted.error.code, "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED");
      assert.deepEqual(await nodeValue(page, "listApps"), before);
      assert.equal((await nodeValue(page, "stateDigest")).globalSeq, seq);
    },
  },
];
