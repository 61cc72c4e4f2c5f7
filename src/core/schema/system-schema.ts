// The schema of app `system`: identities and their device keys, groups, ACL objects, capabilities,
// installed app schemas and revocations. A first version; the permissions issue refines it.
import { deepFreeze } from "./deep-freeze.ts";
import type { FieldRule, SchemaDocument } from "./types.ts";

const TIMESTAMP = { type: "string", format: "rfc3339" } as const satisfies FieldRule;

/** base64url of 32 bytes: 43 characters, the last one carrying 2 zero bits (RFC 4648 §5, no padding). */
const PUBLIC_KEY_PATTERN = "[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]";

/** DESIGN §4 rule 5: the last seq each key still honours; keys not named honour nothing after. */
const CUTS = {
  type: "array",
  max_items: 256,
  items: {
    type: "object",
    fields: {
      key: { type: "string", required: true, pattern: PUBLIC_KEY_PATTERN },
      last_seq: { type: "integer", required: true, minimum: 0 },
    },
  },
} as const satisfies FieldRule;

/** The subject of an ACL entry: exactly one of an identity, a group, or a capability of the owner (ADR 0010). */
const SUBJECT_FIELDS = {
  identity: { type: "identity_id" },
  group: { type: "object_id" },
  capability: { type: "string", min_length: 1, max_length: 128, pattern: "[a-z][a-z0-9_.]*" },
} as const;

const ACL_ALLOW = { kind: "attr", parents: ["acl.root"], immutable: true, value: { type: "object", fields: SUBJECT_FIELDS } } as const;
/** A deny added after writes that relied on an allow counts as a revocation, so it carries cuts (rule 5). */
const ACL_DENY = {
  kind: "attr",
  parents: ["acl.root"],
  immutable: true,
  value: { type: "object", fields: { ...SUBJECT_FIELDS, cuts: CUTS } },
} as const;

export const SYSTEM_SCHEMA = deepFreeze({
  app: "system",
  version: "1.0.0",
  types: {
    // DESIGN §3: the genesis object, created once as op 0 of the root key's first envelope; never updated.
    "system.identity": {
      kind: "parent",
      immutable: true,
      fields: { name: { type: "string", min_length: 1, max_length: 64 } },
    },
    // A further key bound to an identity (DESIGN §3). A binding is a fact; ending it is a revocation.
    "system.device_key": {
      kind: "attr",
      parents: ["system.identity"],
      immutable: true,
      value: {
        type: "object",
        fields: {
          public_key: { type: "string", required: true, pattern: PUBLIC_KEY_PATTERN },
          label: { type: "string", max_length: 64 },
          created_at: { ...TIMESTAMP, required: true },
          // A delegated key limited to these apps; using it elsewhere is ERR_AUTH_SCOPE_EXCEEDED.
          apps: { type: "array", max_items: 64, items: { type: "string", min_length: 1, max_length: 64 } },
          // ADR 0021: a recovery key (its private half only in the recovery file) binds and revokes devices.
          role: { type: "string", enum: ["device", "recovery"] },
        },
      },
    },
    // ADR 0030: names the node key an identity's node syncs with, with the node key's signature over
    // the pair (identity/node-binding.ts). No authority: the node key signs no envelope for the identity.
    "system.node_key": {
      kind: "attr",
      parents: ["system.identity"],
      immutable: true,
      value: {
        type: "object",
        fields: {
          public_key: { type: "string", required: true, pattern: PUBLIC_KEY_PATTERN },
          // Ed25519 by public_key: base64url of 64 bytes, 86 characters, the last carrying 4 zero bits.
          proof: { type: "string", required: true, pattern: "[A-Za-z0-9_-]{85}[AQgw]" },
          created_at: { ...TIMESTAMP, required: true },
        },
      },
    },
    "system.group": {
      kind: "parent",
      fields: { name: { type: "string", required: true, min_length: 1, max_length: 64 } },
    },
    "system.group_member": {
      kind: "edge",
      from: ["system.group"],
      to: ["system.identity"],
      fields: { role: { type: "string", enum: ["member", "admin"] } },
    },
    // An owner's statement about its own objects in one app: one object, one type, or the whole app.
    // Other apps' objects are named by value (cross-app references are forbidden, AC-06).
    "acl.root": {
      kind: "parent",
      immutable: true,
      fields: {
        target_app: { type: "string", required: true, min_length: 1, max_length: 64, pattern: "[a-z][a-z0-9]*([._-][a-z0-9]+)*" },
        scope: { type: "string", required: true, enum: ["object", "type", "app"] },
        target_object_id: { type: "object_id" },
        target_type_key: { type: "string", max_length: 128, pattern: "[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+" },
      },
    },
    "acl.read.allow": ACL_ALLOW,
    "acl.read.deny": ACL_DENY,
    "acl.write.allow": ACL_ALLOW,
    "acl.write.deny": ACL_DENY,
    "system.capability": {
      kind: "parent",
      fields: { name: { type: "string", required: true, min_length: 1, max_length: 128, pattern: "[a-z][a-z0-9_.]*" } },
    },
    "system.capability_grant": {
      kind: "edge",
      from: ["system.capability"],
      to: ["system.identity"],
      fields: { expires_at: TIMESTAMP },
    },
    // The value's `schema` is a whole schema document: the caller checks it with compileSchema (D8).
    "system.app_schema": {
      kind: "parent",
      fields: { schema: { type: "object", required: true } },
    },
    // DESIGN §4 rule 5: a revocation names what it revokes (a key, or the grant, capability or
    // membership object) and, per affected key, the last seq it still honours. It stands forever.
    "system.revocation": {
      kind: "parent",
      immutable: true,
      fields: {
        kind: { type: "string", required: true, enum: ["key", "grant", "capability", "membership"] },
        target: { type: "string", required: true, min_length: 1, max_length: 256 },
        cuts: { ...CUTS, required: true },
      },
    },
  },
  domains: {
    identity: { types: ["system.identity", "system.device_key", "system.node_key"], mode: "sync" },
    groups: { types: ["system.group", "system.group_member"], mode: "sync" },
    acl: { types: ["acl.root", "acl.read.allow", "acl.read.deny", "acl.write.allow", "acl.write.deny"], mode: "sync" },
    capabilities: { types: ["system.capability", "system.capability_grant"], mode: "sync" },
    apps: { types: ["system.app_schema"], mode: "sync" },
    revocations: { types: ["system.revocation"], mode: "append_only" },
  },
} as const satisfies SchemaDocument);

/** The system type whose value carries an app's schema document. */
export const APP_SCHEMA_TYPE_KEY = "system.app_schema";
