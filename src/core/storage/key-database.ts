// The Key manager's own IndexedDB database `twoway-keys-<name>` (DESIGN D5: private keys in a separate
// database, never in the node's graph database or its backups). Storage only: rows come back as
// `unknown`, because what makes a key row valid is the Key manager's to check, not this module's.
import Dexie, { type Table } from "dexie";
import type { IdbEnvironment } from "../shared/idb.ts";

export const KEY_DATABASE_PREFIX = "twoway-keys-";

/** The indexed fields of a key row; every other field (public key, label, material) is opaque here. */
export type KeyRow = { readonly keyId: string; readonly scope: string; readonly identityId: string | null };

/** One connection to a node's key database. Calls made inside `readWrite` join its transaction. */
export interface KeyDatabase {
  readonly name: string;
  open(): Promise<void>;
  close(): void;
  get(keyId: string): Promise<unknown>;
  whereScope(scope: string): Promise<unknown[]>;
  whereIdentity(identityId: string): Promise<unknown[]>;
  all(): Promise<unknown[]>;
  /** Adds, never overwrites: a key id already stored fails the call (and its transaction). */
  add(row: KeyRow): Promise<void>;
  /** Deletes one row (a device key replaced by rotation, or one whose binding failed to write). */
  delete(keyId: string): Promise<void>;
  /** One read-write transaction over the keys; only this database's calls may be awaited in `body`. */
  readWrite<T>(body: () => Promise<T>): Promise<T>;
}

export function keyDatabaseName(name: string): string {
  return `${KEY_DATABASE_PREFIX}${name}`;
}

export function createKeyDatabase(name: string, idb: IdbEnvironment): KeyDatabase {
  const db = new Dexie(keyDatabaseName(name), {
    indexedDB: idb.indexedDB,
    IDBKeyRange: idb.IDBKeyRange,
    // A key whose public half may already be published must survive a crash right after creation.
    chromeTransactionDurability: "strict",
    // Never reopen behind our back: after another connection deletes or upgrades the database, Dexie would
    // otherwise recreate it empty and the node would mint a new node key. Closed stays closed (fail closed).
    autoOpen: false,
  });
  // Rows with identityId null (the node key) simply drop out of the identityId index.
  db.version(1).stores({ keys: "keyId, scope, identityId" });
  const keys: Table<KeyRow, string> = db.table("keys");
  return {
    name: db.name,
    open: async () => {
      await db.open();
    },
    close: () => db.close(),
    get: (keyId) => keys.get(keyId),
    whereScope: (scope) => keys.where("scope").equals(scope).toArray(),
    whereIdentity: (identityId) => keys.where("identityId").equals(identityId).toArray(),
    all: () => keys.toArray(),
    add: async (row) => {
      await keys.add(row);
    },
    delete: (keyId) => keys.delete(keyId),
    readWrite: (body) => db.transaction("rw", keys, body),
  };
}
