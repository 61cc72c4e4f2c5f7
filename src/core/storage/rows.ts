// Row shapes of the node database (DESIGN D5): fixed stores keyed by app and global ids, so
// installing an app never changes the IndexedDB schema. Plain data; the Graph decides their content.
import type { EnvelopeId, IdentityId, PublicKeyText } from "../shared/ids.ts";
import type { JsonValue } from "../shared/json.ts";
import type { ObjectKind } from "../wire/index.ts";

export type EnvelopeStatus = "accepted" | "suppressed";

/** One stored envelope: the exact canonical text that was signed and received (ADR 0002). */
export type EnvelopeRow = {
  /** global_seq: the local, strictly increasing accept order (DESIGN D4). */
  readonly seq: number;
  readonly id: EnvelopeId;
  readonly text: string;
  readonly authorId: IdentityId;
  readonly authorKey: PublicKeyText;
  readonly keySeq: number;
  readonly app: string;
  readonly domain: string;
  readonly lamport: number;
  /** The same key's envelope at keySeq − 1 (null at 1): only the chain, never reliance (DESIGN §3). */
  readonly prev: EnvelopeId | null;
  /** What this envelope relies on, indexed so withdrawals can find dependents (DESIGN §4 rule 5). */
  readonly deps: readonly EnvelopeId[];
  readonly status: EnvelopeStatus;
  readonly committedAt: string;
};

/**
 * A link held without its content (DESIGN §3): it verifies, has its envelope's id and holds its place
 * in its key's chain, with no effects and no global_seq. Full content replaces it when it arrives.
 */
export type StubRow = {
  readonly id: EnvelopeId;
  /** The canonical stub text, as received and relayed. */
  readonly text: string;
  readonly authorId: IdentityId;
  readonly authorKey: PublicKeyText;
  readonly keySeq: number;
  readonly prev: EnvelopeId | null;
  readonly lamport: number;
  readonly receivedAt: string;
};

/** The winning version of an object: largest (lamport, envelope id, op index) (DESIGN §4 rule 3). */
export type Winner = {
  readonly envelopeId: string;
  readonly opIndex: number;
  readonly lamport: number;
  readonly value: JsonValue;
  readonly seq: number;
};

/** A materialized object: what reads and the state digest see. */
export type ObjectRow = {
  readonly app: string;
  readonly id: string;
  readonly kind: ObjectKind;
  readonly typeKey: string;
  readonly owner: string;
  /** attr: its parent; edge: its source; rating: its target. Empty for parents. */
  readonly parent: string;
  /** edge: its destination. Empty otherwise. */
  readonly dst: string;
  readonly domain: string;
  readonly createdSeq: number;
  readonly createdAt: string;
  readonly updatedSeq: number;
  readonly updatedAt: string;
  readonly winner: Winner;
  /** 1 when the envelope that created it is suppressed (fork or revocation); its versions stay in history. */
  readonly suppressed: 0 | 1;
};

/** Every version of every object; history is never rewritten. */
export type VersionRow = {
  readonly objectId: string;
  readonly app: string;
  readonly envelopeId: string;
  readonly opIndex: number;
  readonly lamport: number;
  readonly value: JsonValue;
  readonly seq: number;
  readonly createdAt: string;
  readonly suppressed: 0 | 1;
};

/** An envelope whose `prev` or `deps` have not arrived yet (DESIGN §4 rule 2). */
export type PendingRow = {
  readonly id: EnvelopeId;
  readonly text: string;
  readonly missing: readonly EnvelopeId[];
  readonly receivedAt: string;
};

/** Evidence of two envelopes by one key at one `seq` (DESIGN §3: a fork). */
export type ForkRow = {
  readonly authorKey: string;
  readonly keySeq: number;
  readonly envelopeIds: readonly string[];
  readonly detectedAt: string;
};

/** A known identity: its self-certifying id, root key and genesis (node-local index, rebuilt from history). */
export type IdentityRow = { readonly id: string; readonly rootKey: string; readonly genesisId: string; readonly seq: number };

export type AppState = "installed_enabled" | "installed_disabled" | "removed";

/** The node-local app registry row (DESIGN D8: never synced). */
export type AppRow = {
  readonly slug: string;
  readonly localId: number;
  readonly state: AppState;
  readonly version: string;
  /** The object id of the `system.app_schema` object holding this app's schema. */
  readonly schemaObjectId: string;
  readonly installedAt: string;
  readonly updatedAt: string;
};

export type SettingRow = { readonly key: string; readonly value: JsonValue };
export type MetaRow = { readonly key: string; readonly value: number };

/** Sync progress (DESIGN §3): how far this node has received a peer's global_seq for one domain. */
export type CursorRow = { readonly peer: string; readonly domain: string; readonly seq: number; readonly updatedAt: string };

/**
 * An envelope row whose stored text no longer verifies (ADR 0018): moved out of history, kept as
 * evidence, never served, exported or applied. The envelope itself can come back from a peer. Also
 * an envelope known only from rows derived from it (its row deleted): then `text` is empty.
 */
export type QuarantineRow = {
  readonly id: string;
  /** The global_seq it held; that number is never reused. */
  readonly seq: number;
  readonly text: string;
  /** The first failing check's code (ERR_CRYPTO_INVALID_SIGNATURE, ...), or why the row disagreed with its text. */
  readonly code: string;
  readonly reason: string;
  /** Who signed it, as far as this node can tell (null: unknown); their writes wait until it is back. */
  readonly authorId: string | null;
  readonly quarantinedAt: string;
};
