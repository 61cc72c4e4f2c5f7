// Ed25519 engine choice (DESIGN D1): WebCrypto where it passes its self-test, noble elsewhere. Both give
// one verdict by construction (shared steps 1-4, cofactorless step 5); callers never pick per signature.
import { createNobleSigner, createNobleVerifier } from "./noble-ed25519.ts";
import { createWebCryptoSigner, createWebCryptoVerifier, isWebCryptoEd25519Available } from "./webcrypto-ed25519.ts";
import type { Ed25519Engine, Ed25519Verifier, Signer } from "./verify-verdict.ts";

const SEED_LENGTH = 32;

export async function createVerifier(engine: Ed25519Engine | "auto" = "auto"): Promise<Ed25519Verifier> {
  return (await chooseEngine(engine)) === "webcrypto" ? createWebCryptoVerifier() : createNobleVerifier();
}

/** Without a seed, a fresh key (non-extractable under WebCrypto). Signatures are deterministic (RFC 8032). */
let shared: Promise<Ed25519Verifier> | undefined;

/** One auto-selected verifier per realm, made on first use, for callers that are not handed one. */
export function defaultVerifier(): Promise<Ed25519Verifier> {
  shared ??= createVerifier("auto");
  return shared;
}

export async function createSigner(options: { seed?: Uint8Array; engine?: Ed25519Engine | "auto" } = {}): Promise<Signer> {
  const { seed, engine = "auto" } = options;
  if (seed !== undefined && seed.length !== SEED_LENGTH) throw new RangeError(`an Ed25519 seed is ${SEED_LENGTH} bytes`);
  if ((await chooseEngine(engine)) === "webcrypto") return createWebCryptoSigner(seed);
  return createNobleSigner(seed ?? crypto.getRandomValues(new Uint8Array(SEED_LENGTH)));
}

// Asking for WebCrypto where it is missing is a configuration bug, so it throws.
async function chooseEngine(engine: Ed25519Engine | "auto"): Promise<Ed25519Engine> {
  if (engine === "noble") return "noble";
  const available = await isWebCryptoEd25519Available();
  if (engine === "webcrypto" && !available) throw new Error("WebCrypto Ed25519 is not available in this runtime");
  return available ? "webcrypto" : "noble";
}
