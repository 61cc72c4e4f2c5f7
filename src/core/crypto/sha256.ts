// SHA-256 (FIPS 180-4), synchronous because content ids are derived on hot, sync paths (DESIGN D3)
// and WebCrypto's digest is async only. Owns hashing; must not grow other primitives.
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
