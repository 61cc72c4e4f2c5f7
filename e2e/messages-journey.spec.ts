// Contacts and Messages as people use them (issue 14): three Chromium processes, loopback only.
// Ann adds Ben in the Contacts app, starts a private conversation with him in the Messages app while
// they are apart; when they meet (an invite code, no server) it arrives on Ben's open screen, and his
// answer on Ann's, with no reload. Cal, peered with Ann all along, never receives a byte of it: not
// through his node's reads, not in his IndexedDB. An over-long message is refused in plain words.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { E2eCase } from "./support/harness.ts";
import { checkViews, everythingStored, meet, meetInPlace, openFromHome, person } from "./support/people.ts";
import { addContactOps, nodeValue } from "./support/shell.ts";

const SECRET = "Lunch at one? 🥪 غداء";
const REPLY = "Yes — see you there";
const TITLE = "Ann and Ben";

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
