// The crypto module's only entry point: SHA-256 and Ed25519 under one strict verification rule
// (DESIGN D1). Other code imports from here, never from the files behind it.
export { sha256, createSha256, type Sha256Hasher } from "./sha256.ts";
export { createSigner, createVerifier, defaultVerifier } from "./ed25519.ts";
export { isWebCryptoEd25519Available } from "./webcrypto-ed25519.ts";
export type { Ed25519Engine, Ed25519Verifier, RejectReason, Signer, VerifyVerdict } from "./verify-verdict.ts";
