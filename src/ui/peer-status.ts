// A sync session in a person's words: what state it is in, how far along it is, and whether
// anything needs the person. Pure functions of the worker's snapshot, so the Peers page only draws.
import type { PeerState, PeerSummary } from "../rpc/node-api.ts";
import { formatCount, presentParts, shortId } from "./display-format.ts";

export const STATE_WORDS: Readonly<Record<PeerState, string>> = {
  connecting: "Connecting",
  challenged: "Checking the connection",
  admitted: "Saying hello",
  syncing: "Catching up",
  live: "Up to date",
  closed: "Disconnected",
};

/** Why a session ended, as the person would say it; the code stays in the details. */
const CLOSE_WORDS: Readonly<Record<string, string>> = {
  closed_locally: "You disconnected.",
  closed_by_peer: "They disconnected.",
  link_lost: "The connection dropped. It reconnects by itself through the room.",
  connection_failed: "The two devices could not reach each other. Try on the same network, or add a STUN/TURN server.",
  node_stopping: "This node stopped.",
  admission_denied: "The other node was busy and turned the connection away. Try again in a minute.",
  puzzle_failed: "The connection check failed. Try again.",
  puzzle_unsolved: "The connection check failed. Try again.",
  hello_failed: "The other node's hello did not check out: it is not who it says.",
  hello_rejected: "The other node's hello did not check out: it is not who it says.",
  key_revoked: "The other node's key was revoked.",
  node_key_not_root: "The other node's key is not its own.",
  peer_cut_off: "This node stopped syncing with that peer.",
};

/** Ends a person should act on: the other side's proof failed, or the devices cannot meet. */
const CLOSES_NEEDING_ATTENTION: ReadonlySet<string> = new Set([
  "connection_failed",
  "hello_failed",
  "hello_rejected",
  "key_revoked",
  "node_key_not_root",
]);

export function closeWords(reason: string | null): string {
  if (reason === null) return "";
  return CLOSE_WORDS[reason] ?? "The connection ended.";
}

/**
 * Red is for what the person must do something about: a session that ended for a reason they can
 * act on. An error a running session recovered from (a resent package, a rewind, a paced sender)
 * is the protocol working, and stays in the details in plain text.
 */
export function needsAttention(peer: Pick<PeerSummary, "state" | "closeReason">): boolean {
  return peer.state === "closed" && peer.closeReason !== null && CLOSES_NEEDING_ATTENTION.has(peer.closeReason);
}

export type PeerProgress = {
  /** Determinate when both are known; `total` 0 means nothing to do. */
  readonly done: number | undefined;
  readonly total: number | undefined;
  readonly upToDate: boolean;
  readonly label: string;
};

/**
 * The one bar per peer, from the session's own counts (ADR 0026): the changes received from that
 * peer in this session, of how many it said it had after our cursor. It ends at M when the session
 * says it is up to date.
 */
export function peerProgress(peer: Pick<PeerSummary, "state" | "progress" | "upToDate">): PeerProgress {
  if (peer.state === "connecting" || peer.state === "challenged" || peer.state === "admitted")
    return { done: undefined, total: undefined, upToDate: false, label: `${STATE_WORDS[peer.state]}…` };
  const { total } = peer.progress;
  if (peer.upToDate)
    return {
      done: total,
      total,
      upToDate: true,
      label: total === 0 ? "Up to date" : `Up to date · ${formatCount(total)} of ${formatCount(total)} changes`,
    };
  const done = Math.min(total, peer.progress.done);
  return { done, total, upToDate: false, label: `${formatCount(done)} of ${formatCount(total)} changes` };
}

/** The parts of the details' first line: what the hello proved, and whom the node speaks for if known. */
export function peerIdentityParts(peer: Pick<PeerSummary, "peerIdentity" | "person">): string[] {
  return presentParts([
    peer.peerIdentity === null ? "Identity not proven yet" : `Proven node ${shortId(peer.peerIdentity, 12)}`,
    peer.person !== null && `speaks for ${shortId(peer.person.identityId, 12)}`,
  ]);
}

/** The parts of the details' counts: packages each way, and the page's link when there is one. */
export function peerCountsParts(peer: Pick<PeerSummary, "packagesIn" | "packagesOut">, linkPhase: string | undefined): string[] {
  return presentParts([
    `${formatCount(peer.packagesIn)} packages in`,
    `${formatCount(peer.packagesOut)} out`,
    linkPhase !== undefined && `link ${linkPhase}`,
  ]);
}

/** Who a session's row is titled as: the proven person, else the name given to the node, else what is known. */
export type PeerTitle = {
  readonly title: string;
  /** The name the avatar's initials come from; null draws the neutral mark. */
  readonly avatarName: string | null;
  /** What the avatar's colour keys on: the person, so all their devices look alike; else the node. */
  readonly avatarId: string;
  readonly shownAs: "person" | "node" | "unnamed" | "unproven";
};

export function peerTitle(peer: Pick<PeerSummary, "sessionId" | "peerIdentity" | "person">, knownName: string | null): PeerTitle {
  // The person only on a proven hello: a session the graph still holds a binding for, but that has not
  // proven this node yet, is nobody in particular.
  // A person's second device reads as them first, then which device: "Ada (Phone)".
  if (peer.peerIdentity !== null && peer.person !== null) {
    const { name, device, identityId } = peer.person;
    return { title: device === null ? name : `${name} (${device})`, avatarName: name, avatarId: identityId, shownAs: "person" };
  }
  if (peer.peerIdentity === null) return { title: "Someone connecting", avatarName: null, avatarId: peer.sessionId, shownAs: "unproven" };
  if (knownName !== null) return { title: knownName, avatarName: knownName, avatarId: peer.peerIdentity, shownAs: "node" };
  return { title: "A device you have not named", avatarName: null, avatarId: peer.peerIdentity, shownAs: "unnamed" };
}

export type InviteStatus = { readonly state: "connecting" | "syncing" | "up_to_date" | "ended"; readonly text: string };

/**
 * What the invite card says once an answer is in: it follows the link and then its session, so it
 * reads "Connecting…", then "Syncing · N of M changes", then "Up to date", never a stale step.
 */
export function inviteStatus(
  link: { readonly phase: string; readonly closeReason: string | null } | undefined,
  peer: Pick<PeerSummary, "state" | "progress" | "upToDate" | "closeReason"> | undefined,
): InviteStatus {
  if (peer !== undefined) {
    if (peer.state === "closed") return { state: "ended", text: `Disconnected. ${closeWords(peer.closeReason)}`.trim() };
    const progress = peerProgress(peer);
    if (progress.upToDate) return { state: "up_to_date", text: `Connected · ${progress.label}` };
    if (peer.state === "syncing" || peer.state === "live") return { state: "syncing", text: `Syncing · ${progress.label}` };
  }
  if (link?.phase === "closed") return { state: "ended", text: `Disconnected. ${closeWords(link.closeReason)}`.trim() };
  return { state: "connecting", text: "Connecting…" };
}
