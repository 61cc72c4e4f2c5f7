// Schema of the built-in market app (public design 07-poc/02-feature-matrix §3.4, ADR 0004).
// It travels as a `system.app_schema` value signed by the publisher (DESIGN D8); data only, no logic.
import type { SchemaDocument } from "../../core/schema/index.ts";

const PRICE_CENTS = { type: "integer", required: true, minimum: 0, maximum: 100_000_000 } as const;

export const marketSchema = {
  app: "app.market",
  version: "1.1.3",
  types: {
    "market.listing": {
      kind: "parent",
      fields: {
        title: { type: "string", required: true, min_length: 1, max_length: 120 },
        description: { type: "string", max_length: 2000 },
        category: { type: "string", min_length: 1, max_length: 64 },
        price_cents: PRICE_CENTS,
        // ISO 4217 alphabetic code.
        currency: { type: "string", required: true, min_length: 3, max_length: 3, pattern: "[A-Z]{3}" },
        status: { type: "string", required: true, enum: ["active", "sold", "archived"] },
        quantity: { type: "integer", minimum: 1, maximum: 100_000 },
        unit: { type: "string", min_length: 1, max_length: 16 },
        seller_id: { type: "identity_id", required: true },
        // 1.1.0: the node the seller syncs from, so a buyer can name it as a reader of an offer.
        seller_node_id: { type: "identity_id" },
        location: { type: "string", max_length: 128 },
        created_at: { type: "string", required: true, format: "rfc3339" },
        updated_at: { type: "string", format: "rfc3339" },
      },
    },
    "market.offer": {
      kind: "parent",
      fields: {
        listing_id: { type: "object_id", required: true },
        price_cents: PRICE_CENTS,
        message: { type: "string", min_length: 1, max_length: 256 },
        buyer_id: { type: "identity_id", required: true },
        // 1.1.0: the node the buyer syncs from, so the seller can name it as a reader of the contract.
        buyer_node_id: { type: "identity_id" },
        status: { type: "string", required: true, enum: ["pending", "accepted", "rejected"] },
        created_at: { type: "string", required: true, format: "rfc3339" },
      },
    },
    "market.contract": {
      kind: "parent",
      fields: {
        offer_id: { type: "object_id", required: true },
        status: { type: "string", required: true, enum: ["open", "fulfilled", "cancelled"] },
        created_at: { type: "string", required: true, format: "rfc3339" },
      },
    },
    // Not in the feature matrix: participants and feedback need an endpoint in this app, and system
    // identities are another app's objects (AC-06). A person stands for one identity and never changes.
    "market.person": {
      kind: "parent",
      immutable: true,
      fields: {
        identity_id: { type: "identity_id", required: true },
        node_identity_id: { type: "identity_id" },
        display_name: { type: "string", min_length: 1, max_length: 128 },
      },
    },
    // Who is seller and who is buyer of a contract is fixed once the contract exists.
    "market.participant": {
      kind: "edge",
      immutable: true,
      from: ["market.contract"],
      to: ["market.person"],
      fields: {
        role: { type: "string", required: true, enum: ["seller", "buyer"] },
        created_at: { type: "string", required: true, format: "rfc3339" },
      },
    },
    "market.feedback": {
      kind: "rating",
      targets: ["market.contract", "market.person"],
      value: {
        type: "object",
        fields: {
          value: { type: "integer", required: true, minimum: 1, maximum: 5 },
          comment: { type: "string", max_length: 512 },
          created_at: { type: "string", required: true, format: "rfc3339" },
        },
      },
    },
  },
  domains: {
    listings: { types: ["market.listing", "market.offer"], mode: "sync" },
    deals: { types: ["market.contract", "market.person", "market.participant"], mode: "sync" },
    // Feedback is reputation: once given it stands, so the domain refuses every update.
    feedback: { types: ["market.feedback"], mode: "append_only" },
  },
} as const satisfies SchemaDocument;
