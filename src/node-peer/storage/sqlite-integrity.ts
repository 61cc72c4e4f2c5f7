// Integrity at rest (ADR 0018) on SQLite: the integrity check's scans, each page its own read of the
// last commit, and its one repair transaction on the writer, as the Dexie IntegrityStore does them.
// An envelope row is moved to quarantine, never deleted outright; nothing here decides what is wrong.
import { err, ok, type Result } from "../../core/shared/result.ts";
import type { EnvelopeRow, IntegrityPort, IntegrityRepair, QuarantineRow, StubRow, VersionRow } from "../../core/storage/index.ts";
import type { Statements } from "./sqlite-queries.ts";
import { SqliteWrites } from "./sqlite-writes.ts";
import { storageFailure } from "./sqlite-write-tx.ts";

export type IntegrityConnections = {
  /** Runs `query` on the reader: it sees only committed rows. */
  read<T>(query: (sql: Statements) => T): Promise<T>;
  /** Runs `write` on the writer as its own transaction, after any running batch. */
  write(write: (sql: Statements) => void): Promise<void>;
};

export class SqliteIntegrity implements IntegrityPort {
  constructor(private readonly connections: IntegrityConnections) {}

  /** Every envelope row in global_seq order, in pages. */
  async forEachEnvelope(visit: (row: EnvelopeRow) => void | Promise<void>, pageSize = 500): Promise<void> {
    let after = 0;
    for (;;) {
      const page = await this.connections.read((sql) =>
        sql.rows<EnvelopeRow>("SELECT row FROM envelopes WHERE seq > ? ORDER BY seq LIMIT ?", after, pageSize),
      );
      for (const row of page) await visit(row);
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.seq;
    }
  }

  /** Every stub row, in id order, in pages. */
  async forEachStub(visit: (row: StubRow) => void | Promise<void>, pageSize = 500): Promise<void> {
    let after = "";
    for (;;) {
      const page = await this.connections.read((sql) =>
        sql.rows<StubRow>("SELECT row FROM stubs WHERE id > ? ORDER BY id LIMIT ?", after, pageSize),
      );
      for (const row of page) await visit(row);
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.id;
    }
  }

  /** Every version row, in key order (object id, envelope id, op index), in pages. */
  async forEachVersion(visit: (row: VersionRow) => void, pageSize = 1000): Promise<void> {
    let last: readonly [string, string, number] = ["", "", -1];
    for (;;) {
      const page = await this.connections.read((sql) =>
        sql.rows<VersionRow>(
          "SELECT row FROM versions WHERE (object_id, envelope_id, op_index) > (?, ?, ?) ORDER BY object_id, envelope_id, op_index LIMIT ?",
          ...last,
          pageSize,
        ),
      );
      for (const row of page) visit(row);
      if (page.length < pageSize) return;
      const end = page[page.length - 1]!;
      last = [end.objectId, end.envelopeId, end.opIndex];
    }
  }

  listQuarantine(): Promise<QuarantineRow[]> {
    return this.connections.read((sql) => sql.rows<QuarantineRow>("SELECT row FROM quarantine ORDER BY seq, id"));
  }

  /** All of the repair in one transaction, or nothing (ERR_MNG_STORAGE_TX_ABORTED, integrity_repair_failed). */
  async apply(repair: IntegrityRepair): Promise<Result<void>> {
    try {
      await this.connections.write((sql) => applyRepair(sql, repair));
      return ok(undefined);
    } catch (cause) {
      return err(storageFailure(cause, "integrity_repair_failed"));
    }
  }
}

/** The Dexie IntegrityStore.apply's steps in its order; the deps index follows its envelope row. */
function applyRepair(sql: Statements, repair: IntegrityRepair): void {
  const writes = new SqliteWrites(sql);
  const quarantine = sql.get(
    "INSERT INTO quarantine (id, seq, row) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, row = excluded.row",
  );
  const putQuarantine = (row: QuarantineRow) => quarantine.run(row.id, row.seq, JSON.stringify(row));
  for (const row of repair.quarantineStubs) {
    putQuarantine(row);
    writes.deleteStub(row.id);
  }
  for (const row of repair.quarantine) {
    putQuarantine(row);
    sql.get("DELETE FROM envelopes WHERE seq = ?").run(row.seq);
    sql.get("DELETE FROM envelope_deps WHERE seq = ?").run(row.seq);
  }
  for (const row of repair.missing) putQuarantine(row);
  for (const row of repair.envelopeFixes) writes.putEnvelope(row);
  for (const row of repair.deleteObjects) sql.get("DELETE FROM objects WHERE app = ? AND id = ?").run(row.app, row.id);
  writes.putObjects(repair.putObjects);
  for (const row of repair.deleteVersions)
    sql.get("DELETE FROM versions WHERE object_id = ? AND envelope_id = ? AND op_index = ?").run(row.objectId, row.envelopeId, row.opIndex);
  writes.putVersions(repair.putVersions);
  if (repair.resetCursors) sql.get("DELETE FROM cursors").run();
}
