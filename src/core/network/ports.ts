// What a sync session needs from its node, narrowly (STYLE principle 2): sync-ports.ts builds it
// from the State manager, the Graph and the audit log; node.ts wires it. Declares, never implements.
import type { Signer } from "../crypto/index.ts";
import type { IngestOutcome } from "../graph/index.ts";
import type { NodeError } from "../shared/errors.ts";
import type { IdentityId } from "../shared/ids.ts";
import type { Result } from "../shared/result.ts";
import type { HavePackage, PreparedPackage, SessionPeer, SyncPackage } from "../state/index.ts";

/** What the peer sent in this session (from-peer.ts): left out of the packages back to it. */
export type PeerSent = { has(id: string): boolean; coversSeqs?(from: number, to: number): boolean };

/** What a session needs from its node, narrowly (STYLE principle 2); node.ts binds it. */
export type SyncNodePorts = {
  readonly nodeSigner: Signer;
  readonly nodeIdentity: IdentityId;
  /** `<app>/<domain>` names this node syncs. */
  readonly offeredDomains: () => readonly string[];
  readonly cursors: (peer: IdentityId) => Promise<Readonly<Record<string, number>>>;
  /** The next package for `peer`; envelopes `skip` names (the peer sent them) are left out, their seqs still in range. */
  readonly exportPackage: (
    peer: IdentityId,
    domain: string,
    afterSeq: number,
    limit: number,
    skip?: PeerSent,
  ) => Promise<Result<SyncPackage | null>>;
  /** Envelopes of `domain` after `afterSeq`, counted up to `cap` (progress "N of M", ADR 0026). */
  readonly countAfter: (domain: string, afterSeq: number, cap: number) => Promise<number>;
  /** A package's checks that need no state, its envelopes' started too (ADR 0027); runs ahead of the commits. */
  readonly preparePackage: (peer: SessionPeer, negotiated: ReadonlySet<string>, pkg: unknown) => Promise<Result<PreparedPackage>>;
  /** The rest of the checks, then the envelopes with the cursor; one at a time, in order. */
  readonly commitPackage: (peer: SessionPeer, prepared: PreparedPackage) => Promise<Result<readonly IngestOutcome[]>>;
  readonly onCommit: (listener: (commit: { readonly app: string; readonly domain: string }) => void) => () => void;
  /** A revoked key may not open a session nor sign what it carries (DESIGN §4 rule 5). */
  readonly isKeyRevoked: (publicKey: string) => Promise<boolean>;
  /** Ids the pending set waits for, to ask the peer (`want`). */
  readonly missingDependencies: (limit: number) => Promise<readonly string[]>;
  /** Stubs held, in id order after `afterId`: asked for again when read rights change (DESIGN §3). */
  readonly stubIds: (afterId: string, limit: number) => Promise<readonly string[]>;
  /** Moves whenever the node's ACL facts change. */
  readonly aclGeneration: () => number;
  readonly exportWanted: (peer: IdentityId, ids: readonly string[], domains: ReadonlySet<string>) => Promise<Result<HavePackage | null>>;
  readonly acceptWanted: (
    peer: SessionPeer,
    wanted: ReadonlySet<string>,
    have: unknown,
  ) => Promise<Result<readonly Result<IngestOutcome>[]>>;
  /** Every refusal of what a peer sent goes to the audit log (DESIGN D6), with the transport's handle. */
  readonly recordRejection: (error: NodeError, context: { readonly connection: string; readonly peer: IdentityId | null }) => void;
};
