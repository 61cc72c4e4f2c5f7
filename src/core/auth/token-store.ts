// Session tokens (interfaces 13 §4): opaque random values, kept only as SHA-256 digests, each bound
// to one (identity, app, device) slot. In memory by design (ADR 0009): a worker restart ends every
// session. Bounded: old revoked or expired records go first; live ones are never evicted.
import { sha256 } from "../crypto/index.ts";
import { fromBase64url, toBase64url } from "../shared/bytes.ts";
import type { Random } from "../shared/clock.ts";
import type { IdentityId } from "../shared/ids.ts";
import type { ActorType } from "./operation-context.ts";

/** 256 bits of randomness: at least the 128 the brief asks for, and one base64url spelling (43 chars). */
export const TOKEN_BYTES = 32;
export const TOKEN_LENGTH = 43;

export type TokenRecord = {
  readonly identityId: IdentityId;
  readonly app: string;
  readonly deviceId: string | null;
  readonly actorType: ActorType;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** When it was revoked (explicitly, or superseded by a newer token for its slot); null while live. */
  revokedAt: number | null;
};

export type TokenLookup =
  | { readonly kind: "malformed" }
  | { readonly kind: "unknown" }
  | { readonly kind: "found"; readonly record: TokenRecord; readonly digest: string };

/** The token text's bytes, or undefined when it is not exactly one of ours in shape. */
function tokenBytes(token: string): Uint8Array | undefined {
  if (token.length !== TOKEN_LENGTH) return undefined;
  const bytes = fromBase64url(token);
  return bytes?.length === TOKEN_BYTES ? bytes : undefined;
}

function slotKey(identityId: string, app: string, deviceId: string | null): string {
  // JSON keeps the three parts apart whatever characters they hold.
  return JSON.stringify([identityId, app, deviceId]);
}

export class TokenStore {
  readonly #random: Random;
  /** digest → record, in issue order (Map keeps insertion order: the oldest come first). */
  readonly #records = new Map<string, TokenRecord>();
  /** slot → digest of its live token. */
  readonly #slots = new Map<string, string>();

  constructor(random: Random) {
    this.#random = random;
  }

  get size(): number {
    return this.#records.size;
  }

  lookup(token: string): TokenLookup {
    const bytes = tokenBytes(token);
    if (bytes === undefined) return { kind: "malformed" };
    const digest = toBase64url(sha256(bytes));
    const record = this.#records.get(digest);
    return record === undefined ? { kind: "unknown" } : { kind: "found", record, digest };
  }

  /**
   * Issues a token for the record's slot and revokes the slot's previous one (interfaces 13 §4: a new
   * token revokes the older ones). Returns undefined when `maxRecords` live tokens leave no room.
   */
  /**
   * A new live token. `exclusive` (frontend registration, interfaces 13): it replaces the live token
   * of its (identity, app, device) slot. Local sessions are not exclusive: the shell and an app's
   * frame each hold one for the same person and app, and neither may end the other's.
   */
  issue(record: Omit<TokenRecord, "revokedAt">, now: number, retainMs: number, maxRecords: number, exclusive = true): string | undefined {
    this.prune(now, retainMs);
    if (this.#records.size >= maxRecords) this.#evictInactive(now, this.#records.size - maxRecords + 1);
    if (this.#records.size >= maxRecords) return undefined;
    const bytes = this.#random.bytes(TOKEN_BYTES);
    const token = toBase64url(bytes);
    const digest = toBase64url(sha256(bytes));
    this.#records.set(digest, { ...record, revokedAt: null });
    if (!exclusive) return token;
    const slot = slotKey(record.identityId, record.app, record.deviceId);
    const previous = this.#slots.get(slot);
    if (previous !== undefined) {
      const old = this.#records.get(previous);
      if (old !== undefined && old.revokedAt === null) old.revokedAt = now;
    }
    this.#slots.set(slot, digest);
    return token;
  }

  revoke(digest: string, now: number): void {
    const record = this.#records.get(digest);
    if (record === undefined || record.revokedAt !== null) return;
    record.revokedAt = now;
    const slot = slotKey(record.identityId, record.app, record.deviceId);
    if (this.#slots.get(slot) === digest) this.#slots.delete(slot);
  }

  /** Revokes every live token matching the filter; returns how many. */
  revokeWhere(matches: (record: TokenRecord) => boolean, now: number): number {
    let count = 0;
    for (const [digest, record] of this.#records) {
      if (record.revokedAt !== null || record.expiresAt <= now || !matches(record)) continue;
      this.revoke(digest, now);
      count++;
    }
    return count;
  }

  /**
   * Forgets records that expired more than `retainMs` ago; until then an expired or revoked token
   * still gets its precise code instead of `auth_invalid`.
   */
  prune(now: number, retainMs: number): void {
    for (const [digest, record] of this.#records) if (record.expiresAt + retainMs <= now) this.#forget(digest, record);
  }

  #evictInactive(now: number, count: number): void {
    let left = count;
    for (const [digest, record] of this.#records) {
      if (left === 0) return;
      if (record.revokedAt === null && record.expiresAt > now) continue;
      this.#forget(digest, record);
      left--;
    }
  }

  #forget(digest: string, record: TokenRecord): void {
    this.#records.delete(digest);
    const slot = slotKey(record.identityId, record.app, record.deviceId);
    if (this.#slots.get(slot) === digest) this.#slots.delete(slot);
  }

  clear(): void {
    this.#records.clear();
    this.#slots.clear();
  }
}
