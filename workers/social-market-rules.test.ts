// Social and Market through the real built-in packages, app service and app ports (the SDK on a
// MessageChannel), several people on one node: what the graph refuses with its code and nothing
// written (a rating on a deal or post its author may not see, feedback edited, a field breaking the
// schema), what only the app can refuse (an offer on one's own listing: reads ignore it), and who
// sync hands each object to (acl.json owner-only, then allowRead naming the other side).
import { afterEach, describe, expect, it } from "vitest";
import { listings } from "../src/apps/market/frontend/market.ts";
import { connectApp, type AppClient } from "../src/apps/sdk/index.ts";
import { DELETED, feed } from "../src/apps/social/frontend/feed.ts";
import type { Row } from "../src/apps/ui-kit/rows.ts";
import { expectOk } from "../src/core/acceptance/fixtures.ts";
import { createNode, openPackageDatabase, type EnvelopeId, type IdentityId } from "../src/core/index.ts";
import { testIdb, uniqueName } from "../src/core/shared/test-support/idb.ts";
import { bindAppPort } from "./app-port.ts";
import { ensureOwnerOnly } from "./app-read-rules.ts";
import { installBuiltInApps, PINNED_PACKAGE_DIGESTS } from "./built-in-apps.ts";
import { socialSchema, marketSchema } from "../src/apps/index.ts";

const clients: AppClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

const T = "2026-12-01T10:00:00.000Z";
const OWNER_ONLY: Record<string, string[]> = {
  "app.social": ["social.post", "social.comment", "social.person", "social.mention", "social.reaction"],
  "app.market": ["market.offer", "market.contract", "market.person", "market.participant", "market.feedback"],
};

/** One node, built-ins installed before anyone exists; Ann, Ben and Cal, each with the app open. */
async function setup(slug: "app.social" | "app.market") {
  const idb = await testIdb();
  const node = expectOk(await createNode({ name: uniqueName("node"), idb, pinnedPackageDigests: PINNED_PACKAGE_DIGESTS }));
  expectOk(await installBuiltInApps(node, await openPackageDatabase(uniqueName("apps"), idb)));
  const version = (slug === "app.social" ? socialSchema : marketSchema).version;
  const open = async (name: string) => {
    const identityId = expectOk(await node.identities.create({ name })).identityId;
    // As the app service opens an app: the owner-only rules first, then the port bound to the person.
    expectOk(await ensureOwnerOnly(node, identityId, slug, OWNER_ONLY[slug]!));
    const channel = new MessageChannel();
    bindAppPort(node, channel.port2, { identityId, app: slug, version });
    const app = connectApp(channel.port1);
    clients.push(app);
    return { id: identityId as string, app };
  };
  return { node, ann: await open("Ann"), ben: await open("Ben"), cal: await open("Cal") };
}

const parentOp = (typeKey: string, value: Record<string, unknown>) => ({ op: "parent_create", type_key: typeKey, payload: { value } });
const listingValue = (seller: string, extra: Record<string, unknown> = {}) => ({
  title: "Bike",
  price_cents: 5000,
  currency: "EUR",
  status: "active",
  seller_id: seller,
  created_at: T,
  ...extra,
});
const offerValue = (listing: string, buyer: string) => ({
  listing_id: listing,
  price_cents: 4500,
  message: "Tomorrow?",
  buyer_id: buyer,
  status: "pending",
  created_at: T,
});
const rows = async (app: AppClient, target: string, typeKey: string) =>
  expectOk(await app.read({ target, type_key: typeKey, limit: 100 })).rows as unknown as Row[];

/** Ann's contract with `buyer` for `offer`: contract, both persons, both participant edges. */
async function contract(app: AppClient, seller: string, buyer: string, offer: string) {
  const edge = (to: string, role: string) => ({
    op: "edge_create",
    type_key: "market.participant",
    payload: { src_parent_id: "@0", dst_parent_id: to, value: { role, created_at: T } },
  });
  return expectOk(
    await app.submit({
      domain: "deals",
      ops: [
        parentOp("market.contract", { offer_id: offer, status: "open", created_at: T }),
        parentOp("market.person", { identity_id: seller }),
        parentOp("market.person", { identity_id: buyer }),
        edge("@1", "seller"),
        edge("@2", "buyer"),
      ],
    }),
  );
}

const feedbackOp = (target: string, value = 5) => ({
  op: "rating_create",
  type_key: "market.feedback",
  payload: { target_parent_id: target, value: { value, comment: "Smooth 👍", created_at: T } },
});

describe("Market: offers, deals and feedback", () => {
  it("an offer stays with its buyer until named for the seller, then syncs to the seller alone", async () => {
    const { node, ann, ben, cal } = await setup("app.market");
    const listing = expectOk(await ann.app.submit({ domain: "listings", ops: [parentOp("market.listing", listingValue(ann.id))] }));
    // A listing is for everyone Ann syncs with.
    expect(expectOk(await node.syncRead(cal.id as IdentityId, listing.envelopeId as EnvelopeId)).allow).toBe(true);
    const offer = expectOk(
      await ben.app.submit({ domain: "listings", ops: [parentOp("market.offer", offerValue(listing.objectIds[0]!, ben.id))] }),
    );
    const env = offer.envelopeId as EnvelopeId;
    expect(expectOk(await node.syncRead(ann.id as IdentityId, env)).allow).toBe(false);
    expectOk(await ben.app.allowRead({ objectIds: offer.objectIds, readers: [ann.id] }));
    expect(expectOk(await node.syncRead(ann.id as IdentityId, env)).allow).toBe(true);
    expect(expectOk(await node.syncRead(cal.id as IdentityId, env)).allow).toBe(false);
  });

  it("refuses feedback on a deal its author may not see (ERR_AUTH_VISIBILITY_DENIED), nothing written; the buyer's is taken", async () => {
    const { node, ann, ben, cal } = await setup("app.market");
    const listing = expectOk(await ann.app.submit({ domain: "listings", ops: [parentOp("market.listing", listingValue(ann.id))] }));
    const offer = expectOk(
      await cal.app.submit({ domain: "listings", ops: [parentOp("market.offer", offerValue(listing.objectIds[0]!, cal.id))] }),
    );
    expectOk(await cal.app.allowRead({ objectIds: offer.objectIds, readers: [ann.id] }));
    const deal = await contract(ann.app, ann.id, cal.id, offer.objectIds[0]!);
    expectOk(await ann.app.allowRead({ objectIds: deal.objectIds, readers: [cal.id] }));
    const sellerPerson = deal.objectIds[1]!;
    const seq = node.globalSeq();
    // Ben has no contract with Ann: her deal with Cal is not his to see, so not his to rate.
    expect(await ben.app.submit({ domain: "feedback", ops: [feedbackOp(sellerPerson)] })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_VISIBILITY_DENIED" },
    });
    expect(node.globalSeq()).toBe(seq);
    expect(await rows(ben.app, "rating", "market.feedback")).toEqual([]);
    // Cal, the buyer, may: his feedback is written and counts on the deal.
    const given = expectOk(await cal.app.submit({ domain: "feedback", ops: [feedbackOp(sellerPerson)] }));
    expectOk(await cal.app.allowRead({ objectIds: given.objectIds, readers: [ann.id] }));
    const read = {
      listings: await rows(ann.app, "parent", "market.listing"),
      offers: await rows(ann.app, "parent", "market.offer"),
      contracts: await rows(ann.app, "parent", "market.contract"),
      persons: await rows(ann.app, "parent", "market.person"),
      participants: await rows(ann.app, "edge", "market.participant"),
      feedback: await rows(ann.app, "rating", "market.feedback"),
    };
    expect(listings(read)[0]!.deal!.feedback.map((f) => f.value)).toEqual([5]);
  });

  it("refuses feedback on anything but a deal's side (schema), and any change of given feedback (append-only)", async () => {
    const { node, ann, cal } = await setup("app.market");
    const listing = expectOk(await ann.app.submit({ domain: "listings", ops: [parentOp("market.listing", listingValue(ann.id))] }));
    const offer = expectOk(
      await cal.app.submit({ domain: "listings", ops: [parentOp("market.offer", offerValue(listing.objectIds[0]!, cal.id))] }),
    );
    const deal = await contract(ann.app, ann.id, cal.id, offer.objectIds[0]!);
    expectOk(await ann.app.allowRead({ objectIds: deal.objectIds, readers: [cal.id] }));
    let seq = node.globalSeq();
    expect(await cal.app.submit({ domain: "feedback", ops: [feedbackOp(listing.objectIds[0]!)] })).toMatchObject({
      ok: false,
      error: { data: { reason: "target_type_not_allowed" } },
    });
    expect(node.globalSeq()).toBe(seq);
    const given = expectOk(await cal.app.submit({ domain: "feedback", ops: [feedbackOp(deal.objectIds[1]!)] }));
    seq = node.globalSeq();
    const edit = {
      op: "rating_update",
      type_key: "market.feedback",
      payload: { rating_id: given.objectIds[0], value: { value: 1, created_at: T } },
    };
    expect(await cal.app.submit({ domain: "feedback", ops: [edit] })).toMatchObject({
      ok: false,
      error: { code: "ERR_SCHEMA_APPEND_ONLY_VIOLATION" },
    });
    expect(node.globalSeq()).toBe(seq);
  });

  it("refuses a listing breaking the schema (ERR_SCHEMA_INVALID_VALUE), nothing written; a right one is taken", async () => {
    const { node, ann } = await setup("app.market");
    const seq = node.globalSeq();
    for (const bad of [{ currency: "eur" }, { price_cents: -1 }, { status: "gone" }, { title: "x".repeat(121) }, { extra: 1 }])
      expect(await ann.app.submit({ domain: "listings", ops: [parentOp("market.listing", listingValue(ann.id, bad))] })).toMatchObject({
        ok: false,
        error: { code: "ERR_SCHEMA_INVALID_VALUE" },
      });
    expect(node.globalSeq()).toBe(seq);
    expect(await rows(ann.app, "parent", "market.listing")).toEqual([]);
    expectOk(await ann.app.submit({ domain: "listings", ops: [parentOp("market.listing", listingValue(ann.id, { title: "دراجة 🚲" }))] }));
  });

  it("an offer on one's own listing is no graph rule: the node takes it, and the market's reads ignore it", async () => {
    const { ann, ben } = await setup("app.market");
    const listing = expectOk(await ann.app.submit({ domain: "listings", ops: [parentOp("market.listing", listingValue(ann.id))] }));
    expectOk(await ann.app.submit({ domain: "listings", ops: [parentOp("market.offer", offerValue(listing.objectIds[0]!, ann.id))] }));
    const benOffer = expectOk(
      await ben.app.submit({ domain: "listings", ops: [parentOp("market.offer", offerValue(listing.objectIds[0]!, ben.id))] }),
    );
    expectOk(await ben.app.allowRead({ objectIds: benOffer.objectIds, readers: [ann.id] }));
    const empty = { contracts: [], persons: [], participants: [], feedback: [] };
    const read = {
      listings: await rows(ann.app, "parent", "market.listing"),
      offers: await rows(ann.app, "parent", "market.offer"),
      ...empty,
    };
    expect(read.offers).toHaveLength(2);
    expect(listings(read)[0]!.offers.map((o) => o.buyer)).toEqual([ben.id]);
  });
});

describe("Social: posts for chosen people, and deleting one", () => {
  const post = (author: string, readers: string[]) =>
    parentOp("social.post", { body: "Climbing Saturday? 🧗 تسلق", created_at: T, author_id: author, visibility: "private", readers });

  it("a post stays home until its author names the readers, then syncs to them alone", async () => {
    const { node, ann, ben, cal } = await setup("app.social");
    const written = expectOk(await ann.app.submit({ domain: "feed", ops: [post(ann.id, [ben.id])] }));
    const env = written.envelopeId as EnvelopeId;
    expect(expectOk(await node.syncRead(ben.id as IdentityId, env)).allow).toBe(false);
    expectOk(await ann.app.allowRead({ objectIds: written.objectIds, readers: [ben.id] }));
    expect(expectOk(await node.syncRead(ben.id as IdentityId, env)).allow).toBe(true);
    expect(expectOk(await node.syncRead(cal.id as IdentityId, env)).allow).toBe(false);
    expect(await rows(cal.app, "parent", "social.post")).toEqual([]);
  });

  it("refuses a reaction on a post its author may not see (ERR_AUTH_VISIBILITY_DENIED), nothing written", async () => {
    const { node, ann, ben, cal } = await setup("app.social");
    const written = expectOk(await ann.app.submit({ domain: "feed", ops: [post(ann.id, [ben.id])] }));
    expectOk(await ann.app.allowRead({ objectIds: written.objectIds, readers: [ben.id] }));
    const like = {
      op: "rating_create",
      type_key: "social.reaction",
      payload: { target_parent_id: written.objectIds[0], value: { value: 1, reaction: "👍", created_at: T } },
    };
    const seq = node.globalSeq();
    expect(await cal.app.submit({ domain: "feed", ops: [like] })).toMatchObject({
      ok: false,
      error: { code: "ERR_AUTH_VISIBILITY_DENIED" },
    });
    expect(node.globalSeq()).toBe(seq);
    expectOk(await ben.app.submit({ domain: "feed", ops: [like] }));
  });

  it("deleting is the author's own rating: readers' feeds drop the post, history keeps it; another's 'deleted' hides nothing", async () => {
    const { ann, ben } = await setup("app.social");
    const written = expectOk(await ann.app.submit({ domain: "feed", ops: [post(ann.id, [ben.id])] }));
    expectOk(await ann.app.allowRead({ objectIds: written.objectIds, readers: [ben.id] }));
    const mark = {
      op: "rating_create",
      type_key: "social.reaction",
      payload: { target_parent_id: written.objectIds[0], value: { value: 0, reaction: DELETED, created_at: T } },
    };
    const benFeed = async () =>
      feed(
        {
          posts: await rows(ben.app, "parent", "social.post"),
          comments: [],
          reactions: await rows(ben.app, "rating", "social.reaction"),
          persons: [],
        },
        ben.id,
      ).others.map((p) => p.id);
    expectOk(await ben.app.submit({ domain: "feed", ops: [mark] }));
    expect(await benFeed()).toEqual([written.objectIds[0]]);
    const deleted = expectOk(await ann.app.submit({ domain: "feed", ops: [mark] }));
    expectOk(await ann.app.allowRead({ objectIds: deleted.objectIds, readers: [ben.id] }));
    expect(await benFeed()).toEqual([]);
    expect((await rows(ben.app, "parent", "social.post")).map((r) => r.id)).toEqual([written.objectIds[0]]);
  });
});
