// The worker's sync sessions over page-owned data channels (ADR 0012): each attached MessagePort
// becomes a Transport, the node runs a session on it, and people see where each one stands. The
// page and the signaling that found the peer are never trusted: the session's signed hello is.
import { createPortTransport, err, nodeError, ok, type Result, type SyncSession, type TwoWayNode } from "../src/core/index.ts";
import type { GuardSummary, PeerState, PeerSummary, PeerVia, SyncOverview } from "../src/rpc/node-api.ts";
import { parseNoArguments, parseSyncAttach, parseSyncDetach } from "../src/rpc/node-api-requests.ts";
import { createSyncWatches, realWatchClock, type WatchClock } from "./sync-watch.ts";

/** How often a session re-sends its cursors and asks again for missing dependencies (ADR 0011). */
const TICK_MS = 3_000;
/** Closed sessions kept for the Peers view; older ones are forgotten. */
const MAX_CLOSED_KEPT = 32;
/** Sessions open at once; the DoS Guard bounds admissions too, this bounds page-made channels. */
const MAX_OPEN = 32;

type Entry = {
  readonly sessionId: string;
  readonly label: string;
  readonly via: PeerVia;
  readonly startedAt: string;
  readonly session: SyncSession;
  readonly transportState: () => "connecting" | "open" | "closed";
};

export type SyncService = {
  readonly syncAttach: (...args: unknown[]) => Promise<Result<{ readonly sessionId: string }>>;
  readonly syncOverview: (...args: unknown[]) => Promise<Result<SyncOverview>>;
  readonly syncDetach: (...args: unknown[]) => Promise<Result<void>>;
  /** The page hears, coalesced, whenever a session's state changes (sync-watch.ts). */
  readonly watchSync: (...args: unknown[]) => Promise<Result<void>>;
  /** Closes every session (node shutdown) and the page's watches; the pages see their channels close. */
  closeAll(): void;
};

function peerState(entry: Entry): PeerState {
  const status = entry.session.status();
  if (status.state === "closed") return "closed";
  if (entry.transportState() === "connecting") return "connecting";
  if (status.state === "admitting") return "challenged";
  if (status.state === "greeting") return "admitted";
  return status.live ? "live" : "syncing";
}

async function summary(node: TwoWayNode, entry: Entry): Promise<PeerSummary> {
  const status = entry.session.status();
  const person = status.peer === null ? null : await node.identities.personOfNodeKey(status.peer.key);
  return {
    sessionId: entry.sessionId,
    label: entry.label,
    via: entry.via,
    state: peerState(entry),
    peerIdentity: status.peer?.identity ?? null,
    person,
    domains: status.negotiated.map((domain) => ({ domain, received: status.received[domain] ?? 0, acked: status.acked[domain] ?? 0 })),
    packagesIn: status.packagesIn,
    packagesOut: status.packagesOut,
    progress: status.progress,
    upToDate: status.upToDate,
    recovered: status.recovered,
    lastError: status.lastError === null ? null : { code: status.lastError.code, message: status.lastError.message },
    closeReason: status.closeReason,
    startedAt: entry.startedAt,
  };
}

/** `clock` spaces the sync-change notices; a test passes one that moves only when it says. */
export function createSyncService(node: TwoWayNode, clock: WatchClock = realWatchClock): SyncService {
  const entries = new Map<string, Entry>();
  const watches = createSyncWatches(clock);
  let counter = 0;
  const timer = setInterval(() => {
    for (const entry of entries.values()) if (entry.session.status().state !== "closed") void entry.session.tick();
  }, TICK_MS);

  function forgetOldClosed(): void {
    const closed = [...entries.values()].filter((e) => e.session.status().state === "closed");
    for (const entry of closed.slice(0, Math.max(0, closed.length - MAX_CLOSED_KEPT))) entries.delete(entry.sessionId);
  }

  return {
    syncAttach: (...args) => attach(args),
    syncOverview: (...args) => overview(args),
    syncDetach: (...args) => Promise.resolve(detach(args)),
    watchSync: watches.watchSync,
    closeAll() {
      clearInterval(timer);
      for (const entry of entries.values()) entry.session.close("node_stopping");
      watches.close();
    },
  };

  async function attach(args: unknown[]): Promise<Result<{ readonly sessionId: string }>> {
    const request = parseSyncAttach(args);
    if (!request.ok) return request;
    // ADR 0030: the peer can name us once it holds our binding, which this session then carries. A
    // node that cannot write it (a write gate) still syncs; the peer shows it by its node name.
    const bound = await node.identities.bindThisNode();
    if (!bound.ok) console.warn(`2WAY: this node's key is not bound to its identity: ${bound.error.code}`);
    const open = [...entries.values()].filter((e) => e.session.status().state !== "closed").length;
    if (open >= MAX_OPEN) {
      request.value.port.close();
      return err(nodeError("ERR_RESOURCE_PEER_LIMIT", `At most ${MAX_OPEN} peers at once.`, { reason: "too_many_peers" }));
    }
    counter += 1;
    const sessionId = `peer-${counter}`;
    const transport = createPortTransport(request.value.port, { id: sessionId });
    // Every step of the session reports itself; its transport opening ("connecting" → "challenged") too.
    const session = node.sync.connect(transport, { onChange: watches.changed });
    transport.onOpen(watches.changed);
    entries.set(sessionId, {
      sessionId,
      label: request.value.label,
      via: request.value.via,
      startedAt: new Date().toISOString(),
      session,
      transportState: () => transport.state,
    });
    forgetOldClosed();
    watches.changed();
    return ok({ sessionId });
  }

  async function overview(args: unknown[]): Promise<Result<SyncOverview>> {
    const checked = parseNoArguments(args);
    if (!checked.ok) return checked;
    const stats = node.sync.guard.stats();
    const guard: GuardSummary = {
      difficulty: stats.difficulty,
      challenges: stats.issued,
      admissions: stats.admissions,
      denials: stats.denials,
      failedSolutions: stats.verifyFailures,
      admittedNow: stats.admitted,
    };
    const peers = await Promise.all([...entries.values()].reverse().map((entry) => summary(node, entry)));
    return ok({ nodeIdentity: node.sync.nodeIdentity, globalSeq: node.globalSeq(), peers, guard });
  }

  function detach(args: unknown[]): Result<void> {
    const request = parseSyncDetach(args);
    if (!request.ok) return request;
    const entry = entries.get(request.value.sessionId);
    if (entry === undefined) return err(nodeError("ERR_STRUCT_INVALID_IDENTIFIER", "No such session.", { reason: "unknown_session" }));
    entry.session.close("closed_locally");
    return ok(undefined);
  }
}
