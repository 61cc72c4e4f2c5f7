// The node database's writes on SQLite, synchronous, on the writer connection only. Each mirrors
// the Dexie call it replaces (ADR 0022): `add` fails on a taken key, `put` replaces by primary key
// but still fails on another unique key, and multi-entry indexes are kept beside their rows.
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
import type { JsonValue } from "../../core/shared/json.ts";
import type { Statements } from "./sqlite-queries.ts";

export class SqliteWrites {
  constructor(private readonly sql: Statements) {}

  addEnvelope(row: EnvelopeRow): void {
    this.sql
      .get("INSERT INTO envelopes (seq, id, author_key, key_seq, app, row) VALUES (?, ?, ?, ?, ?, ?)")
      .run(row.seq, row.id, row.authorKey, row.keySeq, row.app, JSON.stringify(row));
    const dep = this.sql.get("INSERT OR IGNORE INTO envelope_deps (dep, seq) VALUES (?, ?)");
    for (const id of row.deps) dep.run(id, row.seq);
  }

  /**
   * Replaces the row at its seq (Dexie's put: an id another seq holds is refused by the unique index),
   * and its deps index with it. Only the integrity repair rewrites a row, from its own verified text.
   */
  putEnvelope(row: EnvelopeRow): void {
    this.sql
      .get(
        `INSERT INTO envelopes (seq, id, author_key, key_seq, app, row) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (seq) DO UPDATE SET id = excluded.id, author_key = excluded.author_key, key_seq = excluded.key_seq, app = excluded.app, row = excluded.row`,
      )
      .run(row.seq, row.id, row.authorKey, row.keySeq, row.app, JSON.stringify(row));
    this.sql.get("DELETE FROM envelope_deps WHERE seq = ?").run(row.seq);
    const dep = this.sql.get("INSERT OR IGNORE INTO envelope_deps (dep, seq) VALUES (?, ?)");
    for (const id of row.deps) dep.run(id, row.seq);
  }

  /** Marks an envelope suppressed: its row is rewritten with the new status, nothing else changes. */
  suppressEnvelope(id: string): void {
    const text = this.sql.value<string>("SELECT row FROM envelopes WHERE id = ?", id);
    if (text === undefined) return;
    const row = { ...(JSON.parse(text) as EnvelopeRow), status: "suppressed" };
    this.sql.get("UPDATE envelopes SET row = ? WHERE id = ?").run(JSON.stringify(row), id);
  }

  putObjects(rows: readonly ObjectRow[]): void {
    const put = this.sql.get(
      `INSERT INTO objects (app, id, kind, type_key, parent, row) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (app, id) DO UPDATE SET kind = excluded.kind, type_key = excluded.type_key, parent = excluded.parent, row = excluded.row`,
    );
    for (const row of rows) put.run(row.app, row.id, row.kind, row.typeKey, row.parent, JSON.stringify(row));
  }

  putVersions(rows: readonly VersionRow[]): void {
    const put = this.sql.get(
      `INSERT INTO versions (object_id, envelope_id, op_index, row) VALUES (?, ?, ?, ?)
       ON CONFLICT (object_id, envelope_id, op_index) DO UPDATE SET row = excluded.row`,
    );
    for (const row of rows) put.run(row.objectId, row.envelopeId, row.opIndex, JSON.stringify(row));
  }

  putFork(row: ForkRow): void {
    this.sql
      .get(
        "INSERT INTO forks (author_key, key_seq, row) VALUES (?, ?, ?) ON CONFLICT (author_key, key_seq) DO UPDATE SET row = excluded.row",
      )
      .run(row.authorKey, row.keySeq, JSON.stringify(row));
  }

  putIdentity(row: IdentityRow): void {
    this.sql
      .get("INSERT INTO identities (id, row) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET row = excluded.row")
      .run(row.id, JSON.stringify(row));
  }

  addStub(row: StubRow): void {
    this.sql
      .get("INSERT INTO stubs (id, author_key, key_seq, row) VALUES (?, ?, ?, ?)")
      .run(row.id, row.authorKey, row.keySeq, JSON.stringify(row));
  }

  deleteStub(id: string): void {
    this.sql.get("DELETE FROM stubs WHERE id = ?").run(id);
  }

  putPending(row: PendingRow): void {
    this.sql
      .get("INSERT INTO pending (id, row) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET row = excluded.row")
      .run(row.id, JSON.stringify(row));
    this.sql.get("DELETE FROM pending_missing WHERE id = ?").run(row.id);
    const missing = this.sql.get("INSERT OR IGNORE INTO pending_missing (missing, id) VALUES (?, ?)");
    for (const id of row.missing) missing.run(id, row.id);
  }

  deletePending(ids: readonly string[]): void {
    for (const id of ids) {
      this.sql.get("DELETE FROM pending WHERE id = ?").run(id);
      this.sql.get("DELETE FROM pending_missing WHERE id = ?").run(id);
    }
  }

  putCursor(row: CursorRow): void {
    this.sql
      .get("INSERT INTO cursors (peer, domain, row) VALUES (?, ?, ?) ON CONFLICT (peer, domain) DO UPDATE SET row = excluded.row")
      .run(row.peer, row.domain, JSON.stringify(row));
  }

  putMeta(key: string, value: number): void {
    this.sql.get("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /** A text value in meta (the column's integer affinity keeps text that is not a number as text). */
  putMetaText(key: string, value: string): void {
    this.sql.get("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /** By slug; a local id another slug holds is refused, as Dexie's unique index refuses it. */
  putApp(row: AppRow): void {
    this.sql
      .get(
        "INSERT INTO apps (slug, local_id, row) VALUES (?, ?, ?) ON CONFLICT (slug) DO UPDATE SET local_id = excluded.local_id, row = excluded.row",
      )
      .run(row.slug, row.localId, JSON.stringify(row));
  }

  putSettings(entries: Readonly<Record<string, JsonValue>>): void {
    const put = this.sql.get("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    for (const [key, value] of Object.entries(entries)) put.run(key, JSON.stringify(value));
  }
}
