// One identity, several devices (DESIGN D10, ADR 0025): pairing a new device by its code and a
// confirm code both screens show, the list of an identity's devices, and removing one with a cut
// (DESIGN §4 rule 5). Writes go through the Graph and keys through the Key manager, as ports.
import type { KeyManager } from "../key/index.ts";
import { isoTime, type Clock, type Random } from "../shared/clock.ts";
import { toBase64url } from "../shared/bytes.ts";
import { nodeError } from "../shared/errors.ts";
import { identityIdFromKey, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { Author, WriteRequest } from "../graph/index.ts";
import type { EnvelopeRow, IdentityRow, ObjectRow } from "../storage/index.ts";
import { SYSTEM_APP } from "../wire/index.ts";
import {
  confirmCode,
  encodePairingCode,
  normalizeConfirmCode,
  parsePairingCode,
  PAIRING_SECRET_BYTES,
  type PairingOffer,
  type PairingReach,
} from "./pairing-code.ts";
import { DEVICE_KEY_TYPE, RECOVERY_ROLE } from "./recovery-flows.ts";

/** Wrong confirm codes one pairing code survives; then it is spent (a guesser gets three tries in a million). */
export const MAX_CONFIRM_ATTEMPTS = 3;

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
};

export type PairingStatus =
  | { readonly state: "idle" }
  | { readonly state: "waiting"; readonly code: string; readonly deviceKey: string }
  | { readonly state: "bound"; readonly identityId: IdentityId };

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

function refused(
  code: "ERR_PAIRING_CODE_INVALID" | "ERR_PAIRING_SECRET_USED" | "ERR_PAIRING_CONFIRM_MISMATCH",
  message: string,
  reason: string,
) {
  return err(nodeError(code, message, { reason }));
}

function keyMissing(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", message, { reason }));
}

export function createDeviceFlows(ports: DevicePorts) {
  /** The new device's side: at most one code at a time; only in memory, so a restart ends it. */
  let pending: { readonly keyId: string; readonly offer: PairingOffer; readonly code: string } | undefined;
  /** The existing device's side: secrets confirmed or spent here, and wrong tries per secret. */
  const spent = new Set<string>();
  const wrongTries = new Map<string, number>();

  /** A code is spent once confirmed, once its tries are used up, or once its key is bound anywhere. */
  async function checkUnspent(offer: PairingOffer): Promise<Result<void>> {
    if (spent.has(offer.secret))
      return refused("ERR_PAIRING_SECRET_USED", "This pairing code was used already; ask the new device for a new one.", "secret_spent");
    if ((await ports.bindingsOf(offer.deviceKey)).length > 0 || (await ports.isKeyRevoked(offer.deviceKey)))
      return refused("ERR_PAIRING_SECRET_USED", "The device in this code is paired already.", "key_bound");
    if (offer.node === ports.nodeIdentity)
      return refused("ERR_PAIRING_CODE_INVALID", "This is this browser's own pairing code.", "own_code");
    return ok(undefined);
  }

  async function readOffer(code: unknown): Promise<Result<PairingOffer>> {
    const offer = parsePairingCode(code);
    if (!offer.ok) return offer;
    const unspent = await checkUnspent(offer.value);
    return unspent.ok ? offer : unspent;
  }

  async function bindingOfPending(): Promise<ObjectRow | undefined> {
    if (pending === undefined) return undefined;
    for (const row of await ports.bindingsOf(pending.offer.deviceKey))
      if (valueOf(row)["role"] !== RECOVERY_ROLE && (await ports.getIdentity(row.owner)) !== undefined) return row;
    return undefined;
  }

  async function forgetUnpaired(): Promise<Result<void>> {
    const keys = await ports.keys.list({ scope: "device" });
    if (!keys.ok) return keys;
    for (const key of keys.value) {
      if (key.identityId === identityIdFromKey(key.publicKey) && pending?.keyId !== key.keyId) {
        const removed = await ports.keys.removeDeviceKey(key.keyId);
        if (!removed.ok) return removed;
      }
    }
    return ok(undefined);
  }

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
    /** New device: a key for the identity it will join, a fresh secret, and the code that carries both. */
    async begin(reach: PairingReach, label?: string): Promise<Result<{ readonly code: string; readonly deviceKey: string }>> {
      const held = await ports.heldIdentities();
      if (!held.ok) return held;
      if (held.value.size > 0)
        return err(nodeError("ERR_RECOVERY_IDENTITY_CONFLICT", "This browser already holds an identity.", { reason: "already_here" }));
      if (pending !== undefined) return ok({ code: pending.code, deviceKey: pending.offer.deviceKey });
      const cleared = await forgetUnpaired();
      if (!cleared.ok) return cleared;
      const key = await ports.keys.createUnpairedDeviceKey(label === undefined ? {} : { label });
      if (!key.ok) return key;
      const offer: PairingOffer = {
        deviceKey: key.value.publicKey,
        node: ports.nodeIdentity,
        secret: toBase64url(ports.random.bytes(PAIRING_SECRET_BYTES)),
        reach,
      };
      const code = encodePairingCode(offer);
      const probe = parsePairingCode(code);
      if (!probe.ok) {
        await ports.keys.removeDeviceKey(key.value.keyId);
        return probe;
      }
      pending = { keyId: key.value.keyId, offer, code };
      return ok({ code, deviceKey: offer.deviceKey });
    },

    /** New device: the confirm code for each node its sessions proved, to show beside the code. */
    confirmCodesFor(peerNodes: readonly string[]): string[] {
      return pending === undefined ? [] : peerNodes.map((peer) => confirmCode(pending!.offer, peer));
    },

    /** New device: `bound` once a binding of its key has reached this node's graph (from any peer). */
    async status(): Promise<Result<PairingStatus>> {
      if (pending === undefined) return ok({ state: "idle" });
      const binding = await bindingOfPending();
      if (binding === undefined) return ok({ state: "waiting", code: pending.code, deviceKey: pending.offer.deviceKey });
      return ok({ state: "bound", identityId: binding.owner as IdentityId });
    },

    /** New device: the key moves to the identity that bound it; from now on this browser writes as it. */
    async complete(): Promise<Result<{ readonly identityId: IdentityId; readonly keyId: string }>> {
      const current = pending;
      const binding = current === undefined ? undefined : await bindingOfPending();
      if (current === undefined || binding === undefined)
        return keyMissing("not_bound", "No device of the identity has confirmed this pairing yet.");
      const moved = await ports.keys.assignDeviceKey(current.keyId, binding.owner as IdentityId);
      if (!moved.ok) return moved;
      pending = undefined;
      return ok({ identityId: binding.owner as IdentityId, keyId: current.keyId });
    },

    /** Existing device: reads a code (refusing a spent one) and shows the confirm code it expects. */
    async preview(code: unknown): Promise<Result<{ readonly offer: PairingOffer; readonly confirmCode: string }>> {
      const offer = await readOffer(code);
      if (!offer.ok) return offer;
      return ok({ offer: offer.value, confirmCode: confirmCode(offer.value, ports.nodeIdentity) });
    },

    /** Existing device: the person typed the new screen's confirm code; if it matches, bind the key. */
    async confirm(
      identityId: IdentityId,
      code: unknown,
      typed: unknown,
      label?: string,
    ): Promise<Result<{ readonly deviceKey: string; readonly envelopeId: EnvelopeId }>> {
      const offer = await readOffer(code);
      if (!offer.ok) return offer;
      const { secret } = offer.value;
      if (normalizeConfirmCode(typed) !== confirmCode(offer.value, ports.nodeIdentity)) {
        const tries = (wrongTries.get(secret) ?? 0) + 1;
        wrongTries.set(secret, tries);
        if (tries >= MAX_CONFIRM_ATTEMPTS) spent.add(secret);
        return refused(
          "ERR_PAIRING_CONFIRM_MISMATCH",
          tries >= MAX_CONFIRM_ATTEMPTS
            ? "The confirm code did not match three times; this pairing code is spent. Start again on the new device."
            : "The code you typed is not the one this device expects. Check the new device's screen; if it shows another code, something is between the two devices.",
          tries >= MAX_CONFIRM_ATTEMPTS ? "attempts_exhausted" : "mismatch",
        );
      }
      const identity = await ports.getIdentity(identityId);
      if (identity === undefined) return keyMissing("unknown_identity", "This node holds no such identity.");
      const author = await ports.authorFor(identityId);
      if (!author.ok) return author;
      const value = {
        public_key: offer.value.deviceKey,
        created_at: isoTime(ports.clock),
        role: "device",
        ...(label === undefined ? {} : { label }),
      };
      const bound = await ports.submit(author.value, {
        app: SYSTEM_APP,
        domain: "identity",
        ops: [{ op: "attr_create", type_key: DEVICE_KEY_TYPE, payload: { parent_id: `${identity.genesisId}:0`, value } }],
      });
      if (!bound.ok) return bound;
      spent.add(secret);
      return ok({ deviceKey: offer.value.deviceKey, envelopeId: bound.value.envelopeId });
    },

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
