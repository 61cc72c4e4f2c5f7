// Builds the ports a sync session needs (ports.ts SyncNodePorts) from the node's narrow parts:
// the State manager's sync half, the Graph's commit reports, the audit sink. It holds no state and
// decides nothing; node.ts calls it once and hands the result to every session.
import type { Signer } from "../crypto/index.ts";
import type { AuditEntry } from "../log/index.ts";
import type { NodeError } from "../shared/errors.ts";
import type { IdentityId } from "../shared/ids.ts";
import type { SyncNodePorts } from "./ports.ts";

export type SyncPortsDeps = {
  readonly nodeSigner: Signer;
  readonly nodeIdentity: IdentityId;
  readonly offeredDomains: () => readonly string[];
  /** The State manager: cursors, packages, `want`/`have`, revocation. */
  readonly state: Pick<
    SyncNodePorts,
    | "cursors"
    | "exportPackage"
    | "countAfter"
    | "preparePackage"
    | "commitPackage"
    | "isKeyRevoked"
    | "missingDependencies"
    | "stubIds"
    | "exportWanted"
    | "acceptWanted"
  >;
  /** The Graph: commit reports (for live push) and the ACL generation (for stub refresh). */
  readonly graph: { onCommit: SyncNodePorts["onCommit"]; aclGeneration: SyncNodePorts["aclGeneration"] };
  /** The node's audit sink; a failing sink reports itself and never undoes anything. */
  readonly audit: { record(entries: readonly AuditEntry[]): Promise<unknown> };
};

export function createSyncPorts(deps: SyncPortsDeps): SyncNodePorts {
  const { state, graph } = deps;
  return {
    nodeSigner: deps.nodeSigner,
    nodeIdentity: deps.nodeIdentity,
    offeredDomains: deps.offeredDomains,
    cursors: (peer) => state.cursors(peer),
    exportPackage: (peer, domain, afterSeq, limit, skip) => state.exportPackage(peer, domain, afterSeq, limit, skip),
    countAfter: (domain, afterSeq, cap) => state.countAfter(domain, afterSeq, cap),
    preparePackage: (peer, negotiated, pkg) => state.preparePackage(peer, negotiated, pkg),
    commitPackage: (peer, prepared) => state.commitPackage(peer, prepared),
    onCommit: (listener) => graph.onCommit(listener),
    isKeyRevoked: (key) => state.isKeyRevoked(key),
    missingDependencies: (limit) => state.missingDependencies(limit),
    stubIds: (afterId, limit) => state.stubIds(afterId, limit),
    aclGeneration: () => graph.aclGeneration(),
    exportWanted: (peer, ids, domains) => state.exportWanted(peer, ids, domains),
    acceptWanted: (peer, wantedIds, have) => state.acceptWanted(peer, wantedIds, have),
    recordRejection: (error, context) => void deps.audit.record([syncRejectionEntry(error, context)]),
  };
}

/** The audit record of a refused peer input (DESIGN D6): its code and reason, never the input. */
export function syncRejectionEntry(
  error: NodeError,
  context: { readonly connection: string; readonly peer: IdentityId | null },
): AuditEntry {
  const data = { reason: String(error.data["reason"] ?? "rejected"), connection: context.connection };
  const entry = { kind: "sync_rejected" as const, traceId: null, code: error.code, actor: context.peer, app: null };
  return { ...entry, envelopeId: null, globalSeq: null, message: error.message, data };
}
