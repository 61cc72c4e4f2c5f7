// The peer's links (ADR 0028): the page's own peering code (src/peering: simple-peer, 16 KiB chunking,
// the channel bridge, the relay rendezvous, invite codes) over @roamhq/wrtc's RTCPeerConnection, each
// bridged channel's port a Transport the node runs its sync session on: puzzles, signed hellos,
// ACL-filtered export, stubs — the same rules as a browser's worker (workers/sync-service.ts).
import wrtc from "@roamhq/wrtc";
import { WebSocket } from "ws";
import { createPortTransport, err, nodeError, ok, type Result, type SyncSession, type TwoWayNode } from "../core/index.ts";
import { createPeering, type Peering, type PeerVia } from "../peering/peering.ts";
import { loopbackOnly } from "../peering/webrtc-peer.ts";

/** How often a session re-sends its cursors and asks again for missing dependencies (as the worker). */
const TICK_MS = 3_000;
/** Sessions open at once, as the worker's MAX_OPEN. */
const MAX_OPEN = 32;
/** A relay that dropped is joined again after 1 s, 2 s, 4 s … at most this. */
export const MAX_REJOIN_DELAY_MS = 30_000;

export type RoomSpec = { readonly url: string; readonly room: string };

export type PeerEvent = (event: string, fields?: Readonly<Record<string, unknown>>) => void;

export type NetworkOptions = {
  readonly node: TwoWayNode;
  readonly log: PeerEvent;
  /** Only 127.0.0.1 candidates either way (tests, and a peer that serves this machine only). */
  readonly loopbackOnly?: boolean;
  readonly iceServers?: RTCIceServer[];
  /** First pause before joining a dropped room again; doubles up to MAX_REJOIN_DELAY_MS. */
  readonly rejoinDelayMs?: number;
};

export type SessionInfo = {
  readonly sessionId: string;
  readonly via: PeerVia;
  readonly state: string;
  readonly peerIdentity: string | null;
  readonly packagesIn: number;
  readonly packagesOut: number;
  readonly closeReason: string | null;
};

export type PeerNetwork = {
  /** Joins the room and keeps it: a dropped relay is joined again with backoff until `close`. */
  joinRoom(spec: RoomSpec): Promise<Result<void>>;
  /** Takes an invite (offer) code and answers the code to give back to the inviter. */
  acceptInvite(code: string): Promise<Result<{ readonly answerCode: string }>>;
  rooms(): readonly (RoomSpec & { readonly joined: boolean })[];
  sessions(): readonly SessionInfo[];
  /** Closes every session and link and stops rejoining. */
  close(): void;
};

export function createPeerNetwork(options: NetworkOptions): PeerNetwork {
  const { node, log } = options;
  const sessions = new Map<string, { via: PeerVia; session: SyncSession }>();
  const rooms: { spec: RoomSpec; peering: Peering; retry: ReturnType<typeof setTimeout> | undefined; failures: number }[] = [];
  const invites: Peering[] = [];
  let counter = 0;
  let closed = false;
  const timer = setInterval(() => {
    for (const { session } of sessions.values()) if (session.status().state === "syncing") void session.tick();
  }, TICK_MS);

  function attach(port: MessagePort, label: string, via: PeerVia): Promise<Result<{ readonly sessionId: string }>> {
    const open = [...sessions.values()].filter(({ session }) => session.status().state !== "closed").length;
    if (open >= MAX_OPEN) {
      port.close();
      log("peer.session_refused", { reason: "too_many_peers", label });
      return Promise.resolve(err(nodeError("ERR_RESOURCE_PEER_LIMIT", `At most ${MAX_OPEN} peers at once.`, { reason: "too_many_peers" })));
    }
    counter += 1;
    const sessionId = `peer-${counter}`;
    const transport = createPortTransport(port, { id: sessionId });
    const session = node.sync.connect(transport);
    sessions.set(sessionId, { via, session });
    log("peer.session_opened", { sessionId, label, via });
    transport.onClose((reason) => log("peer.session_closed", { sessionId, reason, ...counts(session) }));
    forgetOldClosed();
    return Promise.resolve(ok({ sessionId }));
  }

  function forgetOldClosed(): void {
    const closedOnes = [...sessions.entries()].filter(([, { session }]) => session.status().state === "closed");
    for (const [id] of closedOnes.slice(0, Math.max(0, closedOnes.length - MAX_OPEN))) sessions.delete(id);
  }

  function counts(session: SyncSession) {
    const status = session.status();
    return { peerIdentity: status.peer?.identity ?? null, packagesIn: status.packagesIn, packagesOut: status.packagesOut };
  }

  function newPeering(): Peering {
    return createPeering({
      attach,
      wrtc,
      WebSocketImpl: WebSocket,
      inviteOrigin: "http://127.0.0.1",
      iceServers: () => options.iceServers ?? [],
      ...(options.loopbackOnly === true ? { allowCandidate: loopbackOnly } : {}),
    });
  }

  async function join(entry: (typeof rooms)[number]): Promise<Result<void>> {
    const joined = await entry.peering.joinRoom(entry.spec.url, entry.spec.room);
    if (joined.ok) {
      entry.failures = 0;
      log("peer.room_joined", { ...entry.spec });
    } else {
      log("peer.room_join_failed", { ...entry.spec, code: joined.error.code, reason: joined.error.data["reason"] ?? null });
      scheduleRejoin(entry);
    }
    return joined;
  }

  function scheduleRejoin(entry: (typeof rooms)[number]): void {
    if (closed || entry.retry !== undefined) return;
    const delay = Math.min(MAX_REJOIN_DELAY_MS, (options.rejoinDelayMs ?? 1_000) * 2 ** entry.failures);
    entry.failures += 1;
    log("peer.room_rejoin_scheduled", { ...entry.spec, delayMs: delay });
    entry.retry = setTimeout(() => {
      entry.retry = undefined;
      if (!closed && entry.peering.currentRoom() === null) void join(entry);
    }, delay);
  }

  return {
    async joinRoom(spec) {
      const entry = { spec, peering: newPeering(), retry: undefined, failures: 0 };
      rooms.push(entry);
      let wasJoined = false;
      entry.peering.onChange(() => {
        const joined = entry.peering.currentRoom() !== null;
        if (wasJoined && !joined && !closed) {
          log("peer.room_lost", { ...spec });
          scheduleRejoin(entry);
        }
        wasJoined = joined;
      });
      return join(entry);
    },
    async acceptInvite(code) {
      const peering = newPeering();
      invites.push(peering);
      const answered = await peering.acceptInvite(code);
      if (answered.ok) log("peer.invite_answered", { answerCode: answered.value.answerCode });
      else log("peer.invite_refused", { code: answered.error.code, reason: answered.error.data["reason"] ?? null });
      return answered;
    },
    rooms: () => rooms.map((entry) => ({ ...entry.spec, joined: entry.peering.currentRoom() !== null })),
    sessions: () =>
      [...sessions.entries()].map(([sessionId, { via, session }]) => ({
        sessionId,
        via,
        state: session.status().state,
        closeReason: session.status().closeReason,
        ...counts(session),
      })),
    close() {
      closed = true;
      clearInterval(timer);
      for (const entry of rooms) {
        clearTimeout(entry.retry);
        entry.peering.close();
      }
      for (const peering of invites) peering.close();
      for (const { session } of sessions.values()) session.close("node_stopping");
    },
  };
}
