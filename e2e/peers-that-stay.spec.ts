// Issue 15, peers that stay and activity in words: a remembered relay room reconnects by itself after
// a reload and sync resumes, a relay that goes away is retried (with advice) until it is back, a
// converged session shows no red and its bar ends at M, the answer is a QR code too; Activity rows
// say what changed, identical ones are grouped, a row opens to its envelope, new rows come live.
// Peers (live session) and Activity (list, detail) at every width and scheme, with axe.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startRelay } from "../signal/relay-server.ts";
import type { E2eCase, E2eContext } from "./support/harness.ts";
import { checkEveryView } from "./support/layout.ts";
import { addContactOps, createIdentityThroughUi, nodeValue, shareListing, waitForPhase } from "./support/shell.ts";

async function person(ctx: E2eContext, name: string, webrtc = true): Promise<Page> {
  const { page } = await ctx.launch({ webrtc });
  await page.goto(ctx.baseUrl);
  await createIdentityThroughUi(page, name);
  return page;
}

async function openPeers(page: Page): Promise<void> {
  await page.getByTestId("nav-peers").click();
  await page.getByTestId("peers-page").waitFor();
}

async function joinRoom(page: Page, url: string, room: string): Promise<void> {
  await page.getByTestId("relay-url").fill(url);
  await page.getByTestId("relay-room").fill(room);
  await page.getByTestId("relay-join").click();
  await page.getByTestId("relay-joined").waitFor({ timeout: 15_000 });
}

/** Both nodes hold the same state (polled in the page, bounded). */
async function converge(a: Page, b: Page): Promise<void> {
  try {
    // Polls both digests until they are one (each side moves while it receives the other's).
    const until = Date.now() + 120_000;
    for (;;) {
      const [da, db] = [(await nodeValue(a, "stateDigest")).digest, (await nodeValue(b, "stateDigest")).digest];
      if (da === db) return;
      if (Date.now() > until) throw new Error(`no convergence: ${String(da)} vs ${String(db)}`);
      await a.waitForTimeout(200);
    }
  } catch (error) {
    // What each side's sessions and links looked like, for the failure message.
    for (const page of [a, b])
      console.log(
        JSON.stringify({
          peers: ((await nodeValue(page, "syncOverview")).peers as { state: string; closeReason: string | null }[]).map((p) => [
            p.state,
            p.closeReason,
          ]),
          links: await page.evaluate(() => window.twoway!.peering.links().map((l) => [l.phase, l.closeReason])),
        }),
      );
    throw error;
  }
}

/** A converged, live session: no red anywhere on Peers, and its bar reads M of M. */
async function assertCalmAndComplete(page: Page): Promise<void> {
  const row = page.locator('[data-testid="peer-row"][data-state="live"]').first();
  await row.waitFor({ timeout: 30_000 });
  // The page refreshes each second: wait until the session says it is up to date, its bar at M of M.
  await page.waitForFunction(
    () => {
      const bar = document.querySelector('[data-testid="peer-row"][data-state="live"] [data-testid="peer-progress"]');
      return bar?.getAttribute("data-up-to-date") === "true" && bar.getAttribute("data-done") === bar.getAttribute("data-total");
    },
    undefined,
    { timeout: 60_000 },
  );
  assert.match((await row.getByTestId("peer-progress").textContent()) ?? "", /Up to date/);
  assert.equal(await page.locator('[data-attention="true"], .peer__error, .notice--error').count(), 0, "nothing in red");
}

export const cases: E2eCase[] = [
  {
    name: "after Ann reloads, her remembered room reconnects by itself, the peer is shown as the person Ben, and sync resumes",
    timeoutMs: 240_000,
    async run(ctx) {
      const relay = await startRelay({ host: "127.0.0.1", port: 0, log: () => {} });
      try {
        const ann = await person(ctx, "Ann");
        const ben = await person(ctx, "Ben");
        for (const [page, who] of [
          [ann, "ann"],
          [ben, "ben"],
        ] as const)
          // Listings, read by everyone one syncs with: contacts stay with their owner (ADR 0023, amended).
          for (let i = 0; i < 3; i++) await shareListing(page, `${who} ${i}`);
        for (const page of [ann, ben]) await openPeers(page);
        await joinRoom(ann, relay.url, "kitchen");
        await joinRoom(ben, relay.url, "kitchen");
        await converge(ann, ben);
        for (const page of [ann, ben]) await assertCalmAndComplete(page);

        // Ben's hello proved his node key, and the sync brought Ben's signed binding of that key (ADR
        // 0030): the row is Ben the person, with his initials, and asks for no name.
        const row = ann.locator('[data-testid="peer-row"][data-state="live"]').first();
        await row.locator('[data-testid="peer-name"][data-shown-as="person"]', { hasText: /^Ben$/ }).waitFor({ timeout: 30_000 });
        assert.equal((await row.locator(".avatar").textContent())?.trim(), "BE");
        assert.equal(await row.getByTestId("peer-name-input").count(), 0, "a person the graph names needs no name");
        await checkEveryView(ctx, ann, "shell-peers-live");
        // The two sizes a person meets first: a laptop and a phone.
        for (const [width, height] of [
          [1280, 800],
          [390, 844],
        ] as const) {
          await ann.setViewportSize({ width, height });
          await ann.emulateMedia({ colorScheme: "light", reducedMotion: "reduce" });
          await ctx.screenshot(ann, `shell-peers-live-${width}x${height}`);
        }

        // Reload: nothing is clicked; the room is rejoined and a new session goes live.
        await ann.reload();
        await waitForPhase(ann, "ready");
        await ann.getByTestId("peers-page").waitFor({ timeout: 20_000 });
        await ann.getByTestId("relay-joined").waitFor({ timeout: 30_000 });
        await ann
          .locator('[data-testid="peer-row"][data-state="live"] [data-testid="peer-name"][data-shown-as="person"]', { hasText: /^Ben$/ })
          .waitFor({ timeout: 60_000 });
        // Sync resumes: a write on Ben after the reload reaches Ann.
        await shareListing(ben, "After Reload");
        await converge(ann, ben);
        await assertCalmAndComplete(ann);
        await ctx.screenshot(ann, "shell-peers-after-reload");
      } finally {
        await relay.close();
      }
    },
  },
  {
    name: "a relay that goes away is retried with advice in plain words, and the room is joined again once it is back",
    timeoutMs: 120_000,
    async run(ctx) {
      let relay = await startRelay({ host: "127.0.0.1", port: 0, log: () => {} });
      const port = relay.port;
      try {
        const ann = await person(ctx, "Ann", false);
        await openPeers(ann);
        await joinRoom(ann, relay.url, "porch");
        await relay.close();
        const advice = ann.getByTestId("relay-advice");
        await advice.waitFor({ timeout: 30_000 });
        assert.match((await advice.getAttribute("data-reason")) ?? "", /^relay_(unreachable|closed|timeout)$/);
        assert.doesNotMatch((await advice.textContent()) ?? "", /ERR_|relay_/, "advice in words, not codes");
        await ctx.screenshot(ann, "shell-peers-relay-away");
        relay = await startRelay({ host: "127.0.0.1", port, log: () => {} });
        await ann.getByTestId("relay-joined").waitFor({ timeout: 60_000 });
        // Leaving forgets the room: a reload joins nothing.
        await ann.getByTestId("relay-leave").click();
        await ann.reload();
        await waitForPhase(ann, "ready");
        await ann.getByTestId("relay-join").waitFor({ timeout: 20_000 });
        assert.equal(await ann.evaluate(() => localStorage.getItem("twoway.peering.room")), null);
      } finally {
        await relay.close();
      }
    },
  },
  {
    name: "the invite's answer is a QR code as well as text",
    timeoutMs: 180_000,
    async run(ctx) {
      const ann = await person(ctx, "Ann");
      const ben = await person(ctx, "Ben");
      for (const page of [ann, ben]) await openPeers(page);
      await ann.getByTestId("invite-create").click();
      await ben.getByTestId("invite-input").fill(await ann.getByTestId("invite-code").inputValue({ timeout: 20_000 }));
      await ben.getByTestId("invite-accept").click();
      assert.match(await ben.getByTestId("answer-code").inputValue({ timeout: 20_000 }), /^twoway1\.a\./);
      const qr = ben.getByTestId("answer-qr");
      assert.equal(await qr.getAttribute("role"), "img");
      assert.equal(await qr.locator("svg").count(), 1);
    },
  },
  {
    name: "Activity says what changed in words, groups identical rows, opens a row to its envelope, and shows new rows live",
    timeoutMs: 240_000,
    async run(ctx) {
      const page = await person(ctx, "Ann", false);
      const grace = await nodeValue(page, "submit", addContactOps("grace_hopper", "Grace Hopper"));
      for (let i = 0; i < 3; i++) await nodeValue(page, "submit", addContactOps(`sam${i}`, "Sam"));
      const update = await nodeValue(page, "submit", {
        app: "app.contacts",
        domain: "contacts",
        ops: [
          {
            op: "parent_update",
            type_key: "contact.profile",
            payload: {
              parent_id: grace.objectIds[0],
              value: { handle: "grace_hopper", display_name: "Grace Brewster Hopper", created_at: new Date().toISOString() },
            },
          },
        ],
      });
      await page.getByTestId("nav-activity").click();
      const words = page.getByTestId("history-words");
      await words.filter({ hasText: "Added contact Grace Hopper" }).waitFor({ timeout: 20_000 });
      await words.filter({ hasText: "Changed contact Grace Brewster Hopper" }).waitFor();
      const group = page.locator('[data-testid="history-entry"][data-count="3"]');
      assert.equal(await group.count(), 1, "three identical rows are one");
      assert.match((await group.getByTestId("history-group").textContent()) ?? "", /3 identical changes/);
      await checkEveryView(ctx, page, "shell-activity-list");

      const row = page.locator(`[data-testid="history-entry"][data-envelope-id="${update.envelopeId}"]`);
      await row.getByTestId("history-open").click();
      const detail = row.getByTestId("envelope-detail");
      await detail.waitFor();
      assert.equal(await row.getByTestId("history-open").getAttribute("aria-expanded"), "true");
      assert.match((await detail.getByTestId("detail-author").textContent()) ?? "", /You \(Ann\)/);
      assert.match((await detail.getByTestId("detail-key").textContent()) ?? "", /\S/);
      assert.equal(await detail.getByTestId("detail-signature").getAttribute("data-verified"), "true");
      const steps = detail.getByTestId("version-step");
      assert.deepEqual(await steps.evaluateAll((els) => els.map((e) => e.getAttribute("data-seq"))), [
        String(grace.seq),
        String(update.seq),
      ]);
      await checkEveryView(ctx, page, "shell-activity-detail");

      // Live: a write while Activity is open appears with no reload, and the open row stays open.
      await nodeValue(page, "submit", addContactOps("live_larry", "Live Larry"));
      await words.filter({ hasText: "Added contact Live Larry" }).waitFor({ timeout: 20_000 });
      assert.equal(await row.getByTestId("envelope-detail").count(), 1);
    },
  },
];
