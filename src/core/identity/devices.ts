// One identity, several devices (DESIGN D10, ADR 0025): the list of an identity's devices, removing
// one with a cut (DESIGN §4 rule 5), and pairing a new one (pairing-flows.ts). Writes go through the
// Graph and keys through the Key manager, as ports.
import type { KeyManager } from "../key/index.ts";
import type { Clock, Random } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import type { EnvelopeId, IdentityId } from "../shared/ids.ts";
import { isJsonObject, type JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { Author, WriteRequest } from "../graph/index.ts";
import type { EnvelopeRow, IdentityRow, ObjectRow } from "../storage/index.ts";
import { SYSTEM_APP } from "../wire/index.ts";
import { createPairingFlows } from "./pairing-flows.ts";
import { RECOVERY_ROLE } from "./recovery-flows.ts";

export type DevicePorts = {
  readonly keys: KeyManager;
  readonly clock: Clock;
  readonly random: Random;
  /** This node's identity, the one its signed sync hello proves (DESIGN §3 session). */
  readonly nodeIdentity: IdentityId;
  authorFor(identityId: IdentityId): Promise<Result<Author>>;
  submit(author: Author, request: WriteRequest): Promise<Result<{ readonly envelopeId: EnvelopeId; readonly seq: number }>>;
  getIdentity(identityId: string): Promise<IdentityRow | undefined>;
  /** Bindings of a key (not withdrawn). */
  bindingsOf(publicKey: string): Promise<readonly ObjectRow[]>;
  allBindings(): Promise<readonly ObjectRow[]>;
  isKeyRevoked(publicKey: string): Promise<boolean>;
  lastOfKey(publicKey: string): Promise<EnvelopeRow | undefined>;
  /** Identities this node holds a key of (root or bound device). */
  heldIdentities(): Promise<Result<ReadonlySet<string>>>;
  /** ADR 0031: pairing state that survives a reload, one JSON value (read back as untrusted). */
  readonly pairingStore: { read(): Promise<unknown>; write(value: JsonValue): Promise<void> };
};

export type DeviceEntry = {
  readonly publicKey: string;
  readonly label: string | null;
  readonly role: "root" | "device";
  readonly boundAt: string | null;
  /** When this node last received an envelope signed by the key (its commit time here). */
  readonly lastSeen: string | null;
  readonly lastSeq: number;
  readonly removed: boolean;
  /** This browser holds the key's private half. */
  readonly thisDevice: boolean;
};

export type Removal = { readonly revocationEnvelopeId: EnvelopeId; readonly lastSeq: number };

function valueOf(row: ObjectRow): Record<string, unknown> {
  return isJsonObject(row.winner.value) ? row.winner.value : {};
}

function keyMissing(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", message, { reason }));
}

export function createDeviceFlows(ports: DevicePorts) {
  /** The identity's root key and every device key bound to it (recovery keys are the recovery page's). */
  async function listDevices(identityId: IdentityId): Promise<Result<DeviceEntry[]>> {
    const identity = await ports.getIdentity(identityId);
    if (identity === undefined) return keyMissing("unknown_identity", "This node holds no such identity.");
    const held = await ports.keys.list({ identityId });
    if (!held.ok) return held;
    const mine = new Set(held.value.map((k) => k.publicKey as string));
    const rows: { publicKey: string; label: string | null; role: "root" | "device"; boundAt: string | null }[] = [
      { publicKey: identity.rootKey, label: null, role: "root", boundAt: null },
    ];
    for (const row of await ports.allBindings()) {
      const value = valueOf(row);
      const key = value["public_key"];
      if (row.owner !== identityId || value["role"] === RECOVERY_ROLE || typeof key !== "string" || rows.some((r) => r.publicKey === key))
        continue;
      // A withdrawn binding (its signer was cut off) binds nothing: the key is not a device of the identity.
      if (row.suppressed !== 0) continue;
      const label = value["label"];
      rows.push({ publicKey: key, label: typeof label === "string" ? label : null, role: "device", boundAt: row.createdAt });
    }
    const entries: DeviceEntry[] = [];
    for (const row of rows) {
      const last = await ports.lastOfKey(row.publicKey);
      entries.push({
        ...row,
        lastSeen: last?.committedAt ?? null,
        lastSeq: last?.keySeq ?? 0,
        removed: await ports.isKeyRevoked(row.publicKey),
        thisDevice: mine.has(row.publicKey),
      });
    }
    return ok(entries);
  }

  return {
    ...createPairingFlows(ports),
    list: listDevices,

    /** DESIGN §4 rule 5: the key keeps every envelope this node holds of it; everything later is invalid everywhere. */
    async remove(identityId: IdentityId, publicKey: string): Promise<Result<Removal>> {
      const listed = await listDevices(identityId);
      if (!listed.ok) return listed;
      const device = listed.value.find((d) => d.publicKey === publicKey);
      if (device === undefined) return keyMissing("not_a_device", "That key is not a device of this identity.");
      if (device.thisDevice) return keyMissing("this_device", "This is the device you are using; remove it from another of your devices.");
      if (device.removed) return err(nodeError("ERR_DEVICE_REVOKED", "That device was removed already.", { reason: "already_removed" }));
      const author = await ports.authorFor(identityId);
      if (!author.ok) return author;
      const revoked = await ports.submit(author.value, {
        app: SYSTEM_APP,
        domain: "revocations",
        ops: [
          {
            op: "parent_create",
            type_key: "system.revocation",
            payload: { value: { kind: "key", target: publicKey, cuts: [{ key: publicKey, last_seq: device.lastSeq }] } },
          },
        ],
      });
      if (!revoked.ok) return revoked;
      return ok({ revocationEnvelopeId: revoked.value.envelopeId, lastSeq: device.lastSeq });
    },
  };
}

export type DeviceFlows = ReturnType<typeof createDeviceFlows>;
