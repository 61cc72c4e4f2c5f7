// Shared set-up for the Auth manager's tests: a manual clock, seeded randomness, a node key and
// frontend keys from fixed seeds, so every run replays exactly.
import { createSigner, createVerifier, type Signer } from "../../crypto/index.ts";
import { toBase64url } from "../../shared/bytes.ts";
import { isoTime, manualClock, seededRandom } from "../../shared/clock.ts";
import { identityIdFromKey, type IdentityId } from "../../shared/ids.ts";
import type { Result } from "../../shared/result.ts";
import {
  createAuthManager,
  DEFAULT_AUTH_LIMITS,
  signRegistration,
  type AuthLimits,
  type KeyOwnerLookup,
  type RegistrationDraft,
  type RegistrationRequest,
} from "../index.ts";

export async function authSetup(options: { limits?: Partial<AuthLimits>; keyOwner?: KeyOwnerLookup; serverSigner?: Signer } = {}) {
  const clock = manualClock();
  const verifier = await createVerifier();
  const serverSigner = options.serverSigner ?? (await createSigner({ seed: new Uint8Array(32).fill(1) }));
  const server = { identityId: identityIdFromKey(serverSigner.publicKey), signer: serverSigner };
  let limits: AuthLimits = { ...DEFAULT_AUTH_LIMITS, ...options.limits };
  const auth = createAuthManager({
    clock,
    random: seededRandom(7),
    verifier,
    server,
    limits: () => limits,
    ...(options.keyOwner === undefined ? {} : { keyOwner: options.keyOwner }),
  });
  return {
    clock,
    auth,
    verifier,
    server,
    serverKey: toBase64url(serverSigner.publicKey),
    setLimits: (changes: Partial<AuthLimits>) => void (limits = { ...limits, ...changes }),
  };
}

/** A frontend's key, from a fixed seed byte. */
export function frontendKey(seedByte: number): Promise<Signer> {
  return createSigner({ seed: new Uint8Array(32).fill(seedByte) });
}

/** A distinct 16-byte nonce per number. */
export function nonce(n: number): Uint8Array {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
}

/** A registration signed now (by the node's clock) with nonce `n`. */
export function registrationAt(
  signer: Signer,
  clock: { now(): number },
  n: number,
  extra: Partial<RegistrationDraft> = {},
): Promise<RegistrationRequest> {
  return signRegistration(signer, { nonce: nonce(n), timestamp: isoTime(clock), ...extra });
}

export function someIdentity(seedByte: number): IdentityId {
  return identityIdFromKey(new Uint8Array(32).fill(seedByte));
}

export function expectOk<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code} ${JSON.stringify(result.error.data)}: ${result.error.message}`);
  return result.value;
}
