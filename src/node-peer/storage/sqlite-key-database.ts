// The key database on SQLite (ADR 0028): the core's KeyDatabase port with Dexie's semantics, in its own
// file beside the node database (DESIGN D5: private keys never in the graph's database). Rows stay
// opaque here; the Key manager checks them on the way out. Only plain rows fit (the noble engine's
// seed): a non-extractable CryptoKey cannot be written to a file, and is refused, not lost.
import { AsyncLocalStorage } from "node:async_hooks";
import type Database from "better-sqlite3";
import type { KeyDatabase, KeyRow } from "../../core/storage/index.ts";
import { closedError, decodeRow, encodeRow, openFile, sqliteCall } from "./sqlite-rows.ts";

const SCHEMA = `
  CREATE TABLE keys (key_id TEXT PRIMARY KEY, scope TEXT NOT NULL, identity_id TEXT, row TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX keys_scope ON keys (scope);
  CREATE INDEX keys_identity ON keys (identity_id);
`;

export function createSqliteKeyDatabase(path: string): KeyDatabase {
  let db: Database.Database | undefined;
  // Calls made inside `readWrite`'s body join its transaction; every other call waits for it to end.
  const inside = new AsyncLocalStorage<true>();
  let transaction: Promise<unknown> = Promise.resolve();

  function open(): Database.Database {
    if (db === undefined) throw closedError();
    return db;
  }

  async function call<T>(body: (db: Database.Database) => T): Promise<T> {
    if (inside.getStore() !== true) await transaction.catch(() => undefined);
    return sqliteCall(() => body(open()));
  }

  const rows = (found: unknown[]) => found.map((row) => decodeRow((row as { row: string }).row));

  return {
    name: path,
    // A throw inside a Promise executor rejects it: open fails as a rejection, never synchronously.
    open: () =>
      new Promise<void>((resolve) => {
        db ??= openFile(path, SCHEMA);
        resolve();
      }),
    close: () => {
      db?.close();
      db = undefined;
    },
    get: (keyId) =>
      call((d) => {
        const found = d.prepare("SELECT row FROM keys WHERE key_id = ?").get(keyId) as { row: string } | undefined;
        return found === undefined ? undefined : decodeRow(found.row);
      }),
    whereScope: (scope) => call((d) => rows(d.prepare("SELECT row FROM keys WHERE scope = ? ORDER BY key_id").all(scope))),
    whereIdentity: (identityId) =>
      call((d) => rows(d.prepare("SELECT row FROM keys WHERE identity_id = ? ORDER BY key_id").all(identityId))),
    all: () => call((d) => rows(d.prepare("SELECT row FROM keys ORDER BY key_id").all())),
    add: (row: KeyRow) =>
      call((d) => {
        const text = encodeRow(row);
        d.prepare("INSERT INTO keys (key_id, scope, identity_id, row) VALUES (?, ?, ?, ?)").run(row.keyId, row.scope, row.identityId, text);
      }),
    delete: (keyId) =>
      call((d) => {
        d.prepare("DELETE FROM keys WHERE key_id = ?").run(keyId);
      }),
    readWrite: <T>(body: () => Promise<T>): Promise<T> => {
      const run = async (): Promise<T> => {
        const d = open();
        sqliteCall(() => d.exec("BEGIN IMMEDIATE"));
        try {
          const value = await inside.run(true, body);
          sqliteCall(() => d.exec("COMMIT"));
          return value;
        } catch (cause) {
          if (d.inTransaction) d.exec("ROLLBACK");
          throw cause;
        }
      };
      const next = transaction.catch(() => undefined).then(run);
      transaction = next;
      return next;
    },
  };
}
