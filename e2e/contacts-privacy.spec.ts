// A person's contacts are their own (ADR 0023, amended): Ann adds Ben through the Contacts app, with
// notes and a number, and lists a bike on the Market; they meet (an invite code, no server). Ben gets
// the listing, and never a byte of Ann's contacts: not through his node's reads, not in his
// IndexedDB, not in what his app frames were sent (his Contacts frame, traced whole, shows only his
// own). Ann's own second device receiving them is the devices journey (e2e/devices.spec.ts).
import assert from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import { FrameTrace } from "./support/frame-trace.ts";
import type { E2eCase } from "./support/harness.ts";
import { checkViews, everythingStored, meet, openFromHome, person } from "./support/people.ts";
import { listingTitles, nodeValue, shareListing, until } from "./support/shell.ts";

const NAME = "Ben Okafor";
const NOTES = "Met at the climbing wall; owes me a rope 🧗 حبل";
const EMAIL = "ben.okafor.private@example.org";
const LISTING = "Blue bike, barely used";

async function addContact(frame: FrameLocator, name: string, fields: { identity?: string; notes?: string; email?: string } = {}) {
  await frame.getByTestId("name").fill(name);
  if (fields.identity !== undefined) await frame.getByTestId("identity").fill(fields.identity);
  if (fields.email !== undefined) await frame.getByTestId("email").fill(fields.email);
  if (fields.notes !== undefined) await frame.getByTestId("notes").fill(fields.notes);
  await frame.getByTestId("save").click();
  await frame.locator(`[data-testid="contact-list"] >> text=${name}`).waitFor();
}

const contactRows = async (page: Page) =>
  (await nodeValue(page, "read", { app: "app.contacts", query: { target: "parent", type_key: "contact.profile", limit: 100 } })).rows as {
    value: Record<string, unknown>;
  }[];

export const cases: E2eCase[] = [
  {
    name: "Ann's contacts never reach Ben: not his reads, his IndexedDB or his app frames, while her listing does",
    timeoutMs: 240_000,
    async run(ctx) {
      const ann = await person(ctx, "Ann");
      const ben = await person(ctx, "Ben");
      const benTrace = await FrameTrace.install(ben);
      const benId = ((await nodeValue(ben, "listIdentities")) as { identityId: string }[])[0]!.identityId;

      const annContacts = await openFromHome(ann, "app.contacts");
      await addContact(annContacts, NAME, { identity: benId, notes: NOTES, email: EMAIL });
      await checkViews(ctx, ann, "contacts-own");
      await ann.getByTestId("close-app").click();
      await shareListing(ann, LISTING);
      const benContacts = await benTrace.openApp("app.contacts");
      await addContact(benContacts, "Dora Own");
      await benTrace.shows("Dora Own"); // the trace sees what Ben's Contacts frame shows

      await meet(ann, ben);
      await until(
        ben,
        () => listingTitles(ben),
        (titles) => titles.includes(LISTING),
        "Ann's listing at Ben",
        90_000,
      );
      // Everything Ann holds has been offered to Ben: his live session is up to date, M of M.
      await ben.waitForFunction(
        () => {
          const bar = document.querySelector('[data-testid="peer-row"][data-state="live"] [data-testid="peer-progress"]');
          return bar?.getAttribute("data-up-to-date") === "true" && bar.getAttribute("data-done") === bar.getAttribute("data-total");
        },
        undefined,
        { timeout: 60_000 },
      );
      // Ben's Contacts screen, open through the sync, lists his own contact alone.
      const again = await benTrace.openApp("app.contacts");
      await again.locator('[data-testid="contact-list"][data-count="1"]').waitFor();
      await checkViews(ctx, ben, "contacts-ben-after-sync");

      assert.deepEqual(
        (await contactRows(ben)).map((r) => r.value["display_name"] ?? r.value["handle"]),
        ["Dora Own"],
        "Ben reads his own contact only",
      );
      assert.equal((await contactRows(ann)).length, 1, "Ann reads hers");
      const stored = await everythingStored(ben);
      const trace = await benTrace.text();
      assert.ok(stored.includes(LISTING), "the scan sees what Ben was sent");
      for (const secret of [NAME, NOTES, EMAIL, "Met at the climbing wall"]) {
        assert.ok(!stored.includes(secret), `Ben stores "${secret}"`);
        assert.ok(!trace.includes(secret), `Ben's frames were sent "${secret}"`);
      }
      assert.ok(!(await everythingStored(ann)).includes("Dora Own"), "and Ben's contact stays with Ben");
    },
  },
];
