// The Market mini-app: listings with price, currency and status (everyone I sync with sees them);
// offers, the contract a seller makes by accepting one, and feedback on the other side, which only
// the two sides read (owner-only in acl.json until `allowRead` names the other side, identity and
// node). A seller sees offers arrive live (subscribe). Through the SDK only.
import { type AppClient } from "../../sdk/index.ts";
import { h, nowIso, plainError, showNotice } from "../../ui-kit/index.ts";
import { readRows, startApp } from "../../ui-kit/start.ts";
import { Kept } from "../../ui-kit/kept.ts";
import { checkOffer, feedbackTarget, formatPrice, listings, parsePrice, type Listing, type MarketRows, type Offer } from "./market.ts";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** This app's own refusals and the node's, in words that fit a market. */
const PLAIN: Readonly<Record<string, string>> = {
  ERR_MARKET_OWN_LISTING: "You cannot make an offer on your own listing. Nothing was sent.",
  ERR_MARKET_NOT_FOR_SALE: "This item is no longer for sale. Nothing was sent.",
  ERR_MARKET_NO_CONTRACT: "You can leave feedback only after an offer between you was accepted. Nothing was saved.",
  ERR_MARKET_PRICE: "Enter a price such as 12.50 (at most 1,000,000.00). Nothing was saved.",
  ERR_AUTH_VISIBILITY_DENIED: "That deal is not yours to rate. Nothing was saved.",
  ERR_SCHEMA_APPEND_ONLY_VIOLATION: "Feedback once given stands: it cannot be changed. Nothing was changed.",
};
const say = (error: { code: string }): string => PLAIN[error.code] ?? plainError(error);

let me = "";
let myNode: string | undefined;
let all: Listing[] = [];
/** Drafts and refusals of each listing's forms, kept across the rebuild of every live update. */
const kept = new Kept();
const at = (listing: Listing, role: string): string => `${listing.id}/${role}`;
const refuse = (listing: Listing, error: { code: string }): void => kept.say(at(listing, "error"), say(error), error.code);

async function refresh(app: AppClient): Promise<void> {
  try {
    const [listingRows, offers, contracts, persons, participants, feedback] = await Promise.all([
      readRows(app, { target: "parent", type_key: "market.listing" }),
      readRows(app, { target: "parent", type_key: "market.offer" }),
      readRows(app, { target: "parent", type_key: "market.contract" }),
      readRows(app, { target: "parent", type_key: "market.person" }),
      readRows(app, { target: "edge", type_key: "market.participant" }),
      readRows(app, { target: "rating", type_key: "market.feedback" }),
    ]);
    const read: MarketRows = { listings: listingRows, offers, contracts, persons, participants, feedback };
    all = listings(read);
  } catch (error) {
    const e = error as { code: string };
    return showNotice($("status"), say(e), e.code);
  }
  showNotice($("status"), all.length === 0 ? "Nothing for sale yet. List the first thing on the right." : "");
  render(app);
}

const share = async (app: AppClient, objectIds: readonly string[], readers: readonly string[]) => {
  const allowed = await app.allowRead({ objectIds, readers });
  return allowed.ok ? undefined : allowed.error;
};

function offerRow(app: AppClient, listing: Listing, offer: Offer): HTMLLIElement {
  const mineToAccept = listing.seller === me && listing.deal === undefined;
  const accepted = listing.deal?.offerId === offer.id;
  return h(
    "li",
    { "data-testid": "offer", "data-id": offer.id, "data-accepted": accepted },
    h("span", { class: "listing__price" }, formatPrice(offer.priceCents, listing.currency)),
    ` ${offer.buyer === me ? "from you" : "from a buyer"}${accepted ? " · accepted" : ""}`,
    offer.message === undefined ? null : h("p", { class: "listing__body", dir: "auto" }, offer.message),
    mineToAccept
      ? h("button", { type: "button", "data-testid": "accept", onclick: () => void accept(app, listing, offer) }, "Accept")
      : null,
  );
}

function listingItem(app: AppClient, listing: Listing): HTMLLIElement {
  const price = kept.field(
    at(listing, "offer-price"),
    h("input", { inputmode: "decimal", "aria-label": "Your offer", placeholder: "Your offer", "data-testid": "offer-price" }),
  );
  const note = kept.field(
    at(listing, "offer-message"),
    h("input", {
      "aria-label": "A note to the seller",
      placeholder: "A note to the seller",
      dir: "auto",
      maxlength: 256,
      "data-testid": "offer-message",
    }),
  );
  const stars = kept.field(
    at(listing, "feedback-value"),
    h(
      "select",
      { "aria-label": "Stars", "data-testid": "feedback-value" },
      ...[5, 4, 3, 2, 1].map((n) => h("option", { value: n }, `${"★".repeat(n)} ${n}`)),
    ),
  );
  const remark = kept.field(
    at(listing, "feedback-comment"),
    h("input", { "aria-label": "Feedback", placeholder: "How did it go?", dir: "auto", maxlength: 512, "data-testid": "feedback-comment" }),
  );
  const visibleOffers = listing.offers.filter((o) => listing.seller === me || o.buyer === me);
  const deal = listing.deal;
  const party = deal !== undefined && (deal.buyer === me || deal.seller === me);
  const forSale = listing.status === "active" && deal === undefined;
  return h(
    "li",
    { "data-testid": "listing", "data-id": listing.id, "data-status": listing.status, "data-mine": listing.seller === me },
    h(
      "div",
      { class: "row" },
      h("span", { class: "listing__title grow", dir: "auto" }, listing.title),
      h("span", { class: "status" }, listing.status === "active" ? "For sale" : listing.status === "sold" ? "Sold" : "Archived"),
    ),
    h("div", { class: "listing__price" }, formatPrice(listing.priceCents, listing.currency)),
    h("div", { class: "muted" }, listing.seller === me ? "Your listing" : "From someone you sync with"),
    listing.description === undefined ? null : h("p", { class: "listing__body", dir: "auto" }, listing.description),
    visibleOffers.length === 0
      ? null
      : h(
          "ul",
          { class: "sub", "aria-label": "Offers", "data-testid": "offers", "data-count": visibleOffers.length },
          ...visibleOffers.map((o) => offerRow(app, listing, o)),
        ),
    party
      ? h(
          "p",
          { "data-testid": "deal" },
          deal.buyer === me ? "Your offer was accepted: you have a deal." : "You accepted an offer: you have a deal.",
        )
      : null,
    party && deal.feedback.length > 0
      ? h(
          "ul",
          { class: "sub", "aria-label": "Feedback", "data-testid": "feedback", "data-count": deal.feedback.length },
          ...deal.feedback.map((f) =>
            h(
              "li",
              { "data-testid": "feedback-item", dir: "auto" },
              `${"★".repeat(f.value)} ${f.from === me ? "You" : "The other side"}${f.comment === undefined ? "" : `: ${f.comment}`}`,
            ),
          ),
        )
      : null,
    kept.notice(at(listing, "error"), "listing-error"),
    // On my own listing too: the app's refusal (ERR_MARKET_OWN_LISTING) then says why, in plain words.
    forSale
      ? h(
          "div",
          { class: "row" },
          h("span", { class: "grow" }, price),
          h("span", { class: "grow" }, note),
          h("button", { type: "button", "data-testid": "offer-send", onclick: () => void makeOffer(app, listing) }, "Make an offer"),
        )
      : null,
    // Feedback belongs to the two sides of a deal; before any deal, trying says why (ERR_MARKET_NO_CONTRACT).
    forSale || party
      ? h(
          "div",
          { class: "row" },
          stars,
          h("span", { class: "grow" }, remark),
          h(
            "button",
            { type: "button", "data-testid": "feedback-send", onclick: () => void leaveFeedback(app, listing) },
            "Leave feedback",
          ),
        )
      : null,
  );
}

function render(app: AppClient): void {
  const list = $("listings");
  list.dataset["count"] = String(all.length);
  kept.replace(
    list,
    all.map((l) => listingItem(app, l)),
  );
}

async function sell(app: AppClient): Promise<void> {
  const title = $<HTMLInputElement>("title").value.trim();
  const description = $<HTMLTextAreaElement>("description").value;
  const cents = parsePrice($<HTMLInputElement>("price").value);
  if (title === "") return showNotice($("sell-error"), "Say what you are selling.", "empty");
  if (cents === undefined) return showNotice($("sell-error"), say({ code: "ERR_MARKET_PRICE" }), "ERR_MARKET_PRICE");
  const value = {
    title,
    ...(description.trim() === "" ? {} : { description }),
    price_cents: cents,
    // Checked by the schema ([A-Z]{3}): a wrong code is refused there, in plain words here.
    currency: $<HTMLInputElement>("currency").value.trim(),
    status: "active",
    seller_id: me,
    ...(myNode === undefined ? {} : { seller_node_id: myNode }),
    created_at: nowIso(),
  };
  const written = await app.submit({ domain: "listings", ops: [{ op: "parent_create", type_key: "market.listing", payload: { value } }] });
  if (!written.ok) return showNotice($("sell-error"), say(written.error), written.error.code);
  for (const id of ["title", "description", "price"]) $<HTMLInputElement>(id).value = "";
  showNotice($("sell-error"), "");
  await refresh(app);
}

async function makeOffer(app: AppClient, listing: Listing): Promise<void> {
  const refused = checkOffer(listing, me);
  if (refused !== undefined) return refuse(listing, { code: refused });
  const cents = parsePrice(kept.value(at(listing, "offer-price")));
  if (cents === undefined) return refuse(listing, { code: "ERR_MARKET_PRICE" });
  const message = kept.value(at(listing, "offer-message"));
  const value = {
    listing_id: listing.id,
    price_cents: cents,
    ...(message.trim() === "" ? {} : { message }),
    buyer_id: me,
    ...(myNode === undefined ? {} : { buyer_node_id: myNode }),
    status: "pending",
    created_at: nowIso(),
  };
  const written = await app.submit({ domain: "listings", ops: [{ op: "parent_create", type_key: "market.offer", payload: { value } }] });
  if (!written.ok) return refuse(listing, written.error);
  const failed = await share(app, written.value.objectIds, [
    listing.seller,
    ...(listing.sellerNode === undefined ? [] : [listing.sellerNode]),
  ]);
  if (failed !== undefined) return refuse(listing, failed);
  for (const role of ["offer-price", "offer-message"]) kept.clear(at(listing, role));
  kept.say(at(listing, "error"), "");
  await refresh(app);
}

/** Accepting: a contract with both sides as its participants, shared with the buyer; the listing is sold. */
async function accept(app: AppClient, listing: Listing, offer: Offer): Promise<void> {
  const now = nowIso();
  const person = (identity: string, node: string | undefined) => ({
    op: "parent_create",
    type_key: "market.person",
    payload: { value: { identity_id: identity, ...(node === undefined ? {} : { node_identity_id: node }) } },
  });
  const edge = (to: string, role: string) => ({
    op: "edge_create",
    type_key: "market.participant",
    payload: { src_parent_id: "@0", dst_parent_id: to, value: { role, created_at: now } },
  });
  const written = await app.submit({
    domain: "deals",
    ops: [
      { op: "parent_create", type_key: "market.contract", payload: { value: { offer_id: offer.id, status: "open", created_at: now } } },
      person(me, myNode),
      person(offer.buyer, offer.buyerNode),
      edge("@1", "seller"),
      edge("@2", "buyer"),
    ],
  });
  if (!written.ok) return refuse(listing, written.error);
  const failed = await share(app, written.value.objectIds, [offer.buyer, ...(offer.buyerNode === undefined ? [] : [offer.buyerNode])]);
  if (failed !== undefined) return refuse(listing, failed);
  const current = await app.read({ target: "parent", ids: [listing.id], limit: 1 });
  const before = current.ok ? (current.value.rows[0]?.["value"] as Record<string, unknown> | undefined) : undefined;
  if (before !== undefined) {
    const sold = await app.submit({
      domain: "listings",
      ops: [
        {
          op: "parent_update",
          type_key: "market.listing",
          payload: { parent_id: listing.id, value: { ...before, status: "sold", updated_at: now } },
        },
      ],
    });
    if (!sold.ok) return refuse(listing, sold.error);
  }
  kept.say(at(listing, "error"), "");
  await refresh(app);
}

async function leaveFeedback(app: AppClient, listing: Listing): Promise<void> {
  const target = feedbackTarget(listing, me);
  if (!target.ok) return refuse(listing, { code: target.code });
  const comment = kept.value(at(listing, "feedback-comment"));
  const value = {
    value: Number(kept.value(at(listing, "feedback-value"), "5")),
    ...(comment.trim() === "" ? {} : { comment }),
    created_at: nowIso(),
  };
  const written = await app.submit({
    domain: "feedback",
    ops: [{ op: "rating_create", type_key: "market.feedback", payload: { target_parent_id: target.value.personId, value } }],
  });
  if (!written.ok) return refuse(listing, written.error);
  const failed = await share(app, written.value.objectIds, target.value.readers);
  if (failed !== undefined) return refuse(listing, failed);
  for (const role of ["feedback-value", "feedback-comment"]) kept.clear(at(listing, role));
  kept.say(at(listing, "error"), "");
  await refresh(app);
}

void startApp({
  status: $("status"),
  say,
  wire: (app, who) => {
    me = who.identityId;
    myNode = who.nodeIdentityId;
    $("sell").addEventListener("click", () => void sell(app));
  },
  refresh,
});
