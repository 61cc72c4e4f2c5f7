// What the shell remembers about peers between page loads, in this origin's localStorage: the relay
// room to rejoin, and the name the person gave each node whose signed hello proved its identity.
// localStorage, not the node's database: both are page-side facts (the worker never sees a relay URL
// or a WebRTC link, ADR 0012), read synchronously at start before the worker is up, a few hundred
// bytes, and nothing in them is signed graph data another node should ever receive by sync.
import type { RoomRef, RoomStore } from "../peering/room-keeper.ts";

export const REMEMBERED_ROOM_KEY = "twoway.peering.room";
export const KNOWN_PEERS_KEY = "twoway.peering.known";
/** Oldest forgotten past this: the list is for people one meets, not an archive. */
export const MAX_KNOWN_PEERS = 64;
const MAX_NAME_CHARS = 64;

export type KnownPeer = {
  /** The node identity its hello proved (never a label from signaling). */
  readonly nodeIdentity: string;
  /** What the person calls it; null until named. */
  readonly name: string | null;
  readonly lastSeenAt: string;
};

function readJson(storage: Storage, key: string): unknown {
  try {
    return JSON.parse(storage.getItem(key) ?? "null") as unknown;
  } catch {
    return null;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The remembered room, checked: anything else in the slot (edited by hand, an old format) is no room. */
export function roomStore(storage: Storage = localStorage): RoomStore {
  return {
    load() {
      const value = readJson(storage, REMEMBERED_ROOM_KEY);
      if (!isRecord(value) || typeof value["url"] !== "string" || typeof value["room"] !== "string") return null;
      return /^wss?:\/\//.test(value["url"]) && value["room"] !== "" ? { url: value["url"], room: value["room"] } : null;
    },
    save(ref: RoomRef | null) {
      if (ref === null) storage.removeItem(REMEMBERED_ROOM_KEY);
      else storage.setItem(REMEMBERED_ROOM_KEY, JSON.stringify({ url: ref.url, room: ref.room }));
    },
  };
}

export function loadKnownPeers(storage: Storage = localStorage): KnownPeer[] {
  const value = readJson(storage, KNOWN_PEERS_KEY);
  if (!Array.isArray(value)) return [];
  return value.flatMap((p: unknown) =>
    isRecord(p) && typeof p["nodeIdentity"] === "string" && typeof p["lastSeenAt"] === "string"
      ? [{ nodeIdentity: p["nodeIdentity"], name: typeof p["name"] === "string" ? p["name"] : null, lastSeenAt: p["lastSeenAt"] }]
      : [],
  );
}

function saveKnownPeers(peers: readonly KnownPeer[], storage: Storage): void {
  const newest = [...peers].sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt)).slice(0, MAX_KNOWN_PEERS);
  storage.setItem(KNOWN_PEERS_KEY, JSON.stringify(newest));
}

/** Records that a proven node was seen now; answers the list as stored. */
export function rememberPeer(nodeIdentity: string, at: string, storage: Storage = localStorage): KnownPeer[] {
  const peers = loadKnownPeers(storage);
  const known = peers.find((p) => p.nodeIdentity === nodeIdentity);
  const rest = peers.filter((p) => p.nodeIdentity !== nodeIdentity);
  saveKnownPeers([...rest, { nodeIdentity, name: known?.name ?? null, lastSeenAt: at }], storage);
  return loadKnownPeers(storage);
}

/** The person's name for a proven node: trimmed, at most 64 characters; empty forgets the name. */
export function namePeer(nodeIdentity: string, name: string, storage: Storage = localStorage): KnownPeer[] {
  const peers = loadKnownPeers(storage);
  const clean = name.trim().slice(0, MAX_NAME_CHARS);
  const next = peers.map((p) => (p.nodeIdentity === nodeIdentity ? { ...p, name: clean === "" ? null : clean } : p));
  saveKnownPeers(next, storage);
  return loadKnownPeers(storage);
}

export function forgetPeer(nodeIdentity: string, storage: Storage = localStorage): KnownPeer[] {
  saveKnownPeers(
    loadKnownPeers(storage).filter((p) => p.nodeIdentity !== nodeIdentity),
    storage,
  );
  return loadKnownPeers(storage);
}
