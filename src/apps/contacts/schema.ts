// Schema of the built-in contacts app (public design 07-poc/02-feature-matrix §3.1, ADR 0004).
// It travels as a `system.app_schema` value signed by the publisher (DESIGN D8); data only, no logic.
import type { SchemaDocument } from "../../core/schema/index.ts";

export const contactsSchema = {
  app: "app.contacts",
  version: "1.2.0",
  types: {
    "contact.profile": {
      kind: "parent",
      fields: {
        handle: { type: "string", required: true, min_length: 1, max_length: 64, pattern: "[a-z0-9_]+" },
        display_name: { type: "string", min_length: 1, max_length: 128 },
        email: { type: "string", min_length: 3, max_length: 254 },
        phone: { type: "string", min_length: 3, max_length: 32 },
        avatar_url: { type: "string", min_length: 1, max_length: 2048 },
        status: { type: "string", enum: ["active", "blocked", "archived"] },
        // 1.1.0: the person's own notes about this contact (the Contacts app's edit form).
        notes: { type: "string", max_length: 2000 },
        tags: { type: "array", max_items: 16, items: { type: "string", min_length: 1, max_length: 24 } },
        // The person this profile is about, for degree-of-separation reads (never a system object ref).
        identity_id: { type: "identity_id" },
        // 1.1.0: the node they sync from (a connected peer's proven identity): sync's read rules name nodes.
        node_identity_id: { type: "identity_id" },
        created_at: { type: "string", required: true, format: "rfc3339" },
        updated_at: { type: "string", format: "rfc3339" },
      },
    },
    "contact.link": {
      kind: "edge",
      from: ["contact.profile"],
      to: ["contact.profile"],
      fields: {
        relation: { type: "string", required: true, enum: ["friend", "coworker", "family", "other"] },
        created_at: { type: "string", required: true, format: "rfc3339" },
      },
    },
    "contact.trust": {
      kind: "rating",
      targets: ["contact.profile"],
      value: {
        type: "object",
        fields: {
          value: { type: "integer", required: true, enum: [-1, 0, 1] },
          reason: { type: "string", max_length: 256 },
          created_at: { type: "string", required: true, format: "rfc3339" },
        },
      },
    },
  },
  domains: {
    contacts: { types: ["contact.profile", "contact.link"], mode: "sync" },
    // A trust rating is its author's private judgement: it stays on the author's node.
    trust: { types: ["contact.trust"], mode: "local" },
  },
} as const satisfies SchemaDocument;
