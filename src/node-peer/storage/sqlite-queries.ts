// The node database's reads on SQLite, synchronous, over one connection: the reader's (the last
// commit) or the writer's (inside a write, its own uncommitted rows too). Orders match what Dexie's
// indexes return (ADR 0022), since the contract suite and the Graph rely on them.
import type Database from "better-sqlite3";
import type {
  AppRow,
  CursorRow,
  EnvelopeRow,
  ForkRow,
  IdentityRow,
  ObjectRow,
  PendingRow,
  StubRow,
  VersionRow,
} from "../../core/storage/index.ts";

/** An id list as one bound parameter: `IN (SELECT value FROM json_each(?))`, whatever its length. */
export const idList = (ids: readonly string[]): string => JSON.stringify(ids);

/** Dexie's limit may be Infinity; SQLite's "no limit" is -1. */
export const sqlLimit = (limit: number): number => (Number.isFinite(limit) ? limit : -1);

/** Prepared statements by SQL text, each made once per connection. Every statement here reads one column. */
export class Statements {
  readonly #cache = new Map<string, Database.Statement>();
  constructor(readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let statement = this.#cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (statement.reader) statement.pluck();
      this.#cache.set(sql, statement);
    }
    return statement;
  }

  /** Rows kept as JSON (the `row` column), parsed. */
  rows<T>(sql: string, ...params: unknown[]): T[] {
    return (this.get(sql).all(...params) as string[]).map((text) => JSON.parse(text) as T);
  }

  row<T>(sql: string, ...params: unknown[]): T | undefined {
    const text = this.get(sql).get(...params) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  values<T>(sql: string, ...params: unknown[]): T[] {
    return this.get(sql).all(...params) as T[];
  }

  value<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.get(sql).get(...params) as T | undefined;
  }
}

export class SqliteQueries {
  constructor(protected readonly sql: Statements) {}

  // ---- history ----
  envelopes(ids: readonly string[]): (EnvelopeRow | undefined)[] {
    if (ids.length === 0) return [];
    const rows = this.sql.rows<EnvelopeRow>("SELECT row FROM envelopes WHERE id IN (SELECT value FROM json_each(?))", idList(ids));
    const byId = new Map<string, EnvelopeRow>(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  }

  stubs(ids: readonly string[]): (StubRow | undefined)[] {
    if (ids.length === 0) return [];
    const rows = this.sql.rows<StubRow>("SELECT row FROM stubs WHERE id IN (SELECT value FROM json_each(?))", idList(ids));
    const byId = new Map<string, StubRow>(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  }

  /** Envelopes (in seq order), then stubs, at one key's seq: more than one is a fork (DESIGN §3). */
  envelopeIdsAtKeySeq(authorKey: string, keySeq: number): string[] {
    const envelopes = this.sql.values<string>(
      "SELECT id FROM envelopes WHERE author_key = ? AND key_seq = ? ORDER BY seq",
      authorKey,
      keySeq,
    );
    const stubs = this.sql.values<string>("SELECT id FROM stubs WHERE author_key = ? AND key_seq = ? ORDER BY id", authorKey, keySeq);
    return [...new Set([...envelopes, ...stubs])];
  }

  forkedAtOrBefore(authorKey: string, keySeq: number): boolean {
    return this.sql.value("SELECT 1 FROM forks WHERE author_key = ? AND key_seq BETWEEN 0 AND ? LIMIT 1", authorKey, keySeq) !== undefined;
  }

  envelopesOfKeyFrom(authorKey: string, keySeq: number): EnvelopeRow[] {
    return this.sql.rows("SELECT row FROM envelopes WHERE author_key = ? AND key_seq >= ? ORDER BY key_seq, seq", authorKey, keySeq);
  }

  dependentsOf(id: string): EnvelopeRow[] {
    return this.sql.rows("SELECT row FROM envelopes WHERE seq IN (SELECT seq FROM envelope_deps WHERE dep = ?) ORDER BY seq", id);
  }

  lastOfKey(authorKey: string): EnvelopeRow | undefined {
    return this.sql.row("SELECT row FROM envelopes WHERE author_key = ? ORDER BY key_seq DESC, seq DESC LIMIT 1", authorKey);
  }

  history(afterSeq: number, limit: number, app: string | undefined): EnvelopeRow[] {
    return app === undefined
      ? this.sql.rows("SELECT row FROM envelopes WHERE seq > ? ORDER BY seq LIMIT ?", afterSeq, sqlLimit(limit))
      : this.sql.rows("SELECT row FROM envelopes WHERE app = ? AND seq > ? ORDER BY seq LIMIT ?", app, afterSeq, sqlLimit(limit));
  }

  lastSeq(): number {
    return this.sql.value<number>("SELECT max(seq) FROM envelopes") ?? 0;
  }

  /** The largest seq a quarantined envelope held: a number already given out (ADR 0018). */
  lastQuarantinedSeq(): number {
    return this.sql.value<number>("SELECT max(seq) FROM quarantine") ?? 0;
  }

  stubIds(afterId: string, limit: number): string[] {
    return this.sql.values("SELECT id FROM stubs WHERE id > ? ORDER BY id LIMIT ?", afterId, sqlLimit(limit));
  }

  countStubs(): number {
    return this.sql.value<number>("SELECT count(*) FROM stubs") ?? 0;
  }

  // ---- materialized state ----
  objects(ids: readonly string[]): Map<string, ObjectRow> {
    if (ids.length === 0) return new Map();
    const rows = this.sql.rows<ObjectRow>("SELECT row FROM objects WHERE id IN (SELECT value FROM json_each(?))", idList(ids));
    return new Map(rows.map((row) => [row.id, row]));
  }

  objectsOfType(app: string, kind: string, typeKey: string): ObjectRow[] {
    return this.sql.rows("SELECT row FROM objects WHERE app = ? AND kind = ? AND type_key = ? ORDER BY id", app, kind, typeKey);
  }

  objectsOfApp(app: string): ObjectRow[] {
    return this.sql.rows("SELECT row FROM objects WHERE app = ? ORDER BY id", app);
  }

  childrenOf(app: string, parentId: string): ObjectRow[] {
    return this.sql.rows("SELECT row FROM objects WHERE app = ? AND parent = ? ORDER BY id", app, parentId);
  }

  /** One page of objects in id order, after `afterId` (undefined: from the first). */
  objectPage(afterId: string | undefined, limit: number): ObjectRow[] {
    return afterId === undefined
      ? this.sql.rows("SELECT row FROM objects ORDER BY id LIMIT ?", limit)
      : this.sql.rows("SELECT row FROM objects WHERE id > ? ORDER BY id LIMIT ?", afterId, limit);
  }

  versionsOf(objectId: string): VersionRow[] {
    return this.sql.rows("SELECT row FROM versions WHERE object_id = ? ORDER BY envelope_id, op_index", objectId);
  }

  versionsOfEnvelopes(envelopeIds: readonly string[]): VersionRow[] {
    return this.sql.rows(
      "SELECT row FROM versions WHERE envelope_id IN (SELECT value FROM json_each(?)) ORDER BY envelope_id, object_id, op_index",
      idList(envelopeIds),
    );
  }

  identity(id: string): IdentityRow | undefined {
    return this.sql.row("SELECT row FROM identities WHERE id = ?", id);
  }

  identities(): IdentityRow[] {
    return this.sql.rows("SELECT row FROM identities ORDER BY id");
  }

  // ---- cursors, forks ----
  cursor(peer: string, domain: string): CursorRow | undefined {
    return this.sql.row("SELECT row FROM cursors WHERE peer = ? AND domain = ?", peer, domain);
  }

  cursors(peer: string): CursorRow[] {
    return this.sql.rows("SELECT row FROM cursors WHERE peer = ? ORDER BY domain", peer);
  }

  fork(authorKey: string, keySeq: number): ForkRow | undefined {
    return this.sql.row("SELECT row FROM forks WHERE author_key = ? AND key_seq = ?", authorKey, keySeq);
  }

  forks(): ForkRow[] {
    return this.sql.rows("SELECT row FROM forks ORDER BY author_key, key_seq");
  }

  // ---- pending set ----
  pending(id: string): PendingRow | undefined {
    return this.sql.row("SELECT row FROM pending WHERE id = ?", id);
  }

  countPending(): number {
    return this.sql.value<number>("SELECT count(*) FROM pending") ?? 0;
  }

  pendingWaitingForAny(ids: readonly string[]): PendingRow[] {
    if (ids.length === 0) return [];
    return this.sql.rows(
      "SELECT row FROM pending WHERE id IN (SELECT id FROM pending_missing WHERE missing IN (SELECT value FROM json_each(?))) ORDER BY id",
      idList(ids),
    );
  }

  listPending(limit: number): PendingRow[] {
    return this.sql.rows("SELECT row FROM pending ORDER BY id LIMIT ?", sqlLimit(limit));
  }

  // ---- node-local ----
  app(slug: string): AppRow | undefined {
    return this.sql.row("SELECT row FROM apps WHERE slug = ?", slug);
  }

  apps(): AppRow[] {
    return this.sql.rows("SELECT row FROM apps ORDER BY local_id");
  }

  meta(key: string): number | undefined {
    return this.sql.value("SELECT value FROM meta WHERE key = ?", key);
  }

  /** A meta value kept as text (the audit checkpoint's JSON); a number stored there reads as its digits. */
  metaText(key: string): string | undefined {
    const value = this.sql.value<string | number>("SELECT value FROM meta WHERE key = ?", key);
    return value === undefined ? undefined : String(value);
  }

  settings(): { key: string; value: string }[] {
    // Two columns: this statement alone is not plucked (it is used only here).
    return this.sql.get("SELECT key, value FROM settings ORDER BY key").pluck(false).all() as { key: string; value: string }[];
  }
}
