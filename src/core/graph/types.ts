// Plain-data shapes of the write path (ADR 0005): who writes, what comes out, and the mode an
// envelope is judged in. Types only.
import type { Signer } from "../crypto/index.ts";
import type { EnvelopeId, IdentityId } from "../shared/ids.ts";
import type { EnvelopeRow, ObjectRow, StubRow } from "../storage/index.ts";
import type { Op } from "../wire/index.ts";
import type { OpReference } from "./references.ts";

export type IngestSource = { readonly kind: "local" | "remote"; readonly actor: IdentityId | null };

export type IngestOutcome =
  | { readonly status: "accepted" | "suppressed"; readonly id: EnvelopeId; readonly seq: number; readonly objectIds: readonly string[] }
  /** `seq` is the held envelope's global_seq, or 0 when it is held as a stub. */
  | { readonly status: "duplicate"; readonly id: EnvelopeId; readonly seq: number }
  /** A stub now holds its place in its key's chain (DESIGN §3); it has no effects and no global_seq. */
  | { readonly status: "stub"; readonly id: EnvelopeId }
  | { readonly status: "pending"; readonly id: EnvelopeId; readonly missing: readonly EnvelopeId[] };

/** Who writes through a session: the identity, and the key the node signs with for it. */
export type Author = { readonly identityId: IdentityId; readonly signer: Signer; readonly bindingEnvelopeId: EnvelopeId | null };

export type WriteRequest = {
  readonly app: string;
  readonly domain: string;
  readonly ops: readonly Omit<Op, "owner_identity">[];
  readonly traceId?: string;
};

/**
 * How an envelope is judged (ADR 0010). `replica`: its validity sees only what it cites, as on every
 * node. `author`: this node wrote it, and it must also meet every fact the node holds (a deny,
 * visibility, a revoked key or grant), so the node never authors what it would withdraw.
 */
export type Mode = "author" | "replica";

export const modeOf = (source: IngestSource): Mode => (source.kind === "local" ? "author" : "replica");

/** A link as the chain checks it: held full or as a stub. */
export type ChainLink = Pick<EnvelopeRow | StubRow, "authorKey" | "keySeq" | "lamport">;

/** An envelope whose causal past is all here and checked (stage 2): what stages 3 and 4 and the commit need. */
export type ReadyPast = {
  /** Its deps, held full. */
  readonly deps: readonly EnvelopeRow[];
  readonly references: readonly OpReference[];
  /** The existing objects its ops name. */
  readonly objects: ReadonlyMap<string, ObjectRow>;
  /** A stub of it is held and is upgraded by this commit. */
  readonly upgradesStub: boolean;
};

/** What evaluating one envelope (or stub) against local state came to, before the audit. */
export type Evaluated =
  | { readonly kind: "commit"; readonly outcome: IngestOutcome; readonly envelopeStatus: "accepted" | "suppressed" }
  | { readonly kind: "pending"; readonly missing: readonly EnvelopeId[] }
  | { readonly kind: "duplicate"; readonly seq: number }
  | { readonly kind: "stub" };

/** A sync_read answer: may the peer receive the envelope, and why (or why not). */
export type SyncReadDecision = { readonly allow: boolean; readonly reason: string };
