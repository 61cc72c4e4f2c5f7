// The WebCrypto Ed25519 engine (DESIGN D1): native, about 12x faster than pure JS. Runs the shared steps
// 1-4 first, because implementations differ there (Node's OpenSSL accepts small-order and non-canonical
// keys); step 5 is the platform's cofactorless equation. Use only after isWebCryptoEd25519Available().
import { bytesEqual, concatBytes, fromHex, toBase64url } from "../shared/bytes.ts";
import { BoundedCache } from "./bounded-cache.ts";
import { precheck } from "./ed25519-precheck.ts";
import { publicKeyFromSeed } from "./noble-ed25519.ts";
import { VALID, rejected, type Ed25519Verifier, type Signer } from "./verify-verdict.ts";

const ED25519 = "Ed25519";
/** RFC 8410 PKCS#8 header for a bare 32-byte seed: the one private-key import form besides JWK. */
const PKCS8_SEED_PREFIX = fromHex("302e020100300506032b657004220420");

// RFC 8032 §7.1 TEST 1, the self-test's known answer.
const TEST1_SEED = fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
const TEST1_PUBLIC_KEY = fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
const TEST1_SIGNATURE = fromHex(
  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
);

let available: Promise<boolean> | undefined;

/** Memoized: runs the self-test once per realm. */
export function isWebCryptoEd25519Available(): Promise<boolean> {
  available ??= selfTest();
  return available;
}

// Every operation we use, checked against a known answer rather than only feature-detected, so a partial
// or wrong implementation falls back to noble instead of splitting verdicts. Absence is data, not an error.
async function selfTest(): Promise<boolean> {
  const subtle = (globalThis.crypto as Crypto | undefined)?.subtle; // missing in insecure browser contexts
  if (subtle === undefined) return false;
  try {
    await subtle.generateKey(ED25519, false, ["sign", "verify"]);
    const { privateKey } = await importSeed(TEST1_SEED);
    const signature = new Uint8Array(await subtle.sign(ED25519, privateKey, new Uint8Array()));
    const publicKey = await subtle.importKey("raw", bufferSource(TEST1_PUBLIC_KEY), ED25519, false, ["verify"]);
    const verifies = await subtle.verify(ED25519, publicKey, signature, new Uint8Array());
    return verifies && bytesEqual(signature, TEST1_SIGNATURE);
  } catch {
    return false;
  }
}

export function createWebCryptoVerifier(): Ed25519Verifier {
  // importKey dominates a WebCrypto verify and authors' keys repeat, so imported keys are memoized.
  const keys = new BoundedCache<Promise<CryptoKey>>(1024);
  return {
    engine: "webcrypto",
    async verify(publicKey, message, signature) {
      // S is checked now but used after an await, so check and use one snapshot of the signature.
      const snapshot = signature.slice();
      const check = precheck(publicKey, snapshot);
      if (!check.ok) return check.verdict;
      const key = keys.getOrCreate(toBase64url(publicKey), () =>
        crypto.subtle.importKey("raw", bufferSource(publicKey), ED25519, false, ["verify"]),
      );
      const verifies = await crypto.subtle.verify(ED25519, await key, snapshot, bufferSource(message));
      return verifies ? VALID : rejected("equation");
    },
  };
}

export async function createWebCryptoSigner(seed?: Uint8Array): Promise<Signer> {
  const { privateKey, publicKey } = await createWebCryptoKey(seed);
  return {
    engine: "webcrypto",
    publicKey,
    async sign(message) {
      return new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, bufferSource(message)));
    },
  };
}

/** A non-extractable private key (fresh, or from a seed) and its raw public key. */
export async function createWebCryptoKey(seed?: Uint8Array): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array }> {
  if (seed !== undefined) return importSeed(seed);
  const pair = await crypto.subtle.generateKey(ED25519, false, ["sign", "verify"]);
  return { privateKey: pair.privateKey, publicKey: new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)) };
}

async function importSeed(seed: Uint8Array): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array }> {
  const der = concatBytes(PKCS8_SEED_PREFIX, seed);
  try {
    const privateKey = await crypto.subtle.importKey("pkcs8", bufferSource(der), ED25519, false, ["sign"]);
    // A non-extractable key cannot give its public key back, so derive it once in JS.
    return { privateKey, publicKey: publicKeyFromSeed(seed) };
  } finally {
    der.fill(0); // do not leave a copy of the seed behind
  }
}

// WebCrypto takes only ArrayBuffer-backed views (a SharedArrayBuffer view throws), so copy the other kind.
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
