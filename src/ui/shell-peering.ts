// The shell's peering: the page side of WebRTC links (src/peering), handing each connected channel
// to the node worker with its port transferred (Comlink.transfer), never cloned.
import * as Comlink from "comlink";
import { nodeError } from "../core/shared/errors.ts";
import { err, ok } from "../core/shared/result.ts";
import { createPeering, type Peering } from "../peering/peering.ts";
import { loopbackOnly } from "../peering/webrtc-peer.ts";
import type { NodeConnection } from "./node-connection.ts";

/** Set (to "1") by tests and by people who want links on this machine only: every other ICE candidate is dropped. */
export const LOOPBACK_ONLY_KEY = "twoway.peering.loopback-only";

export function createShellPeering(connection: NodeConnection): Peering {
  const loopback = localStorage.getItem(LOOPBACK_ONLY_KEY) === "1";
  return createPeering({
    ...(loopback ? { allowCandidate: loopbackOnly } : {}),
    async attach(port, label, via) {
      const attached = await connection.callRaw("syncAttach", [Comlink.transfer({ port, label, via }, [port])]);
      if (attached.ok) return ok(attached.value as { sessionId: string });
      return err(nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", attached.error.message, { reason: "attach_failed" }));
    },
  });
}
