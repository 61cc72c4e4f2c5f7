// The node's databases on SQLite for a node in Node.js (ADR 0022, ADR 0028): the only place
// better-sqlite3 is used. The node database, and the key and log databases in files of their own.
export { SqliteStorage } from "./sqlite-storage.ts";
export { SCHEMA_VERSION } from "./sqlite-schema.ts";
export { createSqliteKeyDatabase } from "./sqlite-key-database.ts";
export { createSqliteLogDatabase } from "./sqlite-log-database.ts";
export { probeNodeFile, type NodeFileProbe } from "./sqlite-file-probe.ts";
