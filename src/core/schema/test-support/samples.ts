// One valid value per declared type of the system schema and the four built-in apps, with every
// optional field present, so that each field rule has a value to pass and to break.
import { contactsSchema, marketSchema, messagingSchema, socialSchema } from "../../../apps/index.ts";
import { SYSTEM_SCHEMA, type SchemaDocument } from "../index.ts";
import { CREATED_AT, ENVELOPE, fakeDigest } from "./payloads.ts";

const PERSON = fakeDigest("P");
const OBJECT = `${ENVELOPE}:7`;
const T = CREATED_AT;

export type SampledSchema = { readonly document: SchemaDocument; readonly samples: Readonly<Record<string, unknown>> };

const person = { identity_id: PERSON, display_name: "Ada Lovelace" };
const reaction = { value: 5, reaction: "heart", created_at: T };
const aclEntry = { identity: PERSON, group: OBJECT, capability: "system.apps.publish" };
const aclDeny = { ...aclEntry, cuts: [{ key: fakeDigest("K"), last_seq: 3 }] };

export const SAMPLED_SCHEMAS: readonly SampledSchema[] = [
  {
    document: SYSTEM_SCHEMA,
    samples: {
      "system.identity": { name: "Ada" },
      "system.device_key": { public_key: fakeDigest("K"), label: "laptop", created_at: T, apps: ["app.messaging"], role: "device" },
      "system.node_key": { public_key: fakeDigest("K"), proof: `${"s".repeat(85)}w`, created_at: T },
      "system.group": { name: "Friends" },
      "system.group_member": { role: "admin" },
      "acl.root": { target_app: "app.messaging", target_type_key: "message.item", target_object_id: OBJECT, scope: "type" },
      "acl.read.allow": aclEntry,
      "acl.read.deny": aclDeny,
      "acl.write.allow": aclEntry,
      "acl.write.deny": aclDeny,
      "system.capability": { name: "system.apps.publish" },
      "system.capability_grant": { expires_at: T },
      "system.app_schema": { schema: { app: "app.notes" } },
      "system.revocation": { kind: "key", target: fakeDigest("K"), cuts: [{ key: fakeDigest("K"), last_seq: 12 }] },
    },
  },
  {
    document: contactsSchema,
    samples: {
      "contact.profile": {
        handle: "ada_1815",
        display_name: "Ada Lovelace",
        email: "ada@example.org",
        phone: "+44 20 7946 0000",
        avatar_url: "https://example.org/ada.png",
        status: "active",
        tags: ["math", "poetry"],
        notes: "Met at the Analytical Engine talk.",
        identity_id: PERSON,
        node_identity_id: PERSON,
        created_at: T,
        updated_at: T,
      },
      "contact.link": { relation: "friend", created_at: T },
      "contact.trust": { value: 1, reason: "met in person", created_at: T },
    },
  },
  {
    document: messagingSchema,
    samples: {
      "message.thread": { title: "Plans", created_at: T, created_by: PERSON, visibility: "shared", archived: false },
      "message.item": {
        thread_id: OBJECT,
        body: "See you at six.",
        sent_at: T,
        author_id: PERSON,
        edited_at: T,
        reply_to_id: OBJECT,
        kind: "text",
      },
      "message.person": { ...person, node_identity_id: PERSON },
      "message.participant": { role: "admin", joined_at: T },
      "message.in": {},
      "message.seen": { thread_id: OBJECT, seen_seq: 12 },
      "message.reaction": reaction,
    },
  },
  {
    document: socialSchema,
    samples: {
      "social.post": {
        title: "Hello",
        body: "First post.",
        created_at: T,
        author_id: PERSON,
        author_node_id: PERSON,
        readers: [PERSON],
        visibility: "public",
        edited_at: T,
      },
      "social.comment": { post_id: OBJECT, body: "Welcome!", created_at: T, author_id: PERSON, reply_to_id: OBJECT },
      "social.profile": { display_name: "Ada", bio: "Counts.", node_identity_id: PERSON, updated_at: T },
      "social.person": { ...person, node_identity_id: PERSON },
      "social.mention": { context: "comment", created_at: T },
      "social.reaction": reaction,
    },
  },
  {
    document: marketSchema,
    samples: {
      "market.listing": {
        title: "Bicycle",
        description: "Blue, 3 gears.",
        category: "sports",
        price_cents: 12_500,
        currency: "EUR",
        status: "active",
        quantity: 1,
        unit: "piece",
        seller_id: PERSON,
        seller_node_id: PERSON,
        location: "Utrecht",
        created_at: T,
        updated_at: T,
      },
      "market.offer": {
        listing_id: OBJECT,
        price_cents: 11_000,
        message: "Cash?",
        buyer_id: PERSON,
        buyer_node_id: PERSON,
        status: "pending",
        created_at: T,
      },
      "market.contract": { offer_id: OBJECT, status: "open", created_at: T },
      "market.person": { ...person, node_identity_id: PERSON },
      "market.participant": { role: "seller", created_at: T },
      "market.feedback": { value: 5, comment: "Smooth trade.", created_at: T },
    },
  },
];
