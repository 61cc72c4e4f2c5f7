// Steps 1-4 of the Ed25519 verification rule (DESIGN D1), shared by both engines so their verdicts cannot
// drift: lengths, canonical S, canonical public key, no small-order public key. Must not check the equation
// (step 5), which each engine owns.
import { Point } from "@noble/ed25519";
import { toBase64url } from "../shared/bytes.ts";
import { BoundedCache } from "./bounded-cache.ts";
import { rejected, type Rejected } from "./verify-verdict.ts";

const PUBLIC_KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;
/** L, the prime order of the base point B (RFC 8032 §5.1). */
export const L = Point.CURVE().n;

type KeyCheck = { readonly ok: true; readonly a: Point } | { readonly ok: false; readonly verdict: Rejected };

/** Passed steps 1-4: S as an integer and A decoded, for the engine's equation. */
export type Precheck = { readonly ok: true; readonly s: bigint; readonly a: Point } | { readonly ok: false; readonly verdict: Rejected };

// Authors sign many envelopes with one key and decoding A costs a field exponentiation, so the key's
// verdict (steps 3-4) is memoized; the bound caps memory whatever keys peers send.
const keyChecks = new BoundedCache<KeyCheck>(1024);

export function precheck(publicKey: Uint8Array, signature: Uint8Array): Precheck {
  // Step 1: RFC 8032 fields have fixed sizes; anything else is not an Ed25519 key or signature.
  if (publicKey.length !== PUBLIC_KEY_LENGTH || signature.length !== SIGNATURE_LENGTH) {
    return { ok: false, verdict: rejected("bad_length") };
  }
  // Step 2, RFC 8032 §5.1.7: S < L. Otherwise S + L would be a second valid signature (malleability).
  const s = bigintFromLittleEndian(signature.subarray(32));
  if (s >= L) return { ok: false, verdict: rejected("non_canonical_s") };
  const key = keyChecks.getOrCreate(toBase64url(publicKey), () => checkKey(publicKey));
  return key.ok ? { ok: true, s, a: key.a } : key;
}

function checkKey(publicKey: Uint8Array): KeyCheck {
  let a: Point;
  try {
    // Step 3, strict RFC 8032 §5.1.3 decoding: y < p, x must exist, and x = 0 with the sign bit set is
    // refused (step 4 there). So every accepted key has exactly one encoding: the one hashed into k.
    a = Point.fromBytes(publicKey, false);
  } catch {
    return { ok: false, verdict: rejected("non_canonical_key") };
  }
  // Step 4: [8]A = 0 means A is one of the 8 torsion points, with which one (R, S) can verify for many
  // messages (A = identity, R = identity, S = 0 verifies everything cofactorless).
  if (a.isSmallOrder()) return { ok: false, verdict: rejected("small_order_key") };
  return { ok: true, a };
}

/** RFC 8032 encodes integers little-endian. */
export function bigintFromLittleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}
