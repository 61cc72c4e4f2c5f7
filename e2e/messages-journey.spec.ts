// Contacts and Messages as people use them (issue 14): three Chromium processes, loopback only.
// Ann adds Ben in the Contacts app, starts a private conversation with him in the Messages app while
// they are apart; when they meet (an invite code, no server) it arrives on Ben's open screen, and his
// answer on Ann's, with no reload. Cal, peered with Ann all along, never receives a byte of it: not
// through his node's reads, not in his IndexedDB. An over-long message is refused in plain words.
import assert from "node:assert/strict";
import type { Frame, FrameLocator, Page } from "playwright-core";
import type { E2eCase, E2eContext } from "./support/harness.ts";
import { axeFindings, horizontalOverflow, SCHEMES } from "./support/layout.ts";
import { addContactOps, createIdentityThroughUi, nodeValue } from "./support/shell.ts";

const SECRET = "Lunch at one? 🥪 غداء";
const REPLY = "Yes — see you there";
const TITLE = "Ann and Ben";

async function person(ctx: E2eContext, name: string): Promise<Page> {
  const { page } = await ctx.launch({ webrtc: true });
  await page.goto(ctx.baseUrl);
  await createIdentityThroughUi(page, name);
  return page;
}

/** Connects two shells by an invite code and its answer (no server), until both see a live peer. */
async function meet(a: Page, b: Page): Promise<void> {
  for (const page of [a, b]) {
    await page.getByTestId("nav-peers").click();
    await page.getByTestId("peers-page").waitFor();
  }
  await a.getByTestId("invite-create").click();
  const code = await a.getByTestId("invite-code").inputValue({ timeout: 20_000 });
  await b.getByTestId("invite-input").fill(code);
  await b.getByTestId("invite-accept").click();
  const answer = await b.getByTestId("answer-code").inputValue({ timeout: 20_000 });
  await a.getByTestId("answer-input").fill(answer);
  await a.getByTestId("answer-finish").click();
  await b.waitForSelector('[data-testid="peer-row"][data-state="live"]', { timeout: 30_000 });
}

/**
 * The same meeting through the page's peering (the code a person would paste), so both stay on
 * Home with their app open: what arrives must show there with no reload.
 */
async function meetInPlace(a: Page, b: Page): Promise<void> {
  const attached = (page: Page) => page.evaluate(() => window.twoway!.peering.links().filter((l) => l.phase === "attached").length);
  const before = await attached(b);
  const offer = await a.evaluate(() => window.twoway!.peering.createInvite());
  assert.ok(offer.ok, "an invite");
  const answer = await b.evaluate((code) => window.twoway!.peering.acceptInvite(code), offer.value.code);
  assert.ok(answer.ok, "an answer");
  const finished = await a.evaluate((code) => window.twoway!.peering.finishInvite(code), answer.value.answerCode);
  assert.ok(finished.ok, "the invite finishes");
  await b.waitForFunction((n) => window.twoway!.peering.links().filter((l) => l.phase === "attached").length > n, before, {
    timeout: 30_000,
  });
}

/** Opens a built-in app from its Home card; returns its frame once the app says it is ready. */
async function openFromHome(page: Page, slug: string): Promise<FrameLocator> {
  await page.getByTestId("nav-home").click();
  await page.locator(`[data-testid="app-card"][data-slug="${slug}"] [data-testid="open-app"]`).click();
  const frame = page.frameLocator(`[data-testid="app-frame"][data-slug="${slug}"] [data-testid="app-iframe"]`);
  await frame.locator("body[data-ready]").waitFor({ timeout: 20_000 });
  return frame;
}

function appFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f.parentFrame() !== null);
  assert.ok(frame, "the app's frame");
  return frame;
}

/** 1280×800 and 390×844 in light and dark: no sideways scroll (shell or app), axe clean in both. */
async function checkViews(ctx: E2eContext, page: Page, name: string): Promise<void> {
  const problems: string[] = [];
  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const)
    for (const scheme of SCHEMES) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const frame = appFrame(page);
      for (const [where, target] of [
        ["shell", page],
        ["app", frame],
      ] as const) {
        const overflow = await horizontalOverflow(target as Page);
        if (overflow.scrollWidth > overflow.innerWidth)
          problems.push(`${name} ${width} ${scheme} ${where}: ${overflow.culprits.join("; ")}`);
        for (const f of await axeFindings(target as Page))
          problems.push(`${name} ${width} ${scheme} ${where}: axe ${f.id} at ${f.targets.join(" | ")}`);
      }
      await page.locator('[data-testid="app-frame"]').scrollIntoViewIfNeeded();
      await ctx.screenshot(page, `${name}-${width}x${height}-${scheme}`);
    }
  assert.deepEqual(problems, [], problems.join("\n"));
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Every value in every object store of every IndexedDB database of this origin, as text. */
async function everythingStored(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const texts: string[] = [];
    for (const { name } of await indexedDB.databases()) {
      if (name === undefined) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(new Error(String(open.error)));
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store, "readonly").objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(new Error(String(request.error)));
        });
        texts.push(JSON.stringify(all, (_k, v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v)));
      }
      db.close();
    }
    return texts.join("\n");
  });
}

async function messagingRows(page: Page, typeKey: string): Promise<unknown[]> {
  return (await nodeValue(page, "read", { app: "app.messaging", query: { target: "parent", type_key: typeKey, limit: 50 } }))
    .rows as unknown[];
}

export const cases: E2eCase[] = [
  {
    name: "Ann and Ben talk privately in the Messages app, live on both screens; Cal, peered with Ann, gets none of it",
    timeoutMs: 240_000,
    async run(ctx) {
      const ann = await person(ctx, "Ann");
      const ben = await person(ctx, "Ben");
      const cal = await person(ctx, "Cal");
      const benId = ((await nodeValue(ben, "listIdentities")) as { identityId: string }[])[0]!.identityId;
      await meet(ann, cal);

      // Contacts: Ann adds Ben with his identity (as his invite or a connected peer proves it).
      const contacts = await openFromHome(ann, "app.contacts");
      await contacts.getByTestId("name").fill("Ben Okafor");
      await contacts.getByTestId("identity").fill(benId);
      // Sync peers are nodes: Ben's as his node proves it in the sync hello (the Peers page shows it).
      await contacts.getByTestId("node-identity").fill((await nodeValue(ben, "syncOverview")).nodeIdentity as string);
      await contacts.getByTestId("notes").fill("From the climbing club. Long note ".repeat(8));
      await contacts.getByTestId("save").click();
      await contacts.locator('[data-testid="contact-list"][data-count="1"]').waitFor();
      await checkViews(ctx, ann, "contacts");

      // Messages, while Ann and Ben are apart: the conversation and its first message wait at Ann's.
      await ann.getByTestId("close-app").click();
      const annApp = await openFromHome(ann, "app.messaging");
      await annApp.getByTestId("new-title").fill(TITLE);
      await annApp.getByTestId("add-person").click();
      await ann.getByTestId("contact-picker").waitFor();
      await ann.locator('[data-testid="pick-contact"]', { hasText: "Ben Okafor" }).click();
      await annApp.getByTestId("chosen-person").waitFor();
      await annApp.getByTestId("start").click();
      await annApp.locator('[data-testid="thread"]:not([hidden])').waitFor();
      await annApp.getByTestId("body").fill(SECRET);
      await annApp.getByTestId("send").click();
      await annApp.locator('[data-testid="messages"][data-count="1"]').waitFor();

      // Ben has the app open, empty, when they meet: the conversation arrives on his screen, no reload.
      const benApp = await openFromHome(ben, "app.messaging");
      await benApp.locator(`[data-testid="threads"][data-count="0"]`).waitFor({ state: "attached" });
      await meetInPlace(ann, ben);
      const benLive = benApp;
      const row = benLive.locator('[data-testid="thread-row"]', { hasText: TITLE });
      try {
        await row.locator('[data-testid="unread"]').waitFor({ timeout: 60_000 });
      } catch (error) {
        console.log("on failure: ben threads", JSON.stringify(await messagingRows(ben, "message.thread")));
        console.log("on failure: ben health", JSON.stringify(await nodeValue(ben, "health")));
        console.log("on failure: ben sync", JSON.stringify(await nodeValue(ben, "syncOverview")).slice(0, 3000));
        console.log("on failure: ann sync", JSON.stringify(await nodeValue(ann, "syncOverview")).slice(0, 3000));
        throw error;
      }
      await row.locator("button").click();
      await benLive.locator('[data-testid="message"]', { hasText: SECRET }).waitFor({ timeout: 30_000 });

      // A message breaking the schema is refused in plain words and changes nothing.
      await benLive.getByTestId("body").fill("x".repeat(2001));
      await benLive.getByTestId("send").click();
      await benLive.locator('[data-testid="send-error"][data-code="ERR_SCHEMA_INVALID_VALUE"]').waitFor();
      assert.match((await benLive.getByTestId("send-error").textContent()) ?? "", /Nothing was saved/);
      assert.equal(await benLive.getByTestId("messages").getAttribute("data-count"), "1");

      // Ben's answer shows on Ann's open screen.
      await benLive.getByTestId("body").fill(REPLY);
      await benLive.getByTestId("send").click();
      const annLive = annApp;
      await annLive.locator('[data-testid="message"]', { hasText: REPLY }).waitFor({ timeout: 60_000 });
      await checkViews(ctx, ann, "messages");

      // Cal: Ann's public writes reach him (a contact written after the conversation)…
      await nodeValue(ann, "submit", addContactOps("after_talk", "After Talk"));
      await cal.evaluate(async () => {
        // Polled in the page: waitForFunction would not await the node's answer.
        for (let i = 0; i < 600; i++) {
          const read = await window.twoway!.call("read", {
            app: "app.contacts",
            query: { target: "parent", type_key: "contact.profile", limit: 50 },
          });
          if (read.ok && (read.value as { rows: { value: { handle: string } }[] }).rows.some((r) => r.value.handle === "after_talk"))
            return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error("Ann's contact never reached Cal");
      });
      // …but nothing of the conversation: no object his node can read, no byte in his database.
      for (const typeKey of ["message.thread", "message.item", "message.person"])
        assert.deepEqual(await messagingRows(cal, typeKey), [], typeKey);
      const stored = await everythingStored(cal);
      assert.ok(stored.includes("after_talk"), "the scan reads Cal's stored envelopes");
      for (const secret of [SECRET, REPLY, TITLE]) assert.ok(!stored.includes(secret), `Cal holds "${secret}"`);
      assert.equal((await messagingRows(ben, "message.item")).length, 2);
    },
  },
];
