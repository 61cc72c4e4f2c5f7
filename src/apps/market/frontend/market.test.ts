// The Market app's rules over read rows: an offer on one's own listing or with a forged buyer never
// counts, a contract counts only from the listing's seller with both sides right, feedback only from
// the other side; the app refuses an own-listing offer and feedback without a contract; prices parse.
import { describe, expect, it } from "vitest";
import { row } from "../../ui-kit/test-support/rows.ts";
import { checkOffer, feedbackTarget, listings, parsePrice, type MarketRows } from "./market.ts";

const T = "2026-12-01T10:00:00.000Z";
const listing = row("l:0", "ann", {
  title: "Bike 🚲 دراجة",
  price_cents: 5000,
  currency: "EUR",
  status: "active",
  seller_id: "ann",
  seller_node_id: "annNode",
  created_at: T,
});
const offer = (id: string, owner: string, buyer = owner) =>
  row(id, owner, {
    listing_id: "l:0",
    price_cents: 4500,
    buyer_id: buyer,
    buyer_node_id: `${owner}Node`,
    status: "pending",
    created_at: T,
  });
const deal = (owner = "ann", buyer = "ben"): Partial<MarketRows> => ({
  contracts: [row("k:0", owner, { offer_id: "o:1", status: "open", created_at: T })],
  persons: [
    row("k:1", owner, { identity_id: owner, node_identity_id: "annNode" }),
    row("k:2", owner, { identity_id: buyer, node_identity_id: "benNode" }),
  ],
  participants: [
    row("k:3", owner, { role: "seller" }, { parent_id: "k:0", dst_id: "k:1" }),
    row("k:4", owner, { role: "buyer" }, { parent_id: "k:0", dst_id: "k:2" }),
  ],
});
const rows = (extra: Partial<MarketRows> = {}): MarketRows => ({
  listings: [listing],
  offers: [offer("o:0", "ann"), offer("o:1", "ben"), offer("o:2", "cal", "ben")],
  contracts: [],
  persons: [],
  participants: [],
  feedback: [],
  ...extra,
});

describe("market", () => {
  it("counts offers from their own buyer on someone else's listing only", () => {
    const [l] = listings(rows());
    expect(l!.offers.map((o) => o.id)).toEqual(["o:1"]);
    expect(checkOffer(l!, "ann")).toBe("ERR_MARKET_OWN_LISTING");
    expect(checkOffer(l!, "ben")).toBeUndefined();
  });

  it("takes a contract from the seller with both sides right; feedback from the other side only", () => {
    const feedback = [
      row("f:0", "ben", { value: 5, comment: "Great", created_at: T }, { parent_id: "k:1" }),
      row("f:1", "cal", { value: 1, created_at: T }, { parent_id: "k:1" }),
      row("f:2", "ben", { value: 1, created_at: T }, { parent_id: "k:2" }),
    ];
    const [l] = listings(rows({ ...deal(), feedback }));
    expect(l!.deal?.buyer).toBe("ben");
    expect(l!.deal!.feedback.map((f) => f.id)).toEqual(["f:0"]);
    expect(checkOffer(l!, "cal")).toBe("ERR_MARKET_NOT_FOR_SALE");
    expect(feedbackTarget(l!, "ben")).toEqual({ ok: true, value: { personId: "k:1", readers: ["ann", "annNode"] } });
    expect(feedbackTarget(l!, "cal")).toEqual({ ok: false, code: "ERR_MARKET_NO_CONTRACT" });
  });

  it("ignores a contract written by anyone but the seller, so feedback without one is refused", () => {
    const [l] = listings(rows(deal("ben")));
    expect(l!.deal).toBeUndefined();
    expect(feedbackTarget(l!, "ben")).toEqual({ ok: false, code: "ERR_MARKET_NO_CONTRACT" });
  });

  it("parses prices within the schema's bound, and nothing else", () => {
    expect([parsePrice("12.50"), parsePrice("12,5"), parsePrice(" 7 "), parsePrice("1000000")]).toEqual([1250, 1250, 700, 100_000_000]);
    for (const bad of ["", "-1", "1.234", "abc", "1000000.01", "1e3"]) expect(parsePrice(bad)).toBeUndefined();
  });
});
