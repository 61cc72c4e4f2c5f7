// Schema of the built-in social app (public design 07-poc/02-feature-matrix §3.3, ADR 0004).
// It travels as a `system.app_schema` value signed by the publisher (DESIGN D8); data only, no logic.
import type { SchemaDocument } from "../../core/schema/index.ts";

export const socialSchema = {
  app: "app.social",
  version: "1.1.3",
  types: {
    "social.post": {
      kind: "parent",
      fields: {
        title: { type: "string", min_length: 1, max_length: 120 },
        body: { type: "string", required: true, min_length: 1, max_length: 2000 },
        created_at: { type: "string", required: true, format: "rfc3339" },
        author_id: { type: "identity_id", required: true },
        visibility: { type: "string", enum: ["public", "followers", "private"] },
        edited_at: { type: "string", format: "rfc3339" },
        // 1.1.0: the node the author syncs from, so a commenter can name it as a reader (sync peers are nodes).
        author_node_id: { type: "identity_id" },
        // 1.1.0: whom the author let read it (identity and node ids), so a later deletion reaches them.
        readers: { type: "array", max_items: 32, items: { type: "identity_id" } },
      },
    },
    // 1.1.0: how a person presents themself in this app; the newest version of their own is theirs.
    "social.profile": {
      kind: "parent",
      fields: {
        display_name: { type: "string", required: true, min_length: 1, max_length: 128 },
        bio: { type: "string", max_length: 500 },
        node_identity_id: { type: "identity_id" },
        updated_at: { type: "string", required: true, format: "rfc3339" },
      },
    },
    "social.comment": {
      kind: "parent",
      fields: {
        post_id: { type: "object_id", required: true },
        body: { type: "string", required: true, min_length: 1, max_length: 2000 },
        created_at: { type: "string", required: true, format: "rfc3339" },
        author_id: { type: "identity_id", required: true },
        reply_to_id: { type: "object_id" },
      },
    },
    // Not in the feature matrix: a mention needs an endpoint in this app, and system identities are
    // another app's objects (AC-06). A person stands for one identity and never changes.
    "social.person": {
      kind: "parent",
      immutable: true,
      fields: {
        identity_id: { type: "identity_id", required: true },
        // 1.1.0: the node this person syncs from, so read rules can name it.
        node_identity_id: { type: "identity_id" },
        display_name: { type: "string", min_length: 1, max_length: 128 },
      },
    },
    // A mention records that a post or comment named someone: a fact, never edited.
    "social.mention": {
      kind: "edge",
      immutable: true,
      from: ["social.post", "social.comment"],
      to: ["social.person"],
      fields: {
        context: { type: "string", required: true, enum: ["post", "comment"] },
        created_at: { type: "string", required: true, format: "rfc3339" },
      },
    },
    "social.reaction": {
      kind: "rating",
      targets: ["social.post", "social.comment"],
      value: {
        type: "object",
        fields: {
          value: { type: "integer", required: true, minimum: 0, maximum: 5 },
          reaction: { type: "string", min_length: 1, max_length: 24 },
          created_at: { type: "string", required: true, format: "rfc3339" },
        },
      },
    },
  },
  domains: {
    feed: {
      types: ["social.post", "social.comment", "social.person", "social.mention", "social.reaction", "social.profile"],
      mode: "sync",
    },
  },
} as const satisfies SchemaDocument;
