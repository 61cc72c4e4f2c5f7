// The stored pairing state is read back as untrusted (ADR 0031): only a value this module wrote comes back.
import { describe, expect, it } from "vitest";
import { encodePairingCode } from "./pairing-code.ts";
import { EMPTY_PAIRING, pairingToJson, parseStoredPairing, type StoredPairing } from "./pairing-state.ts";
import type { IdentityId, PublicKeyText } from "../shared/ids.ts";

const offer = {
  deviceKey: "A".repeat(43) as PublicKeyText,
  node: `${"B".repeat(42)}A` as IdentityId,
  secret: "AAAAAAAAAAAAAAAAAAAAAA",
  expiresAt: 1_800_000_000_000,
  reach: { relay: "ws://127.0.0.1:8787", room: "r" },
};

describe("stored pairing state", () => {
  it("comes back as written, and as none when nothing was stored", () => {
    const code = encodePairingCode(offer);
    const state: StoredPairing = {
      pending: { code, offer },
      confirming: code,
      seen: [{ secret: offer.secret, tries: 2, spent: false, expiresAt: offer.expiresAt }],
    };
    expect(parseStoredPairing(pairingToJson(state))).toEqual(state);
    expect(parseStoredPairing(pairingToJson(EMPTY_PAIRING))).toEqual(EMPTY_PAIRING);
    expect(parseStoredPairing(undefined)).toBeUndefined();
  });

  it("refuses a value it did not write: another version, a damaged code, a malformed try count", () => {
    const good = pairingToJson({ ...EMPTY_PAIRING, confirming: encodePairingCode(offer) }) as Record<string, unknown>;
    for (const bad of [
      "text",
      { ...good, v: 2 },
      { ...good, extra: 1 },
      { ...good, pending: "2way-pair:@@" },
      { ...good, confirming: 5 },
      { ...good, seen: [{ secret: offer.secret, tries: -1, spent: false, expiresAt: 1 }] },
      { ...good, seen: [{ secret: "short", tries: 0, spent: false, expiresAt: 1 }] },
      { ...good, seen: Array.from({ length: 65 }, () => ({ secret: offer.secret, tries: 0, spent: true, expiresAt: 1 })) },
    ])
      expect(parseStoredPairing(bad)).toBe("invalid");
  });
});
