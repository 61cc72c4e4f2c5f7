// The Key manager's contract (public design 03, digest 2.3): custody of private keys — generate, store,
// sign. Records are public data only; nothing in this file ever carries private bytes.
import type { Ed25519Engine, Signer } from "../crypto/index.ts";
import type { Clock } from "../shared/clock.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import type { KeyDatabase } from "../storage/index.ts";
import type { IdentityId, PublicKeyText } from "../shared/ids.ts";
import type { Result } from "../shared/result.ts";

/** digest 2.3: node (exactly one), identity roots, and device keys bound to an identity. */
export const KEY_SCOPES = ["node", "identity", "device"] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export function isKeyScope(value: unknown): value is KeyScope {
  return typeof value === "string" && (KEY_SCOPES as readonly string[]).includes(value);
}

/** What the manager tells about a key: never its private half (DESIGN D5). */
export type KeyRecord = {
  /** The public key text itself, so an id never needs a lookup to be checked against a signature. */
  readonly keyId: string;
  readonly scope: KeyScope;
  readonly publicKey: PublicKeyText;
  /** identity: id({ identity_key: publicKey }) (DESIGN §3); device: the identity it serves; node: null. */
  readonly identityId: IdentityId | null;
  readonly label: string | null;
  readonly createdAt: string;
  /** The engine that signs with this key; fixed when the key is made. */
  readonly engine: Ed25519Engine;
};

export type KeyListFilter = { readonly scope?: KeyScope; readonly identityId?: IdentityId };

export type KeyManagerOptions = {
  /** The node's name; the database is `twoway-keys-<name>`. */
  readonly name: string;
  readonly idb: IdbEnvironment;
  /** Another adapter of the key database port than Dexie over `idb` (SQLite in Node.js: ADR 0028). */
  readonly database?: () => KeyDatabase;
  /** Engine for new keys; "auto" (default) takes WebCrypto when it passes its self-test. */
  readonly engine?: Ed25519Engine | "auto";
  readonly clock?: Clock;
};

export interface KeyManager {
  /** Opens its own database `twoway-keys-<name>`; fails closed (ERR_MNG_STORAGE_UNAVAILABLE) if it cannot. */
  open(): Promise<Result<void>>;
  /** Exactly one node key; created on first call, the same one afterwards (also after reopen). */
  ensureNodeKey(): Promise<Result<KeyRecord>>;
  /** A new identity root key; its identity id is identityIdFromKey(publicKey) (self-certifying, DESIGN §3). */
  createIdentityKey(options?: { label?: string }): Promise<Result<KeyRecord>>;
  /** A new device key for an identity this node holds a key of. */
  createDeviceKey(identityId: IdentityId, options?: { label?: string }): Promise<Result<KeyRecord>>;
  /**
   * A device key for an identity this node holds no key of: the key a recovery file's key binds on
   * restore (ADR 0021). Only the graph binding makes it count; until then it signs nothing valid.
   */
  adoptDeviceKey(identityId: IdentityId, options?: { label?: string }): Promise<Result<KeyRecord>>;
  /**
   * A device key for pairing (ADR 0025): made before the identity is known, so its record names the
   * id its own key would root, which no identity has; `assignDeviceKey` moves it once a binding names it.
   */
  createUnpairedDeviceKey(options?: { label?: string }): Promise<Result<KeyRecord>>;
  /** Moves an unpaired device key to the identity that bound it; a paired key is refused (already_assigned). */
  assignDeviceKey(keyId: string, identityId: IdentityId): Promise<Result<KeyRecord>>;
  /** Forgets a device key (rotated out, or its binding never written); other scopes are refused. */
  removeDeviceKey(keyId: string): Promise<Result<void>>;
  get(scope: KeyScope, keyId: string): Promise<Result<KeyRecord>>;
  /** A count that moves after every write to the key store, so a cache of what it holds knows when to read again. */
  changes(): number;
  /** Oldest first (createdAt, then keyId). */
  list(filter?: KeyListFilter): Promise<Result<readonly KeyRecord[]>>;
  /** Sign by explicit (scope, key id) only; no implicit pick or fallback (digest 2.3). */
  signer(scope: KeyScope, keyId: string): Promise<Result<Signer>>;
  close(): Promise<void>;
}
