// The peer paired as a device of a person's identity, from its terminal (ADR 0032, the flow of ADR 0025):
// it joins the relay room named in its pairing code, prints the code and its QR code, and, for each
// node a session in that room proves by its signed hello, the confirm code the person types on that
// browser's Devices page. Once the binding the browser signs reaches the peer's graph, the peer's key
// moves to that identity and the peer writes as one of its devices. It waits on the graph, polled on
// real state, and gives up after `timeoutMs` (the code then dies with the process's memory, as in a tab).
import { renderUnicodeCompact } from "uqr";
import { err, nodeError, ok, type IdentityId, type Result, type TwoWayNode } from "../core/index.ts";
import type { PeerEvent, PeerNetwork, RoomSpec } from "./peer-network.ts";

/** How long a pairing code waits for a person to confirm it. */
export const PAIRING_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 250;

export type PairingOptions = {
  readonly node: TwoWayNode;
  readonly network: Pick<PeerNetwork, "joinRoom" | "sessions">;
  readonly reach: RoomSpec;
  readonly label?: string;
  readonly log: PeerEvent;
  /** For the person at the terminal (stderr): the code, its QR and the confirm codes. */
  readonly print: (text: string) => void;
  readonly timeoutMs?: number;
  /** True once the peer is stopping: the wait ends. */
  readonly stopped?: () => boolean;
};

export type Paired = { readonly identityId: IdentityId; readonly already: boolean };

/** A pairing code as the terminal shows it: the text to paste, and a QR code of it in block characters. */
export function pairingScreen(code: string): string {
  return [
    "",
    "Pair this peer as a device: on a browser that holds your identity, open Devices → Add a device,",
    "and paste this code (or scan the QR code):",
    "",
    code,
    "",
    renderUnicodeCompact(code, { ecc: "L", border: 2 }),
    "",
  ].join("\n");
}

export async function pairAsDevice(options: PairingOptions): Promise<Result<Paired>> {
  const { node, network, reach, log, print } = options;
  const devices = node.identities.devices;
  const held = await node.identities.held();
  if (!held.ok) return held;
  const existing = held.value[0];
  if (existing !== undefined) {
    log("peer.pairing_skipped", { reason: "already_paired", identityId: existing.identityId });
    return ok({ identityId: existing.identityId, already: true });
  }
  const joined = await network.joinRoom(reach);
  if (!joined.ok) return joined;
  const begun = await devices.begin({ relay: reach.url, room: reach.room }, options.label);
  if (!begun.ok) return begun;
  print(pairingScreen(begun.value.code));
  log("peer.pairing_code", { code: begun.value.code, deviceKey: begun.value.deviceKey, room: reach.room });

  const shown = new Set<string>();
  const deadline = Date.now() + (options.timeoutMs ?? PAIRING_TIMEOUT_MS);
  while (Date.now() < deadline && options.stopped?.() !== true) {
    for (const session of network.sessions()) {
      const peerNode = session.peerIdentity;
      if (peerNode === null || shown.has(peerNode) || session.state === "closed") continue;
      shown.add(peerNode);
      const [confirmCode] = await devices.confirmCodesFor([peerNode]);
      print(
        `Confirm code for the browser ${peerNode.slice(0, 8)}…: ${confirmCode}  (type it there; another code means something is in between)`,
      );
      log("peer.pairing_confirm_code", { peerNode, confirmCode });
    }
    const status = await devices.status();
    if (!status.ok) return status;
    if (status.value.state === "bound") {
      const completed = await devices.complete();
      if (!completed.ok) return completed;
      log("peer.paired", { identityId: completed.value.identityId, deviceKey: begun.value.deviceKey });
      print(`Paired: this peer is now a device of ${completed.value.identityId}.`);
      return ok({ identityId: completed.value.identityId, already: false });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  log("peer.pairing_expired", { deviceKey: begun.value.deviceKey });
  return err(
    nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "No device confirmed this pairing in time; run the peer with --pair again.", {
      reason: options.stopped?.() === true ? "stopping" : "pairing_expired",
    }),
  );
}
