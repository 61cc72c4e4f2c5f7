// The pure-JS Ed25519 engine (DESIGN D1), for runtimes without WebCrypto Ed25519. Owns step 5 of the rule
// in noble's point arithmetic; must not call ed.verify, whose cofactored equation accepts mixed-order R
// signatures that every WebCrypto (cofactorless) rejects.
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { bytesEqual, concatBytes } from "../shared/bytes.ts";
import { L, bigintFromLittleEndian, precheck } from "./ed25519-precheck.ts";
import { VALID, rejected, type Ed25519Verifier, type Signer, type VerifyVerdict } from "./verify-verdict.ts";

// noble v3 hashes through this hook for its synchronous API (getPublicKey, sign).
ed.hashes.sha512 = sha512;

export function createNobleVerifier(): Ed25519Verifier {
  return {
    engine: "noble",
    // Async like the WebCrypto engine; the executor turns a thrown bug into a rejection.
    verify: (publicKey, message, signature) => new Promise((resolve) => resolve(verifyWithNoble(publicKey, message, signature))),
  };
}

function verifyWithNoble(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): VerifyVerdict {
  const check = precheck(publicKey, signature);
  if (!check.ok) return check.verdict;
  const r = signature.subarray(0, 32);
  const k = bigintFromLittleEndian(sha512(concatBytes(r, publicKey, message))) % L;
  // Step 5, cofactorless as in BoringSSL and OpenSSL: encode([S]B - [k]A) must equal the R bytes. Comparing
  // encodings rather than points also rejects every non-canonical R. Inputs are public: unsafe (variable
  // time) multiplication is fine.
  const rCheck = ed.Point.BASE.multiplyUnsafe(check.s).subtract(check.a.multiplyUnsafe(k));
  return bytesEqual(rCheck.toBytes(), r) ? VALID : rejected("equation");
}

/** Signs from a 32-byte RFC 8032 seed; deterministic, so equal to WebCrypto's signature for that seed. */
export function createNobleSigner(seed: Uint8Array): Signer {
  const secret = seed.slice();
  return {
    engine: "noble",
    publicKey: ed.getPublicKey(secret),
    sign: (message) => new Promise((resolve) => resolve(ed.sign(message, secret))),
  };
}

export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  return ed.getPublicKey(seed);
}
