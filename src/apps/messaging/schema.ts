// Schema of the built-in messaging app (public design 07-poc/02-feature-matrix §3.2, ADR 0004).
// It travels as a `system.app_schema` value signed by the publisher (DESIGN D8); data only, no logic.
import type { SchemaDocument } from "../../core/schema/index.ts";

export const messagingSchema = {
  app: "app.messaging",
  version: "1.1.4",
  types: {
    "message.thread": {
      kind: "parent",
      fields: {
        title: { type: "string", required: true, min_length: 1, max_length: 120 },
        created_at: { type: "string", required: true, format: "rfc3339" },
        created_by: { type: "identity_id", required: true },
        visibility: { type: "string", enum: ["private", "shared"] },
        archived: { type: "boolean" },
      },
    },
    "message.item": {
      kind: "parent",
      fields: {
        // A global object id: a thread and its first message go in two envelopes (ADR 0004).
        thread_id: { type: "object_id", required: true },
        body: { type: "string", required: true, min_length: 1, max_length: 2000 },
        sent_at: { type: "string", required: true, format: "rfc3339" },
        author_id: { type: "identity_id", required: true },
        edited_at: { type: "string", format: "rfc3339" },
        reply_to_id: { type: "object_id" },
        kind: { type: "string", enum: ["text", "system"] },
      },
    },
    // Not in the feature matrix: an edge needs an endpoint in this app, and system identities are
    // another app's objects (AC-06). A person stands for one identity and never changes.
    "message.person": {
      kind: "parent",
      immutable: true,
      fields: {
        identity_id: { type: "identity_id", required: true },
        // 1.1.0: the node this person syncs from, so read rules can name it (sync peers are nodes).
        node_identity_id: { type: "identity_id" },
        display_name: { type: "string", min_length: 1, max_length: 128 },
      },
    },
    "message.participant": {
      kind: "edge",
      from: ["message.thread"],
      to: ["message.person"],
      fields: {
        role: { type: "string", required: true, enum: ["member", "admin"] },
        joined_at: { type: "string", required: true, format: "rfc3339" },
      },
    },
    // 1.1.0: a message names its thread as a reference too, so the node refuses (locally) a message
    // into a thread its author may not see (ERR_AUTH_VISIBILITY_DENIED) and its creator is cited.
    "message.in": {
      kind: "edge",
      from: ["message.item"],
      to: ["message.thread"],
      fields: {},
    },
    // 1.1.0: how far the person has read a thread, on this node only: unread = arrived after it.
    "message.seen": {
      kind: "parent",
      fields: {
        thread_id: { type: "object_id", required: true },
        seen_seq: { type: "integer", required: true, minimum: 0 },
      },
    },
    "message.reaction": {
      kind: "rating",
      targets: ["message.item"],
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
    threads: { types: ["message.thread", "message.person", "message.participant"], mode: "sync" },
    messages: { types: ["message.item", "message.in", "message.reaction"], mode: "sync" },
    seen: { types: ["message.seen"], mode: "local" },
  },
} as const satisfies SchemaDocument;
