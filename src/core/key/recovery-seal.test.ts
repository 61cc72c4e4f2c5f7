// The sealed recovery key (ADR 0021): scrypt + AES-256-GCM round trip, and every refusal — a wrong
// passphrase, a flipped or cut byte, another file's context, settings a crafted file asks for.
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url, utf8 } from "../shared/bytes.ts";
import type { Result } from "../shared/result.ts";
import { checkPassphrase, generateRecoveryKey, openRecoveryKey, RECOVERY_KDF, type SealedKey } from "./index.ts";

/** The smallest N a restore accepts: the same code path as RECOVERY_KDF, sixteen times faster. */
const FAST = { n: 2 ** 14, r: 8, p: 1 } as const;
const PASSPHRASE = "correct horse battery staple";
const CONTEXT = utf8("identity A, key K");

function codeOf(result: Result<unknown>): string {
  return result.ok ? "ok" : `${result.error.code}/${String(result.error.data.reason)}`;
}

async function sealedKey(): Promise<{ sealed: SealedKey; publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }> {
  const key = await generateRecoveryKey(FAST);
  const message = utf8("bind my new device");
  const signature = await key.signer.sign(message);
  const sealed = await key.seal(PASSPHRASE, CONTEXT);
  if (!sealed.ok) throw new Error(sealed.error.code);
  return { sealed: sealed.value, publicKey: key.publicKey, message, signature };
}

function flip(text: string, index: number): string {
  const bytes = fromBase64url(text)!;
  bytes[index] = bytes[index]! ^ 0x01;
  return toBase64url(bytes);
}

describe("recovery key sealing", () => {
  it("opens with the passphrase and signs as the key that was sealed", async () => {
    const { sealed, publicKey, message, signature } = await sealedKey();
    expect(sealed.kdf).toMatchObject({ name: "scrypt", n: FAST.n, r: 8, p: 1 });
    expect(sealed.cipher.name).toBe("AES-256-GCM");
    const opened = await openRecoveryKey(sealed, PASSPHRASE, CONTEXT, publicKey);
    expect(codeOf(opened)).toBe("ok");
    if (opened.ok) expect(await opened.value.signer.sign(message)).toEqual(signature);
  });

  it("normalizes the passphrase (NFKC), so the same words typed another way still open it", async () => {
    const { sealed, publicKey } = await sealedKey();
    // U+FF43 FULLWIDTH c is NFKC-equal to "c".
    expect(codeOf(await openRecoveryKey(sealed, PASSPHRASE.replace("c", "\uff43"), CONTEXT, publicKey))).toBe("ok");
  });

  it("uses 64 MiB scrypt by default (N = 2^16, r = 8, p = 1)", () => {
    expect(RECOVERY_KDF).toEqual({ name: "scrypt", n: 65_536, r: 8, p: 1 });
  });

  it("refuses a wrong passphrase (ERR_RECOVERY_PASSPHRASE_WRONG)", async () => {
    const { sealed, publicKey } = await sealedKey();
    expect(codeOf(await openRecoveryKey(sealed, `${PASSPHRASE}!`, CONTEXT, publicKey))).toBe(
      "ERR_RECOVERY_PASSPHRASE_WRONG/check_mismatch",
    );
    expect(codeOf(await openRecoveryKey(sealed, "", CONTEXT, publicKey))).toBe("ERR_RECOVERY_PASSPHRASE_WRONG/no_passphrase");
  });

  it("refuses a flipped ciphertext, tag or check byte (ERR_RECOVERY_FILE_INVALID, ERR_RECOVERY_PASSPHRASE_WRONG)", async () => {
    const { sealed, publicKey } = await sealedKey();
    for (const index of [0, 31, 32, 47]) {
      const damaged = { ...sealed, cipher: { ...sealed.cipher, ciphertext: flip(sealed.cipher.ciphertext, index) } };
      expect(codeOf(await openRecoveryKey(damaged, PASSPHRASE, CONTEXT, publicKey))).toBe("ERR_RECOVERY_FILE_INVALID/decrypt_failed");
    }
    const badIv = { ...sealed, cipher: { ...sealed.cipher, iv: flip(sealed.cipher.iv, 3) } };
    expect(codeOf(await openRecoveryKey(badIv, PASSPHRASE, CONTEXT, publicKey))).toBe("ERR_RECOVERY_FILE_INVALID/decrypt_failed");
    // The salt and the check decide what the passphrase derives: damage there reads as a wrong passphrase
    // here; the file's signature (recovery-file.ts) catches it first in a real restore.
    const badSalt = { ...sealed, kdf: { ...sealed.kdf, salt: flip(sealed.kdf.salt, 0) } };
    expect(codeOf(await openRecoveryKey(badSalt, PASSPHRASE, CONTEXT, publicKey))).toBe("ERR_RECOVERY_PASSPHRASE_WRONG/check_mismatch");
  });

  it("refuses a key sealed for another identity or key: the context is authenticated (ERR_RECOVERY_FILE_INVALID)", async () => {
    const { sealed, publicKey } = await sealedKey();
    expect(codeOf(await openRecoveryKey(sealed, PASSPHRASE, utf8("identity B, key K"), publicKey))).toBe(
      "ERR_RECOVERY_FILE_INVALID/decrypt_failed",
    );
    const other = await generateRecoveryKey(FAST);
    expect(codeOf(await openRecoveryKey(sealed, PASSPHRASE, CONTEXT, other.publicKey))).toBe("ERR_RECOVERY_FILE_INVALID/key_mismatch");
  });

  it("refuses truncated or malformed sealed keys before any key derivation (ERR_RECOVERY_FILE_INVALID)", async () => {
    const { sealed, publicKey } = await sealedKey();
    const cases: unknown[] = [
      null,
      {},
      { ...sealed, cipher: { ...sealed.cipher, ciphertext: sealed.cipher.ciphertext.slice(0, -4) } },
      { ...sealed, check: sealed.check.slice(1) },
      { ...sealed, kdf: { ...sealed.kdf, salt: "" } },
      { ...sealed, cipher: { ...sealed.cipher, name: "AES-128-CBC" } },
    ];
    for (const value of cases)
      expect(codeOf(await openRecoveryKey(value, PASSPHRASE, CONTEXT, publicKey))).toBe("ERR_RECOVERY_FILE_INVALID/sealed_key_malformed");
  });

  it("refuses key-derivation settings outside its bounds, so a crafted file cannot ask for 2^30 (ERR_RECOVERY_FILE_INVALID)", async () => {
    const { sealed, publicKey } = await sealedKey();
    for (const kdf of [
      { ...sealed.kdf, n: 2 ** 30 },
      { ...sealed.kdf, n: 2 ** 13 },
      { ...sealed.kdf, n: 65_535 },
      { ...sealed.kdf, r: 16 },
      { ...sealed.kdf, p: 4 },
      { ...sealed.kdf, name: "pbkdf2" },
    ])
      expect(codeOf(await openRecoveryKey({ ...sealed, kdf }, PASSPHRASE, CONTEXT, publicKey))).toBe(
        "ERR_RECOVERY_FILE_INVALID/kdf_unsupported",
      );
  });

  it("seals once: a second copy of the key never leaves (internal_error)", async () => {
    const key = await generateRecoveryKey(FAST);
    expect(codeOf(await key.seal(PASSPHRASE, CONTEXT))).toBe("ok");
    expect(codeOf(await key.seal(PASSPHRASE, CONTEXT))).toBe("internal_error/sealed_twice");
  });

  it("refuses a passphrase shorter than 10 characters (ERR_RECOVERY_PASSPHRASE_WEAK)", async () => {
    expect(codeOf(checkPassphrase("123456789"))).toBe("ERR_RECOVERY_PASSPHRASE_WEAK/too_short");
    expect(codeOf(checkPassphrase(42))).toBe("ERR_RECOVERY_PASSPHRASE_WEAK/not_text");
    expect(codeOf(checkPassphrase("ten chars!"))).toBe("ok");
    const key = await generateRecoveryKey(FAST);
    expect(codeOf(await key.seal("short", CONTEXT))).toBe("ERR_RECOVERY_PASSPHRASE_WEAK/too_short");
    // A refused passphrase does not use up the one seal.
    expect(codeOf(await key.seal(PASSPHRASE, CONTEXT))).toBe("ok");
  });
});
