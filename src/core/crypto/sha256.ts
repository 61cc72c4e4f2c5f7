// SHA-256 (FIPS 180-4), synchronous because content ids are derived on hot, sync paths (DESIGN D3)
// and WebCrypto's digest is async only. Owns hashing; must not grow other primitives.
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** Incremental SHA-256, for digests over streams too large to hold at once (the state digest). */
export type Sha256Hasher = { update(data: Uint8Array): Sha256Hasher; digest(): Uint8Array };

export function createSha256(): Sha256Hasher {
  const inner = nobleSha256.create();
  const hasher: Sha256Hasher = {
    update(data) {
      inner.update(data);
      return hasher;
    },
    digest: () => inner.digest(),
  };
  return hasher;
}
