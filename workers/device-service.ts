// The device methods of NodeApi (ADR 0025) as plain data: pairing on both sides, the device list and
// removal. Each checks its raw arguments first (src/rpc/device-requests.ts); the node decides.
import { err, nodeError, ok, type IdentityId, type Result, type TwoWayNode } from "../src/core/index.ts";
import { parsePairingBegin, parsePairingCode, parsePairingConfirm, parseRemoveDevice } from "../src/rpc/device-requests.ts";
import type { DeviceList, DeviceRemoval, IdentitySummary, PairingCode, PairingPreview, PairingState } from "../src/rpc/node-api.ts";
import { parseNoArguments } from "../src/rpc/node-api-requests.ts";

export type DeviceService = {
  readonly pairingBegin: (...args: unknown[]) => Promise<Result<PairingCode>>;
  readonly pairingStatus: (...args: unknown[]) => Promise<Result<PairingState>>;
  readonly pairingComplete: (...args: unknown[]) => Promise<Result<IdentitySummary>>;
  readonly pairingPreview: (...args: unknown[]) => Promise<Result<PairingPreview>>;
  readonly pairingConfirm: (...args: unknown[]) => Promise<Result<{ readonly deviceKey: string }>>;
  readonly listDevices: (...args: unknown[]) => Promise<Result<DeviceList>>;
  readonly removeDevice: (...args: unknown[]) => Promise<Result<DeviceRemoval>>;
};

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
      const { relay, room, label } = request.value;
      return devices.begin({ relay, room }, label);
    },

    async pairingStatus(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const status = await devices.status();
      if (!status.ok) return status;
      if (status.value.state === "idle") return ok({ state: "idle" });
      if (status.value.state === "waiting") {
        const { code, deviceKey } = status.value;
        return ok({ state: "waiting", code, deviceKey, confirmCodes: devices.confirmCodesFor(await peerNodes()) });
      }
      return ok({ state: "bound", identityId: status.value.identityId });
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
      const { offer, confirmCode } = preview.value;
      return ok({ confirmCode, deviceKey: offer.deviceKey, relay: offer.reach.relay, room: offer.reach.room });
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
