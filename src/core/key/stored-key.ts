// The Key manager's rows in its own database (storage/key-database.ts, DESIGN D5: private keys in a
// separate database). Rows are checked on the way out: storage is not trusted to be well-formed, and a
// malformed row must fail closed, not sign.
import { identityIdFromKey, parseIdentityId, parsePublicKeyText } from "../shared/ids.ts";
import type { KeyMaterial } from "./key-material.ts";
import { isKeyScope, type KeyRecord } from "./types.ts";

/** One row per key, keyed by its public key text: the record's public fields plus its material. */
export type StoredKey = Omit<KeyRecord, "engine"> & KeyMaterial;

/** The row, if it is one this module could have written; undefined for anything else. */
export function parseStoredKey(value: unknown): StoredKey | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const row = value as Record<string, unknown>;
  const publicKey = parsePublicKeyText(row.publicKey);
  if (publicKey === undefined || row.keyId !== publicKey || !isKeyScope(row.scope)) return undefined;
  if (!(row.label === null || typeof row.label === "string") || typeof row.createdAt !== "string") return undefined;
  if (!hasValidBinding(row.scope, row.identityId, publicKey) || !hasValidMaterial(row)) return undefined;
  return value as StoredKey;
}

function hasValidBinding(scope: StoredKey["scope"], identityId: unknown, publicKey: StoredKey["publicKey"]): boolean {
  switch (scope) {
    case "node":
      return identityId === null;
    case "identity":
      return identityId === identityIdFromKey(publicKey); // DESIGN §3: self-certifying
    case "device":
      return parseIdentityId(identityId) !== undefined;
  }
}

function hasValidMaterial(row: Record<string, unknown>): boolean {
  if (row.engine === "noble") return row.seed instanceof Uint8Array && row.seed.length === 32;
  if (row.engine !== "webcrypto") return false;
  const key = row.privateKey;
  return key instanceof CryptoKey && key.type === "private" && key.algorithm.name === "Ed25519" && key.usages.includes("sign");
}

/** The public view of a row: a fresh plain object with exactly the KeyRecord fields. */
export function toKeyRecord(row: StoredKey): KeyRecord {
  return Object.freeze({
    keyId: row.keyId,
    scope: row.scope,
    publicKey: row.publicKey,
    identityId: row.identityId,
    label: row.label,
    createdAt: row.createdAt,
    engine: row.engine,
  });
}
