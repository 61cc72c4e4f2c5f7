// The recovery key's one way out of the worker (DESIGN D10, ADR 0021): a fresh Ed25519 seed sealed
// under the person's passphrase — scrypt (memory-hard, @noble/hashes) then AES-256-GCM (WebCrypto).
// The seed lives only in this module's closures and in the sealed bytes; it is never stored.
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { createSigner, sha256, type Signer } from "../crypto/index.ts";
import { bytesEqual, fromBase64url, toBase64url, utf8 } from "../shared/bytes.ts";
import { nodeError } from "../shared/errors.ts";
import { isJsonObject, type JsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";

/**
 * ADR 0021: N = 2^16, r = 8, p = 1 — 64 MiB and about 0.8 s per guess in this worker (npm run bench).
 * A file states its own parameters so they can grow; a restore takes only N within these bounds.
 */
export const RECOVERY_KDF = { name: "scrypt", n: 2 ** 16, r: 8, p: 1 } as const;
const MIN_LOG_N = 14;
const MAX_LOG_N = 20;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const SEED_BYTES = 32;
const TAG_BYTES = 16;
/** Counted in code points after NFKC, so a passphrase types the same on every keyboard. */
export const MIN_PASSPHRASE_LENGTH = 10;
export const MAX_PASSPHRASE_LENGTH = 1024;

/** What the file carries of the key: KDF parameters, the AES-GCM box, and a passphrase check. */
export type SealedKey = {
  readonly kdf: { readonly name: "scrypt"; readonly n: number; readonly r: number; readonly p: number; readonly salt: string };
  readonly cipher: { readonly name: "AES-256-GCM"; readonly iv: string; readonly ciphertext: string };
  /** SHA-256 of the second half of the scrypt output: tells a wrong passphrase from a damaged box. */
  readonly check: string;
};

/** A recovery key in memory: it signs, and it seals its seed once; nothing reads the seed. */
export type RecoveryKey = {
  readonly publicKey: Uint8Array;
  readonly signer: Signer;
  /** `context` is bound as AES-GCM additional data: the box opens only with the same context. */
  seal(passphrase: string, context: Uint8Array): Promise<Result<SealedKey>>;
};

export type KdfParameters = { readonly n: number; readonly r: number; readonly p: number };

function normalize(passphrase: string): string {
  return passphrase.normalize("NFKC");
}

/** ERR_RECOVERY_PASSPHRASE_WEAK unless the passphrase is long enough to be worth sealing under. */
export function checkPassphrase(passphrase: unknown): Result<string> {
  if (typeof passphrase !== "string" || passphrase.length > MAX_PASSPHRASE_LENGTH)
    return err(nodeError("ERR_RECOVERY_PASSPHRASE_WEAK", "A passphrase is text.", { reason: "not_text" }));
  const length = [...normalize(passphrase)].length;
  if (length < MIN_PASSPHRASE_LENGTH)
    return err(
      nodeError("ERR_RECOVERY_PASSPHRASE_WEAK", `Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`, {
        reason: "too_short",
        minimum: MIN_PASSPHRASE_LENGTH,
      }),
    );
  return ok(passphrase);
}

/** scrypt → 64 bytes: the AES key, then the bytes whose hash is the passphrase check. */
export async function deriveRecoveryKeys(
  passphrase: string,
  salt: Uint8Array,
  params: KdfParameters,
): Promise<{ readonly aesKey: Uint8Array; readonly check: Uint8Array }> {
  const out = await scryptAsync(utf8(normalize(passphrase)), salt, { N: params.n, r: params.r, p: params.p, dkLen: 64, asyncTick: 20 });
  const result = { aesKey: out.slice(0, 32), check: sha256(out.slice(32)) };
  out.fill(0);
  return result;
}

async function aesKey(raw: Uint8Array, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new Uint8Array(raw), { name: "AES-GCM" }, false, [usage]);
}

/** A new recovery key (always a raw seed: a non-extractable key could never be sealed). */
export async function generateRecoveryKey(kdf: KdfParameters = RECOVERY_KDF): Promise<RecoveryKey> {
  const seed = crypto.getRandomValues(new Uint8Array(SEED_BYTES));
  const signer = await createSigner({ seed, engine: "noble" });
  let sealed = false;
  return {
    publicKey: signer.publicKey.slice(),
    signer,
    async seal(passphrase, context) {
      const checked = checkPassphrase(passphrase);
      if (!checked.ok) return checked;
      // Exactly once (DESIGN D10): a second seal would be a second copy of the key out of the worker.
      if (sealed) return err(nodeError("internal_error", "This recovery key was sealed already.", { reason: "sealed_twice" }));
      sealed = true;
      const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const keys = await deriveRecoveryKeys(checked.value, salt, kdf);
      const box = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: new Uint8Array(context) },
        await aesKey(keys.aesKey, "encrypt"),
        seed,
      );
      keys.aesKey.fill(0);
      seed.fill(0);
      return ok({
        kdf: { name: "scrypt", n: kdf.n, r: kdf.r, p: kdf.p, salt: toBase64url(salt) },
        cipher: { name: "AES-256-GCM", iv: toBase64url(iv), ciphertext: toBase64url(new Uint8Array(box)) },
        check: toBase64url(keys.check),
      });
    },
  };
}

function damaged(reason: string, message = "The recovery file is damaged: its key cannot be read."): Result<never> {
  return err(nodeError("ERR_RECOVERY_FILE_INVALID", message, { reason }));
}

function bytesField(value: unknown, length: number): Uint8Array | undefined {
  const bytes = typeof value === "string" ? fromBase64url(value) : undefined;
  return bytes?.length === length ? bytes : undefined;
}

/** The sealed key's shape and bounds, checked before any KDF work (a crafted file cannot ask for 2^30). */
export function parseSealedKey(value: unknown): Result<SealedKey> {
  if (!isJsonObject(value) || !isJsonObject(value["kdf"]) || !isJsonObject(value["cipher"])) return damaged("sealed_key_malformed");
  const kdf: JsonObject = value["kdf"];
  const cipher: JsonObject = value["cipher"];
  const n = kdf["n"];
  const logN = typeof n === "number" && Number.isInteger(n) && n > 0 ? Math.log2(n) : NaN;
  if (kdf["name"] !== "scrypt" || !Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N || kdf["r"] !== 8 || kdf["p"] !== 1)
    return damaged("kdf_unsupported", "The recovery file asks for key-derivation settings this version does not accept.");
  if (bytesField(kdf["salt"], SALT_BYTES) === undefined) return damaged("sealed_key_malformed");
  if (cipher["name"] !== "AES-256-GCM" || bytesField(cipher["iv"], IV_BYTES) === undefined) return damaged("sealed_key_malformed");
  if (bytesField(cipher["ciphertext"], SEED_BYTES + TAG_BYTES) === undefined || bytesField(value["check"], 32) === undefined)
    return damaged("sealed_key_malformed");
  return ok(value as unknown as SealedKey);
}

/**
 * Opens a sealed key: ERR_RECOVERY_PASSPHRASE_WRONG when the check differs, ERR_RECOVERY_FILE_INVALID
 * when the check matches but the box, its context, or the key it holds does not (damage, or a splice).
 */
export async function openRecoveryKey(
  sealedValue: unknown,
  passphrase: string,
  context: Uint8Array,
  expectedPublicKey: Uint8Array,
): Promise<Result<{ readonly publicKey: Uint8Array; readonly signer: Signer }>> {
  const sealed = parseSealedKey(sealedValue);
  if (!sealed.ok) return sealed;
  if (typeof passphrase !== "string" || passphrase.length === 0 || passphrase.length > MAX_PASSPHRASE_LENGTH)
    return err(nodeError("ERR_RECOVERY_PASSPHRASE_WRONG", "Enter the passphrase you chose for this file.", { reason: "no_passphrase" }));
  const { kdf, cipher } = sealed.value;
  const keys = await deriveRecoveryKeys(passphrase, fromBase64url(kdf.salt)!, kdf);
  if (!bytesEqual(keys.check, fromBase64url(sealed.value.check)!)) {
    keys.aesKey.fill(0);
    return err(
      nodeError("ERR_RECOVERY_PASSPHRASE_WRONG", "That passphrase does not open this recovery file.", { reason: "check_mismatch" }),
    );
  }
  let seed: Uint8Array;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(fromBase64url(cipher.iv)!), additionalData: new Uint8Array(context) },
      await aesKey(keys.aesKey, "decrypt"),
      new Uint8Array(fromBase64url(cipher.ciphertext)!),
    );
    seed = new Uint8Array(plain);
  } catch {
    return damaged("decrypt_failed");
  } finally {
    keys.aesKey.fill(0);
  }
  const signer = await createSigner({ seed, engine: "noble" });
  seed.fill(0);
  if (!bytesEqual(signer.publicKey, expectedPublicKey)) return damaged("key_mismatch");
  return ok({ publicKey: signer.publicKey.slice(), signer });
}
