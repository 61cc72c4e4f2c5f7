// Integrity at rest in the real app (ADR 0018, 0019): what any script on the node's origin can do
// with its databases, measured — it signs with the identity's non-extractable key, and it can edit
// rows — and what the node does about the edits: rebuilt on check, and a lost key database refused
// with a plain screen instead of a silent new identity.
import assert from "node:assert/strict";
import type { E2eCase } from "./support/harness.ts";
import { createIdentityThroughUi, nodeValue, waitForPhase } from "./support/shell.ts";

type SameOriginSigning = {
  scope: string;
  extractable: boolean;
  exportRefused: boolean;
  signed: number;
  verified: number;
};

export const cases: E2eCase[] = [
  {
    name: "a same-origin script signs with the identity's key; an edited object is rebuilt on check; a lost key database gets its own screen",
    timeoutMs: 120_000,
    async run({ baseUrl, launch, screenshot }) {
      const { page } = await launch();
      await page.goto(baseUrl);
      await createIdentityThroughUi(page, "Ada Lovelace");
      const [me] = (await nodeValue(page, "listIdentities")) as { identityId: string; publicKey: string }[];
      assert.ok(me);

      // ADR 0019, measured: a script on this origin (no help from the node) opens the key database,
      // takes the identity's CryptoKey and signs with it. Non-extractable stops copying, not using.
      const signing = await page.evaluate(async (identityId): Promise<SameOriginSigning> => {
        const open = indexedDB.open("twoway-keys-main");
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error ?? new Error("open failed"));
        });
        const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
          const req = db.transaction("keys").objectStore("keys").getAll();
          req.onsuccess = () => resolve(req.result as Record<string, unknown>[]);
          req.onerror = () => reject(req.error ?? new Error("read failed"));
        });
        db.close();
        const row = rows.find((r) => r["identityId"] === identityId && r["scope"] === "identity")!;
        const privateKey = row["privateKey"] as CryptoKey;
        const publicKey = await crypto.subtle.importKey(
          "raw",
          Uint8Array.from(atob(String(row["publicKey"]).replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
          "Ed25519",
          true,
          ["verify"],
        );
        const exportRefused = await crypto.subtle.exportKey("pkcs8", privateKey).then(
          () => false,
          () => true,
        );
        let signed = 0;
        let verified = 0;
        for (let i = 0; i < 50; i++) {
          const message = new TextEncoder().encode(`{"author_id":"${identityId}","seq":${1000 + i},"forged_by":"same-origin script"}`);
          const signature = await crypto.subtle.sign("Ed25519", privateKey, message);
          signed += 1;
          if (await crypto.subtle.verify("Ed25519", publicKey, signature, message)) verified += 1;
        }
        return { scope: String(row["scope"]), extractable: privateKey.extractable, exportRefused, signed, verified };
      }, me.identityId);
      assert.deepEqual(signing, { scope: "identity", extractable: false, exportRefused: true, signed: 50, verified: 50 });
      console.log(`  same-origin script: ${signing.verified}/${signing.signed} signatures with the identity's non-extractable key verify`);

      // A script edits an object row (the identity's name); the check rebuilds it from the envelope.
      const clean = await nodeValue(page, "checkIntegrity");
      assert.equal(clean.clean, true);
      const before = await nodeValue(page, "stateDigest");
      const edited = await page.evaluate(async () => {
        const open = indexedDB.open("twoway-node-main");
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error ?? new Error("open failed"));
        });
        const store = db.transaction("objects", "readwrite").objectStore("objects");
        const rows = await new Promise<{ typeKey: string; winner: { value: Record<string, unknown> } }[]>((resolve) => {
          const req = store.getAll();
          req.onsuccess = () => resolve(req.result as never);
        });
        const identity = rows.find((r) => r.typeKey === "system.identity" && r.winner.value["name"] === "Ada Lovelace")!;
        await new Promise<void>((resolve, reject) => {
          const req = store.put({ ...identity, winner: { ...identity.winner, value: { name: "Mallory" } } });
          req.onsuccess = () => resolve();
          req.onerror = () => reject(req.error ?? new Error("write failed"));
        });
        db.close();
        return true;
      });
      assert.equal(edited, true);
      assert.notEqual((await nodeValue(page, "stateDigest")).digest, before.digest, "the edit is in the database");
      const report = await nodeValue(page, "checkIntegrity");
      assert.equal(report.objectsRebuilt, 1);
      assert.equal((await nodeValue(page, "stateDigest")).digest, before.digest);
      const health = await nodeValue(page, "health");
      const integrity = (health.managers as { name: string; state: string; detail: string | null }[]).find((m) => m.name === "integrity");
      assert.equal(integrity?.state, "degraded");
      assert.match(integrity?.detail ?? "", /ERR_MNG_STORAGE_INTEGRITY_VIOLATION/);

      // The key database disappears while the history stays: no silent new identity.
      await nodeValue(page, "close");
      await page.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const req = indexedDB.deleteDatabase("twoway-keys-main");
            req.onsuccess = () => resolve();
            req.onerror = () => reject(req.error ?? new Error("delete failed"));
          }),
      );
      await page.reload();
      await page.waitForSelector('[data-testid="node-gate"][data-state="keys-lost"]', { timeout: 30_000 });
      assert.equal(await page.getByTestId("welcome").count(), 0, "never onboarded again over the old history");
      assert.equal(await page.getByTestId("error-code").textContent(), "ERR_MNG_KEY_DATABASE_LOST");
      await screenshot(page, "keys-lost");
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, "keys-lost-mobile");
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.getByTestId("keys-lost-retry").click();
      await waitForPhase(page, "failed", 30_000);
      await page.waitForSelector('[data-testid="node-gate"][data-state="keys-lost"]', { timeout: 30_000 });
      assert.equal(await page.getByTestId("welcome").count(), 0);
    },
  },
];
