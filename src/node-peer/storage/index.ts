// The node database on SQLite for a node in Node.js (ADR 0022): the only place better-sqlite3 is used.
export { SqliteStorage } from "./sqlite-storage.ts";
export { SCHEMA_VERSION } from "./sqlite-schema.ts";
