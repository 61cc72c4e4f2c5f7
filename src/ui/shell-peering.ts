// The shell's peering: the page side of WebRTC links (src/peering), handing each connected channel
// to the node worker with its port transferred (Comlink.transfer), never cloned. simple-peer and
// its Node polyfills weigh ~145 kB, so they load on first use, not with the shell (the service
// worker precaches the chunk, so this works offline too).
import * as Comlink from "comlink";
import { nodeError } from "../core/shared/errors.ts";
import { err, ok } from "../core/shared/result.ts";
import type { Peering } from "../peering/peering.ts";
import { createRoomKeeper, type RoomKeeper, type RoomStore } from "../peering/room-keeper.ts";
import type { NodeConnection } from "./node-connection.ts";
import { roomStore } from "./remembered-peers.ts";

/** The page's peering, and the keeper that holds its remembered relay room (rejoined on start and after drops). */
export type ShellPeering = Peering & { readonly room: RoomKeeper };

/** Set (to "1") by tests and by people who want links on this machine only: every other ICE candidate is dropped. */
export const LOOPBACK_ONLY_KEY = "twoway.peering.loopback-only";
/** STUN/TURN URLs the person chose (Peers page); none by default, so no third party learns of a link. */
export const ICE_SERVERS_KEY = "twoway.peering.ice-servers";

/** STUN/TURN URLs from what a person typed: separated by spaces or commas; anything else is ignored. */
export function parseIceServerUrls(text: string): string[] {
  return text.split(/[\s,]+/).filter((url) => /^(stun|turns?):[^\s]+$/.test(url));
}

export function savedIceServerUrls(): string[] {
  return parseIceServerUrls(localStorage.getItem(ICE_SERVERS_KEY) ?? "");
}

export function createShellPeering(connection: NodeConnection, store: RoomStore = roomStore()): ShellPeering {
  let current: Peering | undefined;
  let loading: Promise<Peering> | undefined;
  /** Tests only (Peering.stallLinksAfter), kept until simple-peer has loaded. */
  let stallAfter: number | null = null;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());

  function load(): Promise<Peering> {
    loading ??= Promise.all([import("../peering/peering.ts"), import("../peering/webrtc-peer.ts")]).then(
      ([{ createPeering }, { loopbackOnly }]) => {
        const loopback = localStorage.getItem(LOOPBACK_ONLY_KEY) === "1";
        current = createPeering({
          ...(loopback ? { allowCandidate: loopbackOnly } : {}),
          iceServers: () => savedIceServerUrls().map((urls) => ({ urls })),
          async attach(port, label, via) {
            const attached = await connection.callRaw("syncAttach", [Comlink.transfer({ port, label, via }, [port])]);
            if (attached.ok) return ok(attached.value as { sessionId: string });
            return err(nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", attached.error.message, { reason: "attach_failed" }));
          },
        });
        current.stallLinksAfter(stallAfter);
        current.onChange(notify);
        notify();
        return current;
      },
    );
    return loading;
  }

  const peering: Peering = {
    links: () => current?.links() ?? [],
    onChange(listener) {
      listeners.add(listener);
      void load();
      return () => listeners.delete(listener);
    },
    joinRoom: async (url, room) => (await load()).joinRoom(url, room),
    leaveRoom: () => current?.leaveRoom(),
    currentRoom: () => current?.currentRoom() ?? null,
    createInvite: async () => (await load()).createInvite(),
    acceptInvite: async (code) => (await load()).acceptInvite(code),
    finishInvite: async (code) => (await load()).finishInvite(code),
    dropLink: (id) => current?.dropLink(id),
    stallLinksAfter(bytes) {
      stallAfter = bytes;
      current?.stallLinksAfter(bytes);
    },
    close: () => current?.close(),
  };
  const room = createRoomKeeper({
    join: (url, name) => peering.joinRoom(url, name),
    leave: () => peering.leaveRoom(),
    current: () => peering.currentRoom(),
    // Without loading simple-peer: with no room remembered, the shell starts without it.
    onPeeringChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    store,
  });
  return {
    ...peering,
    room,
    close() {
      room.close();
      peering.close();
    },
  };
}
