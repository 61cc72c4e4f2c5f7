// The node database's tables on SQLite (ADR 0022): the stores of the Dexie schema (core storage
// node-database.ts), each row kept whole as JSON beside the columns its queries use. Nothing here
// decides what a row means; multi-entry indexes (deps, missing) become their own tables.
import type Database from "better-sqlite3";

const TABLES = `
  CREATE TABLE envelopes (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    author_key TEXT NOT NULL,
    key_seq INTEGER NOT NULL,
    app TEXT NOT NULL,
    row TEXT NOT NULL
  );
  CREATE INDEX envelopes_key_seq ON envelopes (author_key, key_seq, seq);
  CREATE INDEX envelopes_app_seq ON envelopes (app, seq);
  CREATE TABLE envelope_deps (dep TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (dep, seq)) WITHOUT ROWID;
  CREATE TABLE stubs (id TEXT PRIMARY KEY, author_key TEXT NOT NULL, key_seq INTEGER NOT NULL, row TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX stubs_key_seq ON stubs (author_key, key_seq);
  CREATE TABLE objects (
    app TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    type_key TEXT NOT NULL,
    parent TEXT NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (app, id)
  ) WITHOUT ROWID;
  CREATE INDEX objects_type ON objects (app, kind, type_key, id);
  CREATE INDEX objects_parent ON objects (app, parent, id);
  CREATE TABLE versions (
    object_id TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    op_index INTEGER NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (object_id, envelope_id, op_index)
  ) WITHOUT ROWID;
  CREATE INDEX versions_envelope ON versions (envelope_id, object_id, op_index);
  CREATE TABLE pending (id TEXT PRIMARY KEY, row TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE pending_missing (missing TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (missing, id)) WITHOUT ROWID;
  CREATE INDEX pending_missing_id ON pending_missing (id);
  CREATE TABLE forks (author_key TEXT NOT NULL, key_seq INTEGER NOT NULL, row TEXT NOT NULL, PRIMARY KEY (author_key, key_seq)) WITHOUT ROWID;
  CREATE TABLE identities (id TEXT PRIMARY KEY, row TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE apps (slug TEXT PRIMARY KEY, local_id INTEGER NOT NULL UNIQUE, row TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE cursors (peer TEXT NOT NULL, domain TEXT NOT NULL, row TEXT NOT NULL, PRIMARY KEY (peer, domain)) WITHOUT ROWID;
`;

/**
 * Version 2, as Dexie's version 3 (ADR 0018): envelope rows whose text no longer verifies are kept
 * aside here, never served or exported; a new table only. Listed by seq, then id (stubs have seq 0).
 */
const QUARANTINE = `
  CREATE TABLE quarantine (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, row TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX quarantine_seq ON quarantine (seq, id);
`;

/** STEPS[v] takes a file of version v to v + 1; a new file runs them all. */
const STEPS = [TABLES, QUARANTINE];

/** The file's version (PRAGMA user_version) once every step ran; a newer file than this code is refused. */
export const SCHEMA_VERSION = STEPS.length;

/**
 * Connection settings every connection needs. WAL: readers see the last commit while the one writer
 * holds its transaction open across awaits. synchronous FULL: a commit is on disk when it returns,
 * like Dexie's strict durability. A busy file (another process writing) waits, then fails.
 */
export function configure(db: Database.Database): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = OFF");
  db.pragma("busy_timeout = 5000");
}

/** Brings the file to this version in one transaction (all steps or none); a newer file is refused. */
export function migrate(db: Database.Database): { ok: true } | { ok: false; found: number } {
  const found = db.pragma("user_version", { simple: true }) as number;
  if (found === SCHEMA_VERSION) return { ok: true };
  if (found > SCHEMA_VERSION) return { ok: false, found };
  db.transaction(() => {
    for (const step of STEPS.slice(found)) db.exec(step);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  return { ok: true };
}
