// Wire profile v1 shapes (DESIGN §3): the graph envelope and its ops, as they travel and are signed.
// Plain JSON data only; the structural checker is the only thing that turns unknown input into these.
import type { EnvelopeId, IdentityId, PublicKeyText } from "../shared/ids.ts";
import type { JsonObject, JsonValue } from "../shared/json.ts";

export const OP_KINDS = [
  "parent_create",
  "parent_update",
  "attr_create",
  "attr_update",
  "edge_create",
  "edge_update",
  "rating_create",
  "rating_update",
] as const;
export type OpKind = (typeof OP_KINDS)[number];

/** The object kinds ops create; an update or reference names an object of one of these kinds. */
export type ObjectKind = "parent" | "attr" | "edge" | "rating";

/**
 * Op payloads. A reference field holds an object id (`<envelope id>:<index>`) or `@<index>` for an
 * object created by an earlier op of the same envelope. Updates name their target (DESIGN §3).
 */
export type OpPayload =
  | { readonly value: JsonObject } // parent_create
  | { readonly parent_id: string; readonly value: JsonValue } // parent_update (object value), attr_create
  | { readonly attr_id: string; readonly value: JsonValue } // attr_update
  | { readonly src_parent_id: string; readonly dst_parent_id: string; readonly value: JsonObject } // edge_create
  | { readonly src_parent_id: string; readonly dst_attr_id: string; readonly value: JsonObject }
  | { readonly edge_id: string; readonly value: JsonObject } // edge_update
  | { readonly target_parent_id: string; readonly value: JsonValue } // rating_create
  | { readonly target_attr_id: string; readonly value: JsonValue }
  | { readonly rating_id: string; readonly value: JsonValue }; // rating_update

export type Op = {
  readonly op: OpKind;
  readonly type_key: string;
  readonly owner_identity: IdentityId;
  readonly payload: OpPayload;
};

export type EnvelopePayload = {
  readonly app: string;
  readonly domain: string;
  readonly trace_id: string;
  readonly seq: number;
  readonly prev: EnvelopeId | null;
  readonly deps: readonly EnvelopeId[];
  readonly lamport: number;
  readonly created_at: string;
  readonly ops: readonly Op[];
};

export type UnsignedEnvelope = {
  readonly envelope_type: "graph_message";
  readonly envelope_version: 1;
  readonly author_id: IdentityId;
  readonly author_key: PublicKeyText;
  readonly payload: EnvelopePayload;
};

export type Envelope = UnsignedEnvelope & { readonly signature: string };

/** Whether the envelope is signed by its identity's root key or by another (device) key. */
export type KeyRole = "root" | "device";

/** An envelope that passed structure and signature: safe to hand to the stateful pipeline. */
export type VerifiedEnvelope = {
  readonly id: EnvelopeId;
  readonly envelope: Envelope;
  /** Canonical UTF-8 bytes of the envelope without `signature`: exactly what was signed. */
  readonly signedBytes: Uint8Array;
  /** Canonical text of the whole envelope, as stored and relayed. */
  readonly text: string;
  /** `device` means the node must still find the key's binding among the envelope's deps. */
  readonly keyRole: KeyRole;
};

/** The system type of an identity's genesis object (DESIGN §3). */
export const IDENTITY_TYPE_KEY = "system.identity";
export const SYSTEM_APP = "system";
