// Social and Market as people use them (issue 14): three Chromium processes, loopback only. Ann
// follows Ben and Cal (from her contacts) and posts for them; the post shows on both their open
// screens with no reload. Ann lists a bike; Ben offers, Ann sees the offer live and accepts, Ben sees
// the deal live and leaves feedback, which shows on Ann's screen. Cal sees the post and the listing
// but never a byte of the offer, the deal or the feedback: not through his node's reads, not in what
// his app frames were sent, not in his IndexedDB. Each refusal (a wrong currency, an offer on my own
// listing, feedback without a deal) is shown in plain words with its code and changes nothing.
import assert from "node:assert/strict";
import type { FrameLocator, Locator, Page } from "playwright-core";
import type { E2eCase } from "./support/harness.ts";
import { appFrame, checkViews, everythingStored, meet, meetInPlace, openFromHome, person } from "./support/people.ts";
import { nodeValue } from "./support/shell.ts";

const POST = "Climbing on Sunday? 🧗 تسلق";
const OFFER_NOTE = "Can pick it up tonight 🚲";
const FEEDBACK = "Smooth deal, thanks! شكرا";
const LIVE = { timeout: 90_000 };

type Who = { page: Page; identity: string; node: string };

async function who(page: Page): Promise<Who> {
  const identity = ((await nodeValue(page, "listIdentities")) as { identityId: string }[])[0]!.identityId;
  return { page, identity, node: (await nodeValue(page, "syncOverview")).nodeIdentity as string };
}

/** What every app frame of this page was sent over its port, as text (the frame trace). */
async function traceFrames(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction("__traceFrame", (text: string) => void seen.push(text));
  await page.addInitScript(() => {
    if (window.parent === window) return;
    // Playwright installs the binding in every frame, the sandboxed app frames too.
    const record = (data: unknown) => void (window as unknown as { __traceFrame(t: string): void }).__traceFrame(JSON.stringify(data));
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called on each port with .call below
    const original = MessagePort.prototype.addEventListener;
    MessagePort.prototype.addEventListener = function (this: MessagePort, type: string, listener: unknown, options?: unknown) {
      if (type === "message") original.call(this, "message", (e: Event) => record((e as MessageEvent).data));
      return original.call(this, type, listener as EventListener, options as AddEventListenerOptions);
    } as typeof MessagePort.prototype.addEventListener;
  });
  return seen;
}

/**
 * Waits until the trace holds `text`. Playwright drops a binding call whose frame has gone, so the
 * trace is read while the frame that showed `text` is still open (never timed: bounded like LIVE).
 */
async function traced(trace: readonly string[], text: string): Promise<void> {
  const until = Date.now() + LIVE.timeout;
  while (!trace.some((t) => t.includes(text))) {
    if (Date.now() > until) throw new Error(`the frame trace never showed "${text}" (${trace.length} messages)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function addContact(page: Page, person: Who, name: string): Promise<void> {
  const contacts = await openFromHome(page, "app.contacts");
  await contacts.getByTestId("name").fill(name);
  await contacts.getByTestId("identity").fill(person.identity);
  await contacts.getByTestId("node-identity").fill(person.node);
  await contacts.getByTestId("save").click();
  await contacts.locator(`[data-testid="contact-list"] >> text=${name}`).waitFor();
  await page.getByTestId("close-app").click();
}

async function follow(page: Page, social: FrameLocator, name: string, count: number): Promise<void> {
  await social.getByTestId("follow").click();
  await page.getByTestId("contact-picker").waitFor();
  await page.locator('[data-testid="pick-contact"]', { hasText: name }).click();
  await social.locator(`[data-testid="people"][data-count="${count}"]`).waitFor();
}

async function refusal(frame: FrameLocator | Locator, testId: string, code: string, words: RegExp): Promise<void> {
  const box = frame.locator(`[data-testid="${testId}"][data-code="${code}"]`);
  await box.waitFor();
  assert.match((await box.textContent()) ?? "", words);
}

const rows = async (page: Page, typeKey: string, target = "parent"): Promise<unknown[]> =>
  (await nodeValue(page, "read", { app: "app.market", query: { target, type_key: typeKey, limit: 100 } })).rows as unknown[];

export const cases: E2eCase[] = [
  {
    name: "Ann posts for Ben and Cal and sells to Ben in Social and Market, live on every screen; Cal sees none of the deal",
    timeoutMs: 240_000,
    async run(ctx) {
      const annPage = await person(ctx, "Ann");
      const benPage = await person(ctx, "Ben");
      const calPage = await person(ctx, "Cal");
      const calTrace = await traceFrames(calPage);
      const logs: string[] = [];
      for (const [name, page] of [
        ["ann", annPage],
        ["ben", benPage],
        ["cal", calPage],
      ] as const)
        page.on("console", (m) => logs.push(`${name} ${m.type()}: ${m.text()}`));
      const [ben, cal] = [await who(benPage), await who(calPage)];
      await meet(annPage, calPage);
      // A second invite on the same Peers page would read the first code: this one is made in place.
      await meetInPlace(annPage, benPage);
      await addContact(annPage, ben, "Ben Okafor");
      await addContact(annPage, cal, "Cal Ruiz");

      // Ben and Cal have Social open when Ann posts for everyone she follows.
      const benSocial = await openFromHome(benPage, "app.social");
      const calSocial = await openFromHome(calPage, "app.social");
      const social = await openFromHome(annPage, "app.social");
      await follow(annPage, social, "Ben Okafor", 1);
      await follow(annPage, social, "Cal Ruiz", 2);
      await social.getByTestId("post-body").fill(POST);
      await social.getByTestId("publish").click();
      await social.locator('[data-testid="feed"] [data-testid="post"]', { hasText: POST }).waitFor();
      for (const screen of [benSocial, calSocial]) await screen.locator('[data-testid="post"]', { hasText: POST }).waitFor(LIVE);
      await traced(calTrace, "Climbing"); // the positive control: the trace sees what Cal's frames show
      await checkViews(ctx, annPage, "social");

      // Market: Ben and Cal watch; a wrong currency is refused in plain words and lists nothing.
      await annPage.getByTestId("close-app").click();
      for (const page of [benPage, calPage]) await page.getByTestId("close-app").click();
      const benMarket = await openFromHome(benPage, "app.market");
      const calMarket = await openFromHome(calPage, "app.market");
      const market = await openFromHome(annPage, "app.market");
      await market.getByTestId("listing-title").fill("Bike 🚲 دراجة");
      await market.getByTestId("listing-description").fill("A blue city bike, well kept. ".repeat(10));
      await market.getByTestId("listing-price").fill("120");
      await market.getByTestId("listing-currency").fill("eu1");
      await market.getByTestId("sell").click();
      try {
        await refusal(market, "sell-error", "ERR_SCHEMA_INVALID_VALUE", /Nothing was saved/);
      } catch (error) {
        console.log(logs.join("\n"));
        throw error;
      }
      assert.deepEqual(await rows(annPage, "market.listing"), []);
      await market.getByTestId("listing-currency").fill("EUR");
      await market.getByTestId("sell").click();
      const own = market.locator('[data-testid="listing"][data-mine]', { hasText: "Bike" });
      await own.waitFor();

      // An offer on my own listing: refused by the app, in plain words; nothing is written.
      await own.getByTestId("offer-price").fill("100");
      await own.getByTestId("offer-send").click();
      await refusal(own, "listing-error", "ERR_MARKET_OWN_LISTING", /your own listing/);
      assert.deepEqual(await rows(annPage, "market.offer"), []);

      for (const screen of [benMarket, calMarket]) await screen.locator('[data-testid="listing"]', { hasText: "Bike" }).waitFor(LIVE);
      await traced(calTrace, "Bike");
      const benListing = benMarket.locator('[data-testid="listing"]', { hasText: "Bike" });
      // Feedback before any deal: refused, nothing saved.
      await benListing.getByTestId("feedback-send").click();
      await refusal(benListing, "listing-error", "ERR_MARKET_NO_CONTRACT", /only after an offer/);
      assert.deepEqual(await rows(benPage, "market.feedback", "rating"), []);

      await benListing.getByTestId("offer-price").fill("100");
      await benListing.getByTestId("offer-message").fill(OFFER_NOTE);
      await benListing.getByTestId("offer-send").click();
      await benListing.locator('[data-testid="offers"][data-count="1"]').waitFor();
      const offer = own.locator('[data-testid="offer"]', { hasText: OFFER_NOTE });
      await offer.waitFor(LIVE);
      await offer.getByTestId("accept").click();
      await own.locator('[data-testid="deal"]').waitFor();
      await benListing.locator('[data-testid="deal"]').waitFor(LIVE);
      await benListing.getByTestId("feedback-comment").fill(FEEDBACK);
      // While Ben types, Ann lists a helmet: Ben's screen rebuilds live and keeps his draft.
      await market.getByTestId("listing-title").fill("Helmet");
      await market.getByTestId("listing-price").fill("15");
      await market.getByTestId("sell").click();
      await benMarket.locator('[data-testid="listing"]', { hasText: "Helmet" }).waitFor(LIVE);
      assert.equal(await benListing.getByTestId("feedback-comment").inputValue(), FEEDBACK, "a live update kept Ben's draft");
      await benListing.getByTestId("feedback-send").click();
      await own.locator('[data-testid="feedback-item"]', { hasText: FEEDBACK }).waitFor(LIVE);
      await calMarket.locator('[data-testid="listing"][data-status="sold"]').waitFor(LIVE);
      await checkViews(ctx, annPage, "market");
      await checkViews(ctx, calPage, "market-cal");

      // Cal: the listing and the post, nothing of the deal.
      assert.equal((await rows(calPage, "market.listing")).length, 2);
      // Sold to someone else: nothing for Cal to offer on or rate; the helmet is still for sale.
      const calBike = calMarket.locator('[data-testid="listing"]', { hasText: "Bike" });
      assert.equal(await calBike.getByTestId("offer-send").count(), 0);
      assert.equal(await calBike.getByTestId("feedback-send").count(), 0);
      assert.equal(await calMarket.locator('[data-testid="listing"]', { hasText: "Helmet" }).getByTestId("offer-send").count(), 1);
      for (const typeKey of ["market.offer", "market.contract", "market.person"])
        assert.deepEqual(await rows(calPage, typeKey), [], typeKey);
      assert.deepEqual(await rows(calPage, "market.participant", "edge"), []);
      assert.deepEqual(await rows(calPage, "market.feedback", "rating"), []);
      const stored = await everythingStored(calPage);
      const trace = calTrace.join("\n");
      assert.ok(stored.includes("Bike"), `the scan sees what Cal was sent (${stored.length} characters)`);
      for (const secret of [OFFER_NOTE, FEEDBACK]) {
        assert.ok(!stored.includes(secret), `Cal stores "${secret}"`);
        assert.ok(!trace.includes(secret), `Cal's frames were sent "${secret}"`);
      }
      assert.ok(appFrame(calPage), "Cal's market frame is open");
    },
  },
];
