// The Ed25519 contract both engines implement (DESIGN D1): one verdict type, one verifier and one
// signer shape. Types and verdict values only; the rule lives in ed25519-precheck.ts and the engines.

export type Ed25519Engine = "webcrypto" | "noble";

/** Why a signature is rejected: the first failing step of the rule names it (see ed25519-precheck.ts). */
export type RejectReason = "bad_length" | "non_canonical_s" | "non_canonical_key" | "small_order_key" | "equation";

export type VerifyVerdict = { readonly valid: true } | { readonly valid: false; readonly reason: RejectReason };
export type Rejected = Extract<VerifyVerdict, { valid: false }>;

export interface Ed25519Verifier {
  readonly engine: Ed25519Engine;
  /** Never throws for bad input: every rejection is a verdict (STYLE: expected failures are data). */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<VerifyVerdict>;
}

export interface Signer {
  readonly publicKey: Uint8Array;
  readonly engine: Ed25519Engine;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export const VALID: VerifyVerdict = Object.freeze({ valid: true });

export function rejected(reason: RejectReason): Rejected {
  return { valid: false, reason };
}
