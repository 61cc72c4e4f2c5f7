// Reads a node database file from outside its process (tests, operators): read-only, beside a running
// writer (WAL). For asserting what a peer holds — and what it must never hold — on the file itself.
import Database from "better-sqlite3";

export type NodeFileProbe = {
  /** Envelopes of `app` in the file. */
  envelopeCount(app: string): number;
  /** Whether any stored row of any table contains `needle` (a text that must never reach this file). */
  containsText(needle: string): boolean;
  /** The tables with a row containing `needle`, by name. */
  tablesContaining(needle: string): string[];
  /** The apps of the envelopes and objects whose row contains `needle`, sorted. */
  appsContaining(needle: string): string[];
  /** Whether the envelope is held in full, or only as its stub (ADR 0013). */
  holds(envelopeId: string): { readonly full: boolean; readonly stub: boolean };
  close(): void;
};

export function probeNodeFile(path: string): NodeFileProbe {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  function tableContains(table: string, needle: string): boolean {
    const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name);
    return columns.some(
      (column) => db.prepare(`SELECT 1 FROM "${table}" WHERE instr(CAST("${column}" AS TEXT), ?) > 0 LIMIT 1`).get(needle) !== undefined,
    );
  }
  return {
    envelopeCount: (app) => (db.prepare("SELECT count(*) AS n FROM envelopes WHERE app = ?").get(app) as { n: number }).n,
    containsText: (needle) => tables.some((table) => tableContains(table, needle)),
    tablesContaining: (needle) => tables.filter((table) => tableContains(table, needle)),
    appsContaining: (needle) =>
      [
        ...new Set(
          ["envelopes", "objects"].flatMap((table) =>
            (db.prepare(`SELECT DISTINCT app FROM ${table} WHERE instr(row, ?) > 0`).all(needle) as { app: string }[]).map((r) => r.app),
          ),
        ),
      ].sort(),
    holds: (id) => ({
      full: db.prepare("SELECT 1 FROM envelopes WHERE id = ?").get(id) !== undefined,
      stub: db.prepare("SELECT 1 FROM stubs WHERE id = ?").get(id) !== undefined,
    }),
    close: () => db.close(),
  };
}
