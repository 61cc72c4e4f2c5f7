// Private key material (DESIGN D5): a non-extractable WebCrypto CryptoKey where the platform has Ed25519,
// else a 32-byte seed for the noble engine. Makes fresh material and signers around stored material;
// the private half never leaves the closures built here.
import { createSigner, type Ed25519Engine, type Signer } from "../crypto/index.ts";

const ED25519 = "Ed25519";
const SEED_LENGTH = 32;

/**
 * What a key row holds besides its public data. `webcrypto`: the CryptoKey itself, structured-cloned into
 * IndexedDB with `extractable: false`, so no script (ours included) can read its bytes back. `noble`: only
 * when WebCrypto Ed25519 is missing (or a test asks for it) — then the raw seed sits in IndexedDB in the
 * clear, protected by nothing but the origin's storage isolation. Wrapping it under a passphrase key
 * (digest 5.4 "[browser]" fallback) is not done yet.
 */
export type KeyMaterial =
  { readonly engine: "webcrypto"; readonly privateKey: CryptoKey } | { readonly engine: "noble"; readonly seed: Uint8Array };

export type GeneratedKey = { readonly publicKey: Uint8Array; readonly material: KeyMaterial };

/** A fresh key pair, as createSigner() would make it, but with the private half kept for storage. */
export async function generateKeyMaterial(engine: Ed25519Engine): Promise<GeneratedKey> {
  if (engine === "noble") {
    const seed = crypto.getRandomValues(new Uint8Array(SEED_LENGTH));
    const { publicKey } = await createSigner({ seed, engine: "noble" });
    return { publicKey, material: { engine: "noble", seed } };
  }
  const pair = await crypto.subtle.generateKey({ name: ED25519 }, false, ["sign", "verify"]);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { publicKey, material: { engine: "webcrypto", privateKey: pair.privateKey } };
}

/**
 * A signer for stored material. Its `publicKey` is the stored one, as claimed by the row; the node key's
 * self-test (key-manager.ts) proves the pair matches. Signatures are deterministic (RFC 8032).
 */
export async function signerFromMaterial(material: KeyMaterial, publicKey: Uint8Array): Promise<Signer> {
  if (material.engine === "noble") {
    const inner = await createSigner({ seed: material.seed, engine: "noble" }); // keeps its own copy
    return { engine: "noble", publicKey: publicKey.slice(), sign: (message) => inner.sign(message) };
  }
  const { privateKey } = material;
  return {
    engine: "webcrypto",
    publicKey: publicKey.slice(),
    async sign(message) {
      return new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, bufferSource(message)));
    },
  };
}

// WebCrypto takes only ArrayBuffer-backed views (a SharedArrayBuffer view throws), so copy the other kind.
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
