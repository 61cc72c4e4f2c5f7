// Pairing a new device (DESIGN D10, ADR 0025, ADR 0031): the new device's code, the existing device's
// check of it and the binding it signs once the person types the confirm code. What a pairing needs
// to go on after a reload is stored (pairing-state.ts); every step runs one at a time, so two calls
// cannot both spend one try or one secret.
import { isoTime } from "../shared/clock.ts";
import { toBase64url } from "../shared/bytes.ts";
import { nodeError } from "../shared/errors.ts";
import { identityIdFromKey, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { ObjectRow } from "../storage/index.ts";
import { SYSTEM_APP } from "../wire/index.ts";
import type { DevicePorts } from "./devices.ts";
import {
  confirmCode,
  encodePairingCode,
  normalizeConfirmCode,
  parsePairingCode,
  PAIRING_CLOCK_SKEW_MS,
  PAIRING_CODE_LIFETIME_MS,
  PAIRING_SECRET_BYTES,
  type PairingOffer,
  type PairingReach,
} from "./pairing-code.ts";
import { EMPTY_PAIRING, MAX_SEEN_SECRETS, pairingToJson, parseStoredPairing, type StoredPairing } from "./pairing-state.ts";
import { DEVICE_KEY_TYPE, RECOVERY_ROLE } from "./recovery-flows.ts";

/** Wrong confirm codes one pairing code survives; then it is spent (a guesser gets three tries in a million). */
export const MAX_CONFIRM_ATTEMPTS = 3;

export type PairingStatus =
  | { readonly state: "idle" }
  | { readonly state: "waiting"; readonly code: string; readonly offer: PairingOffer }
  | { readonly state: "expired" }
  | { readonly state: "bound"; readonly identityId: IdentityId }
  | { readonly state: "confirming"; readonly code: string; readonly offer: PairingOffer; readonly confirmCode: string };

type Refusal = "ERR_PAIRING_CODE_INVALID" | "ERR_PAIRING_CODE_EXPIRED" | "ERR_PAIRING_SECRET_USED" | "ERR_PAIRING_CONFIRM_MISMATCH";

function refused(code: Refusal, message: string, reason: string): Result<never> {
  return err(nodeError(code, message, { reason }));
}

function keyMissing(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", message, { reason }));
}

function roleOf(row: ObjectRow): unknown {
  return isJsonObject(row.winner.value) ? row.winner.value["role"] : undefined;
}

export function createPairingFlows(ports: DevicePorts) {
  let cached: StoredPairing | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  /** One pairing step at a time: each reads the stored state, decides, and writes it back. */
  function serialized<T>(step: () => Promise<Result<T>>): Promise<Result<T>> {
    const run = queue.then(step, step);
    queue = run.catch(() => undefined);
    return run;
  }

  async function load(): Promise<Result<StoredPairing>> {
    if (cached !== undefined) return ok(cached);
    let read: unknown;
    try {
      read = await ports.pairingStore.read();
    } catch {
      return err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The pairing state could not be read.", { reason: "pairing_state_read_failed" }));
    }
    const stored = parseStoredPairing(read);
    if (stored === "invalid")
      return err(
        nodeError("ERR_MNG_STORAGE_INTEGRITY_VIOLATION", "The stored pairing state is damaged; start the pairing again.", {
          reason: "pairing_state_invalid",
        }),
      );
    cached = stored ?? EMPTY_PAIRING;
    return ok(cached);
  }

  /** Writes first, then remembers: a write that fails changes nothing, here or on disk. */
  async function save(next: StoredPairing): Promise<Result<StoredPairing>> {
    const now = ports.clock.now();
    const seen = next.seen.filter((s) => s.expiresAt + PAIRING_CLOCK_SKEW_MS >= now).slice(-MAX_SEEN_SECRETS);
    const state = { ...next, seen };
    try {
      await ports.pairingStore.write(pairingToJson(state));
    } catch {
      return err(
        nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The pairing state could not be stored.", { reason: "pairing_state_write_failed" }),
      );
    }
    cached = state;
    return ok(state);
  }

  /** A code is refused once expired, spent (confirmed, tries used up) or once its key is bound anywhere. */
  async function checkUsable(state: StoredPairing, offer: PairingOffer): Promise<Result<void>> {
    const now = ports.clock.now();
    if (state.seen.some((s) => s.secret === offer.secret && s.spent))
      return refused("ERR_PAIRING_SECRET_USED", "This pairing code was used already; ask the new device for a new one.", "secret_spent");
    if ((await ports.bindingsOf(offer.deviceKey)).length > 0 || (await ports.isKeyRevoked(offer.deviceKey)))
      return refused("ERR_PAIRING_SECRET_USED", "The device in this code is paired already.", "key_bound");
    if (offer.node === ports.nodeIdentity)
      return refused("ERR_PAIRING_CODE_INVALID", "This is this browser's own pairing code.", "own_code");
    if (now > offer.expiresAt)
      return refused(
        "ERR_PAIRING_CODE_EXPIRED",
        "This pairing code has expired (a code works for ten minutes). Show a new one on the new device; if this happens again, check both devices' clocks.",
        "expired",
      );
    if (offer.expiresAt > now + PAIRING_CODE_LIFETIME_MS + PAIRING_CLOCK_SKEW_MS)
      return refused("ERR_PAIRING_CODE_INVALID", "This pairing code claims to work longer than any code does.", "expiry_too_far");
    return ok(undefined);
  }

  async function readOffer(state: StoredPairing, code: unknown): Promise<Result<PairingOffer>> {
    const offer = parsePairingCode(code);
    if (!offer.ok) return offer;
    const usable = await checkUsable(state, offer.value);
    return usable.ok ? offer : usable;
  }

  async function bindingOf(offer: PairingOffer): Promise<ObjectRow | undefined> {
    for (const row of await ports.bindingsOf(offer.deviceKey))
      if (roleOf(row) !== RECOVERY_ROLE && (await ports.getIdentity(row.owner)) !== undefined) return row;
    return undefined;
  }

  /** Every unpaired key: a pairing that was given up, expired or never stored leaves none behind. */
  async function forgetUnpaired(): Promise<Result<void>> {
    const keys = await ports.keys.list({ scope: "device" });
    if (!keys.ok) return keys;
    for (const key of keys.value)
      if (key.identityId === identityIdFromKey(key.publicKey)) {
        const removed = await ports.keys.removeDeviceKey(key.keyId);
        if (!removed.ok) return removed;
      }
    return ok(undefined);
  }

  async function begin(
    state: StoredPairing,
    reach: PairingReach,
    label?: string,
  ): Promise<Result<{ readonly code: string; readonly deviceKey: string }>> {
    const held = await ports.heldIdentities();
    if (!held.ok) return held;
    if (held.value.size > 0)
      return err(nodeError("ERR_RECOVERY_IDENTITY_CONFLICT", "This browser already holds an identity.", { reason: "already_here" }));
    const pending = state.pending;
    if (pending !== null && ports.clock.now() <= pending.offer.expiresAt) {
      // The same pairing goes on (a reload): same key, secret and expiry; an invite reach is a new offer each time.
      const offer = { ...pending.offer, reach };
      const code = encodePairingCode(offer);
      if (code !== pending.code) {
        const saved = await save({ ...state, pending: { code, offer } });
        if (!saved.ok) return saved;
      }
      return ok({ code, deviceKey: offer.deviceKey });
    }
    const cleared = await forgetUnpaired();
    if (!cleared.ok) return cleared;
    const key = await ports.keys.createUnpairedDeviceKey(label === undefined ? {} : { label });
    if (!key.ok) return key;
    const offer: PairingOffer = {
      deviceKey: key.value.publicKey,
      node: ports.nodeIdentity,
      secret: toBase64url(ports.random.bytes(PAIRING_SECRET_BYTES)),
      expiresAt: ports.clock.now() + PAIRING_CODE_LIFETIME_MS,
      reach,
    };
    const code = encodePairingCode(offer);
    const probe = parsePairingCode(code);
    const saved = probe.ok ? await save({ ...state, pending: { code, offer } }) : probe;
    if (!saved.ok) {
      await ports.keys.removeDeviceKey(key.value.keyId);
      return saved;
    }
    return ok({ code, deviceKey: offer.deviceKey });
  }

  async function status(state: StoredPairing): Promise<Result<PairingStatus>> {
    const { pending, confirming } = state;
    if (pending !== null) {
      const binding = await bindingOf(pending.offer);
      if (binding !== undefined) return ok({ state: "bound", identityId: binding.owner as IdentityId });
      if (ports.clock.now() > pending.offer.expiresAt) return ok({ state: "expired" });
      return ok({ state: "waiting", code: pending.code, offer: pending.offer });
    }
    if (confirming !== null) {
      const offer = await readOffer(state, confirming);
      if (offer.ok)
        return ok({ state: "confirming", code: confirming, offer: offer.value, confirmCode: confirmCode(offer.value, ports.nodeIdentity) });
      // Spent, expired or bound since: nothing to come back to.
      const saved = await save({ ...state, confirming: null });
      if (!saved.ok) return saved;
    }
    return ok({ state: "idle" });
  }

  async function complete(state: StoredPairing): Promise<Result<{ readonly identityId: IdentityId; readonly keyId: string }>> {
    const pending = state.pending;
    const binding = pending === null ? undefined : await bindingOf(pending.offer);
    if (pending === null || binding === undefined)
      return keyMissing("not_bound", "No device of the identity has confirmed this pairing yet.");
    const moved = await ports.keys.assignDeviceKey(pending.offer.deviceKey, binding.owner as IdentityId);
    if (!moved.ok) return moved;
    const saved = await save({ ...state, pending: null });
    if (!saved.ok) return saved;
    return ok({ identityId: binding.owner as IdentityId, keyId: pending.offer.deviceKey });
  }

  async function preview(
    state: StoredPairing,
    code: unknown,
  ): Promise<Result<{ readonly offer: PairingOffer; readonly confirmCode: string }>> {
    const offer = await readOffer(state, code);
    if (!offer.ok) return offer;
    const saved = await save({ ...state, confirming: (code as string).trim() });
    if (!saved.ok) return saved;
    return ok({ offer: offer.value, confirmCode: confirmCode(offer.value, ports.nodeIdentity) });
  }

  async function wrongTry(state: StoredPairing, offer: PairingOffer): Promise<Result<never>> {
    const before = state.seen.find((s) => s.secret === offer.secret);
    const tries = (before?.tries ?? 0) + 1;
    const spent = tries >= MAX_CONFIRM_ATTEMPTS;
    const seen = [...state.seen.filter((s) => s !== before), { secret: offer.secret, tries, spent, expiresAt: offer.expiresAt }];
    const saved = await save({ ...state, seen, confirming: spent ? null : state.confirming });
    if (!saved.ok) return saved;
    return spent
      ? refused(
          "ERR_PAIRING_CONFIRM_MISMATCH",
          "The confirm code did not match three times; this pairing code is spent. Start again on the new device.",
          "attempts_exhausted",
        )
      : refused(
          "ERR_PAIRING_CONFIRM_MISMATCH",
          "The code you typed is not the one this device expects. Check the new device's screen; if it shows another code, something is between the two devices.",
          "mismatch",
        );
  }

  async function confirm(
    state: StoredPairing,
    identityId: IdentityId,
    code: unknown,
    typed: unknown,
    label?: string,
  ): Promise<Result<{ readonly deviceKey: string; readonly envelopeId: EnvelopeId }>> {
    const offer = await readOffer(state, code);
    if (!offer.ok) return offer;
    if (normalizeConfirmCode(typed) !== confirmCode(offer.value, ports.nodeIdentity)) return wrongTry(state, offer.value);
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
    // The binding is in the graph now, which refuses the code again by itself (key_bound); the spent
    // mark says so sooner, and a failure to store it changes nothing about the refusal.
    const { secret, expiresAt } = offer.value;
    const seen = [...state.seen.filter((s) => s.secret !== secret), { secret, tries: 0, spent: true, expiresAt }];
    await save({ ...state, seen, confirming: null });
    return ok({ deviceKey: offer.value.deviceKey, envelopeId: bound.value.envelopeId });
  }

  /** Gives up the pairing on this browser: the new device's pending code and key, or the code being confirmed. */
  async function cancel(): Promise<Result<void>> {
    const current = await load();
    const state = current.ok ? current.value : EMPTY_PAIRING;
    if (state.pending !== null) {
      const forgotten = await forgetUnpaired();
      if (!forgotten.ok) return forgotten;
    }
    const saved = await save({ ...state, pending: null, confirming: null });
    return saved.ok ? ok(undefined) : saved;
  }

  const withState =
    <A extends unknown[], T>(step: (state: StoredPairing, ...args: A) => Promise<Result<T>>) =>
    (...args: A): Promise<Result<T>> =>
      serialized(async () => {
        const state = await load();
        return state.ok ? step(state.value, ...args) : state;
      });

  return {
    /** New device: a key for the identity it will join, a fresh secret, and the code that carries both; after a reload, the same. */
    begin: withState(begin),
    /** New device: the confirm code for each node its sessions proved, to show beside the code. */
    async confirmCodesFor(peerNodes: readonly string[]): Promise<string[]> {
      const state = await load();
      const pending = state.ok ? state.value.pending : null;
      return pending === null ? [] : peerNodes.map((peer) => confirmCode(pending.offer, peer));
    },
    /** New device: `waiting`, `expired`, or `bound` once a binding reached this graph; existing device: `confirming`. */
    status: withState(status),
    /** New device: the key moves to the identity that bound it; from now on this browser writes as it. */
    complete: withState(complete),
    /** Existing device: reads a code (refusing a spent or expired one) and shows the confirm code it expects. */
    preview: withState(preview),
    /** Existing device: the person typed the new screen's confirm code; if it matches, bind the key. */
    confirm: withState(confirm),
    cancel: () => serialized(cancel),
  };
}

export type PairingFlows = ReturnType<typeof createPairingFlows>;
