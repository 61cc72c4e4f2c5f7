// Journey 4: one node per origin (ADR 0006). A second tab never opens a second writer: it says 2WAY
// is open elsewhere and takes over when the first tab closes, or when the person asks.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { checkEveryView } from "./support/layout.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, listedEnvelopeIds, nodeValue, waitForPhase } from "./support/shell.ts";

const LOCK = "twoway-node-leader";

async function leaderLock(page: Page): Promise<{ held: number; pending: number }> {
  return page.evaluate(async (name) => {
    const state = await navigator.locks.query();
    return {
      held: (state.held ?? []).filter((l) => l.name === name).length,
      pending: (state.pending ?? []).filter((l) => l.name === name).length,
    };
  }, LOCK);
}

export const cases: E2eCase[] = [
  {
    name: "a second tab opens no database, shows that 2WAY is open elsewhere, and takes over when the first tab closes",
    async run({ baseUrl, launch, screenshot }) {
      const { context, page: first } = await launch();
      await first.goto(baseUrl);
      await createIdentityThroughUi(first, "Ada");

      const second = await context.newPage();
      const errors = watchPageErrors(second);
      await second.goto(baseUrl);
      await second.waitForSelector('[data-testid="open-elsewhere"][data-state="waiting"]', { timeout: 20_000 });
      await checkEveryView({ screenshot }, second, "open-elsewhere");

      assert.deepEqual(await nodeValue(first, "status"), { role: "leader", databaseOpened: true, nodeName: "main", lockName: LOCK });
      assert.deepEqual(await nodeValue(second, "status"), { role: "waiting", databaseOpened: false, nodeName: "main", lockName: LOCK });
      // Exactly one holder of the lock (the first tab's worker), one waiter (the second's).
      assert.deepEqual(await leaderLock(second), { held: 1, pending: 1 });

      const receipt = await nodeValue(first, "submit", addContactOps("grace"));
      await first.close();

      await waitForPhase(second, "ready");
      await second.getByTestId("home").waitFor({ timeout: 20_000 });
      assert.equal((await nodeValue(second, "status")).role, "leader");
      assert.deepEqual(await leaderLock(second), { held: 1, pending: 0 });
      await second.getByTestId("nav-activity").click();
      assert.equal((await listedEnvelopeIds(second))[0], receipt.envelopeId);
      assertNoPageErrors(errors);
    },
  },
  {
    name: "“Use 2WAY here” moves the node: the first tab stops its node before the second one opens it",
    async run({ baseUrl, launch, screenshot }) {
      const { context, page: first } = await launch();
      await first.goto(baseUrl);
      await createIdentityThroughUi(first, "Ada");
      const second = await context.newPage();
      await second.goto(baseUrl);
      await second.waitForSelector('[data-testid="open-elsewhere"][data-state="waiting"]', { timeout: 20_000 });

      await second.getByTestId("use-here").click();
      await first.waitForSelector('[data-testid="open-elsewhere"][data-state="moved"]', { timeout: 20_000 });
      await second.getByTestId("home").waitFor({ timeout: 20_000 });
      assert.equal((await nodeValue(second, "status")).role, "leader");
      const moved = await first.evaluate(async () => (await window.twoway!.call("status")) as { ok: boolean; error?: { code: string } });
      assert.equal(moved.ok, false, "the first tab no longer reaches a node");
      assert.deepEqual(await leaderLock(first), { held: 1, pending: 0 });
      await checkEveryView({ screenshot }, first, "moved-to-another-tab");

      // And back again.
      await first.getByTestId("use-here").click();
      await first.getByTestId("home").waitFor({ timeout: 20_000 });
      await second.waitForSelector('[data-testid="open-elsewhere"][data-state="moved"]', { timeout: 20_000 });
      assert.equal(await first.getByTestId("greeting").textContent(), "Hello, Ada");
    },
  },
];
