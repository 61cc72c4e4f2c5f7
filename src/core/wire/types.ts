// Wire profile v2 shapes (DESIGN §3): the signed link, its content, full envelopes and stubs, as
// they travel and are signed. Plain JSON data only; the structural checker makes these from input.
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

/** What an envelope says and does; bound to its link by `content_digest`, withheld in a stub. */
export type EnvelopeContent = {
  readonly app: string;
  readonly domain: string;
  readonly trace_id: string;
  readonly deps: readonly EnvelopeId[];
  readonly created_at: string;
  readonly ops: readonly Op[];
};

/** The signed part (DESIGN §3): who, where in the key's chain, and the digest of the content. */
export type EnvelopeLink = {
  readonly envelope_type: "graph_message";
  readonly envelope_version: 2;
  readonly author_id: IdentityId;
  readonly author_key: PublicKeyText;
  readonly seq: number;
  readonly prev: EnvelopeId | null;
  readonly lamport: number;
  readonly content_digest: string;
};

/** A stub: the link and its signature. It verifies and holds its chain place, with no effects. */
export type Stub = EnvelopeLink & { readonly signature: string };

/** A full envelope: the stub and its content. */
export type Envelope = Stub & { readonly content: EnvelopeContent };

/** Whether the envelope is signed by its identity's root key or by another (device) key. */
export type KeyRole = "root" | "device";

type VerifiedCommon = {
  readonly id: EnvelopeId;
  /** Canonical UTF-8 bytes of the link: exactly what was signed. */
  readonly signedBytes: Uint8Array;
  /** Canonical text of the whole input (full envelope or stub), as stored and relayed. */
  readonly text: string;
  /** `device` means the node must still find the key's binding among the envelope's deps. */
  readonly keyRole: KeyRole;
};

/** A full envelope that passed structure, digest and signature: safe for the stateful pipeline. */
export type VerifiedEnvelope = VerifiedCommon & { readonly kind: "full"; readonly envelope: Envelope };

/** A stub that passed structure and signature. */
export type VerifiedStub = VerifiedCommon & { readonly kind: "stub"; readonly envelope: Stub };

/** What arrives on the wire: either form, told apart by `kind`. */
export type VerifiedLink = VerifiedEnvelope | VerifiedStub;

/** The system type of an identity's genesis object (DESIGN §3). */
export const IDENTITY_TYPE_KEY = "system.identity";
export const SYSTEM_APP = "system";
