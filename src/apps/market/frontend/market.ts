// The Market app's pure part: listings with their offers, the contract a seller made by accepting
// one, and feedback, all from the node's rows; and the rules the app checks before it writes.
// What the graph can refuse it does (a rating on a contract person I may not see, feedback edited,
// a field breaking the schema); what it cannot (an offer on my own listing, feedback with no
// contract of mine) the app refuses here, and reads ignore, so another app writing it changes nothing.
import { byConvergence, field, text, type Row } from "../../ui-kit/rows.ts";

export type Offer = {
  readonly id: string;
  readonly buyer: string;
  readonly buyerNode: string | undefined;
  readonly priceCents: number;
  readonly message: string | undefined;
  readonly createdAt: string;
};
export type Feedback = { readonly id: string; readonly from: string; readonly value: number; readonly comment: string | undefined };
export type Deal = {
  readonly id: string;
  readonly offerId: string;
  readonly buyer: string;
  readonly seller: string;
  /** The contract's person object of each side: feedback on a side targets it. */
  readonly personOf: Readonly<Record<"seller" | "buyer", { readonly id: string; readonly nodeId: string | undefined }>>;
  readonly feedback: readonly Feedback[];
};
export type Listing = {
  readonly id: string;
  readonly seller: string;
  readonly sellerNode: string | undefined;
  readonly title: string;
  readonly description: string | undefined;
  readonly priceCents: number;
  readonly currency: string;
  readonly status: string;
  readonly createdAt: string;
  readonly offers: readonly Offer[];
  readonly deal: Deal | undefined;
};

export type MarketRows = {
  readonly listings: readonly Row[];
  readonly offers: readonly Row[];
  readonly contracts: readonly Row[];
  readonly persons: readonly Row[];
  readonly participants: readonly Row[];
  readonly feedback: readonly Row[];
};

/** The contract of a listing: written by its seller, for one of its offers; its two sides. */
function dealOf(rows: MarketRows, seller: string, offers: readonly Offer[]): Deal | undefined {
  const contract = rows.contracts
    .filter((c) => c.owner_identity === seller && offers.some((o) => o.id === text(c, "offer_id")))
    .sort((a, b) => byConvergence({ createdAt: a.created_at, id: a.id }, { createdAt: b.created_at, id: b.id }))[0];
  if (contract === undefined) return undefined;
  const offer = offers.find((o) => o.id === text(contract, "offer_id"))!;
  const sides: Partial<Record<"seller" | "buyer", { id: string; nodeId: string | undefined }>> = {};
  for (const edge of rows.participants.filter((e) => e.parent_id === contract.id && e.owner_identity === seller)) {
    const person = rows.persons.find((p) => p.id === edge.dst_id && p.owner_identity === seller);
    const role = text(edge, "role") as "seller" | "buyer" | undefined;
    const expected = role === "seller" ? seller : offer.buyer;
    if (person === undefined || role === undefined || text(person, "identity_id") !== expected) continue;
    sides[role] = { id: person.id, nodeId: text(person, "node_identity_id") };
  }
  if (sides.seller === undefined || sides.buyer === undefined) return undefined;
  const personOf = { seller: sides.seller, buyer: sides.buyer };
  // Feedback counts from the other side only: the buyer on the seller's person, and back.
  const feedback = rows.feedback
    .filter(
      (f) =>
        (f.parent_id === personOf.seller.id && f.owner_identity === offer.buyer) ||
        (f.parent_id === personOf.buyer.id && f.owner_identity === seller),
    )
    .map((f) => ({ id: f.id, from: f.owner_identity, value: Number(field(f, "value")), comment: text(f, "comment") }));
  return { id: contract.id, offerId: offer.id, buyer: offer.buyer, seller, personOf, feedback };
}

export function listings(rows: MarketRows): Listing[] {
  return rows.listings
    .filter((l) => text(l, "seller_id") === l.owner_identity)
    .map((l) => {
      // An offer counts only from its own buyer and never from the seller on their own listing.
      const offers = rows.offers
        .filter((o) => text(o, "listing_id") === l.id && text(o, "buyer_id") === o.owner_identity && o.owner_identity !== l.owner_identity)
        .map((o) => ({
          id: o.id,
          buyer: o.owner_identity,
          buyerNode: text(o, "buyer_node_id"),
          priceCents: Number(field(o, "price_cents")),
          message: text(o, "message"),
          createdAt: text(o, "created_at") ?? o.created_at,
        }))
        .sort(byConvergence);
      return {
        id: l.id,
        seller: l.owner_identity,
        sellerNode: text(l, "seller_node_id"),
        title: text(l, "title") ?? "",
        description: text(l, "description"),
        priceCents: Number(field(l, "price_cents")),
        currency: text(l, "currency") ?? "",
        status: text(l, "status") ?? "active",
        createdAt: text(l, "created_at") ?? l.created_at,
        offers,
        deal: dealOf(rows, l.owner_identity, offers),
      };
    })
    .sort((a, b) => -byConvergence(a, b));
}

/** App-level refusals, coded like the node's. */
export type Refusal = "ERR_MARKET_OWN_LISTING" | "ERR_MARKET_NOT_FOR_SALE" | "ERR_MARKET_NO_CONTRACT" | "ERR_MARKET_PRICE";

export function checkOffer(listing: Listing, me: string): Refusal | undefined {
  if (listing.seller === me) return "ERR_MARKET_OWN_LISTING";
  if (listing.status !== "active" || listing.deal !== undefined) return "ERR_MARKET_NOT_FOR_SALE";
  return undefined;
}

/** Feedback needs a contract I am a side of; it goes on the other side's person. */
export function feedbackTarget(listing: Listing, me: string): Result<{ personId: string; readers: string[] }> {
  const deal = listing.deal;
  if (deal === undefined || (deal.buyer !== me && deal.seller !== me)) return { ok: false, code: "ERR_MARKET_NO_CONTRACT" };
  const other = deal.buyer === me ? "seller" : "buyer";
  const person = deal.personOf[other];
  const identity = other === "seller" ? deal.seller : deal.buyer;
  return { ok: true, value: { personId: person.id, readers: [identity, ...(person.nodeId === undefined ? [] : [person.nodeId])] } };
}
type Result<T> = { ok: true; value: T } | { ok: false; code: Refusal };

/** "12.50" or "12,5" → 1250 cents; anything else (negative, over the schema's bound, 3 decimals) → undefined. */
export function parsePrice(input: string): number | undefined {
  const m = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(input);
  if (m === null) return undefined;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
  return cents <= 100_000_000 ? cents : undefined;
}

export function formatPrice(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}
