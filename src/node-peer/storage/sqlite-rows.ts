// Shared by the key and log databases on SQLite (ADR 0028): one file per database, rows kept whole as
// JSON (bytes tagged so they come back as Uint8Array), and SQLite's failures turned into what the
// managers already treat as a storage failure (a DOMException, as IndexedDB throws), never a bug.
import { chmodSync } from "node:fs";
import Database from "better-sqlite3";
import { fromBase64url, toBase64url } from "../../core/shared/bytes.ts";

const BYTES_TAG = "$bytes";

/** JSON with every Uint8Array as `{"$bytes": base64url}`; anything JSON cannot hold (a CryptoKey) throws. */
export function encodeRow(row: unknown): string {
  return JSON.stringify(row, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return { [BYTES_TAG]: toBase64url(value) };
    if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype)
      throw new DOMException("Only plain rows can be stored on disk (a CryptoKey cannot).", "DataCloneError");
    return value;
  });
}

export function decodeRow(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const tagged = (value as Record<string, unknown>)[BYTES_TAG];
      if (keys.length === 1 && typeof tagged === "string") return fromBase64url(tagged);
    }
    return value;
  });
}

/** Runs `body`; an error from SQLite becomes a DOMException the managers report as data (isStorageFailure). */
export function sqliteCall<T>(body: () => T): T {
  try {
    return body();
  } catch (cause) {
    if (cause instanceof DOMException) throw cause;
    const code = (cause as { code?: unknown } | null)?.code;
    if (typeof code === "string" && code.startsWith("SQLITE_")) {
      const name = code.startsWith("SQLITE_CONSTRAINT")
        ? "ConstraintError"
        : code === "SQLITE_FULL"
          ? "QuotaExceededError"
          : "UnknownError";
      throw new DOMException(`${code}: ${(cause as Error).message}`, name);
    }
    throw cause;
  }
}

/**
 * Opens (making it if missing) one database file readable by its owner only: the key file holds
 * private seeds. WAL and synchronous FULL: a committed row is on disk when the call returns.
 */
export function openFile(path: string, schema: string): Database.Database {
  return sqliteCall(() => {
    const db = new Database(path);
    try {
      chmodSync(path, 0o600);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("busy_timeout = 5000");
      if ((db.pragma("user_version", { simple: true }) as number) === 0)
        db.transaction(() => {
          db.exec(schema);
          db.pragma("user_version = 1");
        }).immediate();
      else if ((db.pragma("user_version", { simple: true }) as number) !== 1)
        throw new DOMException(`${path} was written by a newer version of 2WAY.`, "VersionError");
      return db;
    } catch (cause) {
      db.close();
      throw cause;
    }
  });
}

export function closedError(): DOMException {
  return new DOMException("The database is closed.", "InvalidStateError");
}
