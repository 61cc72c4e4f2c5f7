// The device methods of NodeApi (ADR 0025) as plain data: pairing on both sides, the device list and
// removal. Each checks its raw arguments first (src/rpc/device-requests.ts); the node decides.
import { err, nodeError, ok, type IdentityId, type PairingOffer, type Result, type TwoWayNode } from "../src/core/index.ts";
import { parsePairingBegin, parsePairingCode, parsePairingConfirm, parseRemoveDevice } from "../src/rpc/device-requests.ts";
import type {
  DeviceList,
  DeviceRemoval,
  IdentitySummary,
  PairingCode,
  PairingPreview,
  PairingReachSummary,
  PairingState,
} from "../src/rpc/node-api.ts";
import { parseNoArguments } from "../src/rpc/node-api-requests.ts";

export type DeviceService = {
  readonly pairingBegin: (...args: unknown[]) => Promise<Result<PairingCode>>;
  readonly pairingStatus: (...args: unknown[]) => Promise<Result<PairingState>>;
  readonly pairingCancel: (...args: unknown[]) => Promise<Result<{ readonly state: "idle" }>>;
  readonly pairingComplete: (...args: unknown[]) => Promise<Result<IdentitySummary>>;
  readonly pairingPreview: (...args: unknown[]) => Promise<Result<PairingPreview>>;
  readonly pairingConfirm: (...args: unknown[]) => Promise<Result<{ readonly deviceKey: string }>>;
  readonly listDevices: (...args: unknown[]) => Promise<Result<DeviceList>>;
  readonly removeDevice: (...args: unknown[]) => Promise<Result<DeviceRemoval>>;
};

function reachOf(offer: PairingOffer): PairingReachSummary {
  const { reach } = offer;
  return "invite" in reach ? { invite: reach.invite } : { relay: reach.relay, room: reach.room };
}

function previewOf(offer: PairingOffer, confirmCode: string): PairingPreview {
  return { confirmCode, deviceKey: offer.deviceKey, reach: reachOf(offer), expiresAt: new Date(offer.expiresAt).toISOString() };
}

/** `peerNodes`: the node identities peers proved with their signed hellos (the sync service knows them). */
export function createDeviceService(node: TwoWayNode, peerNodes: () => Promise<readonly string[]>): DeviceService {
  const devices = node.identities.devices;

  /** The shell acts for the first identity this node holds (as node-service.ts resolves it). */
  async function shellIdentity(): Promise<Result<IdentitySummary>> {
    const held = await node.identities.held();
    if (!held.ok) return held;
    const first = held.value[0];
    if (first === undefined) return err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "Create an identity first.", { reason: "no_identity" }));
    return ok({ identityId: first.identityId, name: first.name, publicKey: first.rootKey, createdAt: first.createdAt });
  }

  return {
    async pairingBegin(...args) {
      const request = parsePairingBegin(args);
      if (!request.ok) return request;
      const { label, ...reach } = request.value;
      return devices.begin(reach, label);
    },

    async pairingStatus(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const status = await devices.status();
      if (!status.ok) return status;
      const current = status.value;
      switch (current.state) {
        case "idle":
        case "expired":
          return ok({ state: current.state });
        case "bound":
          return ok({ state: "bound", identityId: current.identityId });
        case "confirming":
          return ok({ state: "confirming", code: current.code, ...previewOf(current.offer, current.confirmCode) });
        case "waiting": {
          const { code, offer } = current;
          const { deviceKey, reach, expiresAt } = previewOf(offer, "");
          return ok({
            state: "waiting",
            code,
            deviceKey,
            reach,
            expiresAt,
            confirmCodes: await devices.confirmCodesFor(await peerNodes()),
          });
        }
      }
    },

    async pairingCancel(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const cancelled = await devices.cancel();
      return cancelled.ok ? ok({ state: "idle" }) : cancelled;
    },

    async pairingComplete(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const completed = await devices.complete();
      return completed.ok ? shellIdentity() : completed;
    },

    async pairingPreview(...args) {
      const request = parsePairingCode(args);
      if (!request.ok) return request;
      const preview = await devices.preview(request.value.code);
      if (!preview.ok) return preview;
      return ok(previewOf(preview.value.offer, preview.value.confirmCode));
    },

    async pairingConfirm(...args) {
      const request = parsePairingConfirm(args);
      if (!request.ok) return request;
      const identity = await shellIdentity();
      if (!identity.ok) return identity;
      const { code, confirmCode, label } = request.value;
      const bound = await devices.confirm(identity.value.identityId as IdentityId, code, confirmCode, label);
      return bound.ok ? ok({ deviceKey: bound.value.deviceKey }) : bound;
    },

    async listDevices(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const identity = await shellIdentity();
      if (!identity.ok) return identity;
      const listed = await devices.list(identity.value.identityId as IdentityId);
      if (!listed.ok) return listed;
      const rows = listed.value.map(({ publicKey, label, role, boundAt, lastSeen, removed, thisDevice }) => ({
        publicKey,
        label,
        role,
        boundAt,
        lastSeen,
        removed,
        thisDevice,
      }));
      // The key this browser writes with: a device key where it holds one, else the root.
      const writing = rows.find((d) => d.thisDevice && d.role === "device") ?? rows.find((d) => d.thisDevice);
      return ok({ identityId: identity.value.identityId, devices: rows, thisDeviceRemoved: writing?.removed ?? false });
    },

    async removeDevice(...args) {
      const request = parseRemoveDevice(args);
      if (!request.ok) return request;
      const identity = await shellIdentity();
      if (!identity.ok) return identity;
      const removed = await devices.remove(identity.value.identityId as IdentityId, request.value.publicKey);
      return removed.ok ? ok({ lastSeq: removed.value.lastSeq }) : removed;
    },
  };
}
