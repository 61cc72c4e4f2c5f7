// The page's peer links (ADR 0012): finds peers through a relay room or copy-paste invite codes,
// opens a WebRTC data channel to each, and hands the worker one end of a MessageChannel bridged to
// it. Signaling is untrusted and only carries offers and answers; the node's signed hello decides.
import { nodeError } from "../core/shared/errors.ts";
import { err, ok, type Result } from "../core/shared/result.ts";
import { backoffDelay, LINK_BACKOFF } from "./backoff.ts";
import { bridgeChannelToPort, type ChannelBridge } from "./channel-bridge.ts";
import { decodeInviteCode, encodeInviteCode, inviteLink, inviteQrSvg } from "./invite-code.ts";
import { joinRelayRoom, type RelayRoom, type RelaySocketConstructor } from "./relay-client.ts";
import { createRendezvous, type Pairing } from "./relay-rendezvous.ts";
import { createWebRtcPeer, type SessionSignal, type WebRtcPeer, type WebRtcPeerOptions } from "./webrtc-peer.ts";

export type PeerVia = "relay" | "invite";

/** `signaling`: offer and answer under way; `connecting`: ICE; `attached`: the node runs a session on it. */
export type LinkPhase = "signaling" | "connecting" | "attached" | "closed";

export type LinkInfo = {
  readonly id: string;
  readonly label: string;
  readonly via: PeerVia;
  readonly phase: LinkPhase;
  /** The node's session on this link, once attached. */
  readonly sessionId: string | null;
  readonly closeReason: string | null;
  /** The link holds back what arrives for the node (`stallLinksAfter`, tests only). */
  readonly stalled: boolean;
};

export type PeeringOptions = {
  /** Gives the node the port (transferring it) and answers the session id. */
  readonly attach: (port: MessagePort, label: string, via: PeerVia) => Promise<Result<{ readonly sessionId: string }>>;
  /** STUN/TURN servers for each new link; none by default (links then work on reachable networks only). */
  readonly iceServers?: () => RTCIceServer[];
  /** Candidate filter for both directions; tests keep 127.0.0.1 only. */
  readonly allowCandidate?: (candidateLine: string) => boolean;
  /** Relay links that drop are tried again this many times in a row (a link that attaches resets the count), with capped, jittered pauses. */
  readonly maxRetries?: number;
  /** Draws for the retry jitter (backoff.ts); injectable for tests. */
  readonly random?: () => number;
  /** How long an invite step waits for its own WebRTC peer to produce the code before giving up. */
  readonly signalTimeoutMs?: number;
  /** Outside a page (the Node.js peer, ADR 0028): its RTCPeerConnection, WebSocket, and the origin invite links name. */
  readonly wrtc?: WebRtcPeerOptions["wrtc"];
  readonly WebSocketImpl?: RelaySocketConstructor;
  readonly inviteOrigin?: string;
};

/** `linkId`: the link this invite connects, so a screen can follow its session (`links()`). */
export type InviteOffer = { readonly code: string; readonly link: string; readonly qrSvg: string; readonly linkId: string };

export type Peering = {
  links(): readonly LinkInfo[];
  onChange(listener: () => void): () => void;
  /** Joins a relay room; every member met there becomes a link. One room at a time. */
  joinRoom(url: string, room: string): Promise<Result<void>>;
  leaveRoom(): void;
  currentRoom(): { readonly url: string; readonly room: string } | null;
  /** Step 1 (inviter): an offer code to give the other person. */
  createInvite(): Promise<Result<InviteOffer>>;
  /** Step 2 (invitee): takes the offer code, answers with a code to give back. */
  acceptInvite(code: string): Promise<Result<{ readonly answerCode: string; readonly qrSvg: string; readonly linkId: string }>>;
  /** Step 3 (inviter): takes the answer code; the link then connects. */
  finishInvite(answerCode: string): Promise<Result<void>>;
  /** Ends one link abruptly, as a failing network would (the session resumes from its cursors on the next link). */
  dropLink(id: string): void;
  /**
   * Tests only, off by default: links connected from now on stall toward the node once this many
   * bytes reached it (what follows is held back, never delivered), so a test can cut a sync at a
   * known point on any machine; null ends it for later links. No power beyond `dropLink`.
   */
  stallLinksAfter(bytes: number | null): void;
  close(): void;
};

type Link = {
  info: LinkInfo;
  readonly peer: WebRtcPeer;
  bridge: ChannelBridge | null;
  /** Closed on purpose here: no retry. */
  closing: boolean;
};

const DEFAULT_MAX_RETRIES = 5;
/** Offers and answers take well under a second; a busy phone gets generous room. */
const DEFAULT_SIGNAL_TIMEOUT_MS = 30_000;

/** An invite must offer a data channel (`m=application`): a description without one connects nothing. */
function refusesNoDataChannel(sdp: string): Result<void> {
  return /^m=application /m.test(sdp)
    ? ok(undefined)
    : err(
        nodeError("ERR_STRUCT_INVALID_TYPE", "This code offers no data connection; ask for a new invite.", { reason: "no_data_channel" }),
      );
}

function peeringError(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", message, { reason }));
}

export function createPeering(options: PeeringOptions): Peering {
  const links = new Map<string, Link>();
  const listeners = new Set<() => void>();
  let counter = 0;
  let room: { url: string; room: string; relay: RelayRoom; rendezvous: ReturnType<typeof createRendezvous> } | null = null;
  /** The inviter's open offer, waiting for its answer. */
  let pendingInvite: { link: Link; answered: boolean } | null = null;
  const retries = new Map<string, number>();
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const signalTimeoutMs = options.signalTimeoutMs ?? DEFAULT_SIGNAL_TIMEOUT_MS;
  let stallAfterBytes: number | null = null;

  const changed = () => listeners.forEach((l) => l());
  const update = (link: Link, patch: Partial<LinkInfo>) => {
    link.info = { ...link.info, ...patch };
    changed();
  };

  function openLink(initiator: boolean, label: string, via: PeerVia, onLost?: () => void, onAttached?: () => void): Link {
    counter += 1;
    const peer = createWebRtcPeer({
      initiator,
      ...(options.iceServers === undefined ? {} : { iceServers: options.iceServers() }),
      ...(options.allowCandidate === undefined ? {} : { allowCandidate: options.allowCandidate }),
      ...(options.wrtc === undefined ? {} : { wrtc: options.wrtc }),
    });
    const link: Link = {
      info: { id: `link-${counter}`, label, via, phase: "signaling", sessionId: null, closeReason: null, stalled: false },
      peer,
      bridge: null,
      closing: false,
    };
    links.set(link.info.id, link);
    peer.onConnect((channel) => {
      const { port1, port2 } = new MessageChannel();
      link.bridge = bridgeChannelToPort(
        channel,
        port1,
        stallAfterBytes === null ? {} : { stallInboundAfterBytes: stallAfterBytes, onStall: () => update(link, { stalled: true }) },
      );
      void options.attach(port2, label, via).then((attached) => {
        // The channel may have closed during the round trip to the worker: a closed link stays closed.
        if (link.info.phase === "closed") return;
        if (attached.ok) {
          update(link, { phase: "attached", sessionId: attached.value.sessionId });
          onAttached?.();
        } else {
          link.closing = true;
          peer.destroy();
          update(link, { phase: "closed", closeReason: attached.error.code });
        }
      });
    });
    peer.onClose((reason) => {
      link.bridge?.close(reason);
      // simple-peer reports its close a microtask after destroy(): keep a reason set before it.
      update(link, { phase: "closed", closeReason: link.info.phase === "closed" ? link.info.closeReason : reason });
      if (!link.closing) onLost?.();
    });
    changed();
    return link;
  }

  /** The link's one outgoing signal, or why there will be none (it closed first: replaced, refused). */
  /** The link's first signal (its offer or answer), or why there is none: closed, or timed out (then closed). */
  function firstSignal(link: Link): Promise<Result<SessionSignal>> {
    return new Promise((resolve) => {
      const settle = (result: Result<SessionSignal>) => {
        clearTimeout(timer);
        offSignal();
        offClose();
        resolve(result);
      };
      const offSignal = link.peer.onSignal((signal) => settle(ok(signal)));
      const offClose = link.peer.onClose((reason) =>
        settle(peeringError(reason === "closed_locally" ? "invite_replaced" : reason, "The link closed before its code was ready.")),
      );
      const timer = setTimeout(() => {
        settle(peeringError("signal_timeout", "The connection could not be prepared in time; try again."));
        link.closing = true;
        link.peer.destroy();
      }, signalTimeoutMs);
    });
  }

  function pairFromRoom(pairing: Pairing): void {
    const label = `room peer ${pairing.remote.slice(0, 6)}`;
    const link = openLink(
      pairing.initiator,
      label,
      "relay",
      () => {
        // A dropped channel: meet again through the room, a few times in a row, with growing jittered pauses.
        const tries = (retries.get(pairing.remote) ?? 0) + 1;
        retries.set(pairing.remote, tries);
        if (tries > maxRetries || room === null) return;
        const current = room;
        setTimeout(
          () => {
            if (room === current) current.rendezvous.retry(pairing.remote, pairing.attempt);
          },
          backoffDelay(tries, LINK_BACKOFF, options.random),
        );
      },
      // A link that attached worked: its next drop starts from the first pause again.
      () => retries.delete(pairing.remote),
    );
    pairing.onSignal((signal) => {
      const taken = link.peer.signal(signal);
      if (!taken.ok) update(link, { closeReason: String(taken.error.data["reason"] ?? taken.error.code) });
      else if (link.info.phase === "signaling") update(link, { phase: "connecting" });
    });
    pairing.onClose(() => {
      // The member left, or a newer attempt replaced this one: this link is done for good.
      link.closing = true;
      link.peer.destroy();
    });
    link.peer.onSignal((signal) => {
      const sent = pairing.send(signal);
      if (!sent.ok) update(link, { closeReason: String(sent.error.data["reason"] ?? sent.error.code) });
    });
  }

  return {
    links: () => [...links.values()].map((l) => l.info).reverse(),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async joinRoom(url, roomName) {
      if (room !== null) return peeringError("already_in_room", "Leave the current room first.");
      const joined = await joinRelayRoom({
        url,
        room: roomName,
        ...(options.WebSocketImpl === undefined ? {} : { WebSocketImpl: options.WebSocketImpl }),
      });
      if (!joined.ok) return joined;
      const rendezvous = createRendezvous(joined.value, { onPair: pairFromRoom });
      room = { url, room: roomName, relay: joined.value, rendezvous };
      joined.value.onClose(() => {
        if (room?.relay === joined.value) room = null;
        changed();
      });
      changed();
      return ok(undefined);
    },
    leaveRoom() {
      if (room === null) return;
      room.rendezvous.close();
      room.relay.close();
      room = null;
      changed();
    },
    currentRoom: () => (room === null ? null : { url: room.url, room: room.room }),
    async createInvite() {
      if (pendingInvite !== null && !pendingInvite.answered) {
        pendingInvite.link.closing = true;
        pendingInvite.link.peer.destroy();
      }
      const link = openLink(true, "invited peer", "invite");
      const invite = { link, answered: false };
      pendingInvite = invite;
      const offer = await firstSignal(link);
      if (!offer.ok) return offer;
      const code = await encodeInviteCode(offer.value);
      const origin = options.inviteOrigin ?? location.origin;
      return ok({ code, link: inviteLink(origin, code), qrSvg: inviteQrSvg(inviteLink(origin, code)), linkId: link.info.id });
    },
    async acceptInvite(code) {
      const offer = await decodeInviteCode(code);
      if (!offer.ok) return offer;
      if (offer.value.type !== "offer")
        return err(
          nodeError("ERR_STRUCT_INVALID_TYPE", "This is an answer code; paste it where the invite was made.", { reason: "not_an_offer" }),
        );
      const usable = refusesNoDataChannel(offer.value.sdp);
      if (!usable.ok) return usable;
      const link = openLink(false, "inviting peer", "invite");
      const answer = firstSignal(link);
      const taken = link.peer.signal(offer.value);
      if (!taken.ok) {
        link.closing = true;
        link.peer.destroy();
        return taken;
      }
      update(link, { phase: "connecting" });
      const signal = await answer;
      if (!signal.ok) return signal;
      const answerCode = await encodeInviteCode(signal.value);
      // The answer as a QR code too: the inviter's device reads it as text (it is no link: the open
      // invite lives in the inviter's tab, which a followed link would not reach).
      return ok({ answerCode, qrSvg: inviteQrSvg(answerCode), linkId: link.info.id });
    },
    async finishInvite(answerCode) {
      const invite = pendingInvite;
      if (invite === null || invite.answered) return peeringError("no_open_invite", "Make an invite first; this tab has none waiting.");
      const answer = await decodeInviteCode(answerCode);
      if (!answer.ok) return answer;
      if (answer.value.type !== "answer")
        return err(nodeError("ERR_STRUCT_INVALID_TYPE", "This is an invite code, not the answer to yours.", { reason: "not_an_answer" }));
      const usable = refusesNoDataChannel(answer.value.sdp);
      if (!usable.ok) return usable;
      const taken = invite.link.peer.signal(answer.value);
      if (!taken.ok) return taken;
      invite.answered = true;
      update(invite.link, { phase: "connecting" });
      return ok(undefined);
    },
    dropLink(id) {
      links.get(id)?.peer.destroy();
    },
    stallLinksAfter(bytes) {
      if (bytes !== null && (!Number.isSafeInteger(bytes) || bytes < 0)) throw new RangeError("stallLinksAfter takes a byte count or null");
      stallAfterBytes = bytes;
    },
    close() {
      if (room !== null) {
        room.rendezvous.close();
        room.relay.close();
        room = null;
      }
      for (const link of links.values()) {
        link.closing = true;
        link.peer.destroy();
      }
    },
  };
}
