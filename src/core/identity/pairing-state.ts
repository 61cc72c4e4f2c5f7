// What pairing keeps across a reload (ADR 0031): the new device's pending pairing (its code, which
// names its unpaired key and holds the secret), the code an existing device is confirming, and the
// secrets that device has seen with their wrong tries. One JSON value in the node database, read back
// as untrusted input: every field is checked, and a value that is not one we wrote is refused.
import type { JsonValue } from "../shared/json.ts";
import { isJsonObject } from "../shared/json.ts";
import { parsePairingCode, PAIRING_SECRET_BYTES, type PairingOffer } from "./pairing-code.ts";
import { fromBase64url } from "../shared/bytes.ts";

/** Secrets an existing device remembers; the oldest go first (an expired code is refused anyway). */
export const MAX_SEEN_SECRETS = 64;

export type SeenSecret = { readonly secret: string; readonly tries: number; readonly spent: boolean; readonly expiresAt: number };

export type StoredPairing = {
  /** New device: the code it shows; its key is the unpaired device key the code names. */
  readonly pending: { readonly code: string; readonly offer: PairingOffer } | null;
  /** Existing device: the code the person is confirming, so a reload comes back to it. */
  readonly confirming: string | null;
  readonly seen: readonly SeenSecret[];
};

export const EMPTY_PAIRING: StoredPairing = { pending: null, confirming: null, seen: [] };

export function pairingToJson(state: StoredPairing): JsonValue {
  return {
    v: 1,
    pending: state.pending?.code ?? null,
    confirming: state.confirming,
    seen: state.seen.map(({ secret, tries, spent, expiresAt }) => ({ secret, tries, spent, expiresAt })),
  };
}

function parseSeen(value: unknown): SeenSecret | undefined {
  if (!isJsonObject(value) || Object.keys(value).length !== 4) return undefined;
  const { secret, tries, spent, expiresAt } = value;
  if (typeof secret !== "string" || fromBase64url(secret)?.length !== PAIRING_SECRET_BYTES) return undefined;
  if (typeof tries !== "number" || !Number.isSafeInteger(tries) || tries < 0 || typeof spent !== "boolean") return undefined;
  if (typeof expiresAt !== "number" || !Number.isSafeInteger(expiresAt)) return undefined;
  return { secret, tries, spent, expiresAt };
}

/** The stored value back; undefined when there is none; "invalid" when it is not one this module wrote. */
export function parseStoredPairing(value: unknown): StoredPairing | "invalid" | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value) || value["v"] !== 1 || Object.keys(value).length !== 4) return "invalid";
  const { pending, confirming, seen } = value;
  const offer = pending === null ? undefined : parsePairingCode(pending);
  if (offer !== undefined && !offer.ok) return "invalid";
  if (confirming !== null && !(typeof confirming === "string" && parsePairingCode(confirming).ok)) return "invalid";
  if (!Array.isArray(seen) || seen.length > MAX_SEEN_SECRETS) return "invalid";
  const entries = seen.map(parseSeen);
  if (entries.some((e) => e === undefined)) return "invalid";
  return {
    pending: offer === undefined ? null : { code: pending as string, offer: offer.value },
    confirming,
    seen: entries as SeenSecret[],
  };
}
