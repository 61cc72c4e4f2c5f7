// The Log manager's own IndexedDB database `twoway-log-<name>` (DESIGN D5: logs in their own database).
// One append-only store keyed by seq; compound indexes serve newest-first filtered queries.
import Dexie, { type Table } from "dexie";
import type { IdbEnvironment } from "../shared/idb.ts";
import type { AuditRecord } from "./types.ts";

export const LOG_DATABASE_PREFIX = "twoway-log-";

export type LogDatabase = Dexie & { readonly records: Table<AuditRecord, number> };

export function logDatabaseName(name: string): string {
  return `${LOG_DATABASE_PREFIX}${name}`;
}

export function createLogDatabase(name: string, idb: IdbEnvironment): LogDatabase {
  const db = new Dexie(logDatabaseName(name), {
    indexedDB: idb.indexedDB,
    IDBKeyRange: idb.IDBKeyRange,
    // Never reopen behind our back (e.g. after a versionchange closed it): a reopened, emptied
    // database would restart the chain at seq 1. The manager opens it once, explicitly.
    autoOpen: false,
  }) as LogDatabase;
  // Rows whose code, app or traceId is null simply drop out of that index (null is not a key).
  db.version(1).stores({ records: "seq, [kind+seq], [code+seq], [app+seq], [traceId+seq]" });
  // Another connection upgrades or deletes the database: step aside at once (reference pitfall 12).
  // Later writes then fail as ERR_MNG_LOG_MANDATORY_SINK_UNAVAILABLE instead of blocking it.
  db.on("versionchange", () => {
    db.close();
    return false;
  });
  return db;
}
