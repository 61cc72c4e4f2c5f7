// Reads a node database file from outside its process (tests, operators): read-only, beside a running
// writer (WAL). For asserting what a peer holds — and what it must never hold — on the file itself.
import Database from "better-sqlite3";

export type NodeFileProbe = {
  /** Envelopes of `app` in the file. */
  envelopeCount(app: string): number;
  /** Whether any stored row of any table contains `needle` (a text that must never reach this file). */
  containsText(needle: string): boolean;
  close(): void;
};

export function probeNodeFile(path: string): NodeFileProbe {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  return {
    envelopeCount: (app) => (db.prepare("SELECT count(*) AS n FROM envelopes WHERE app = ?").get(app) as { n: number }).n,
    containsText: (needle) =>
      tables.some((table) => {
        const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name);
        return columns.some(
          (column) =>
            db.prepare(`SELECT 1 FROM "${table}" WHERE instr(CAST("${column}" AS TEXT), ?) > 0 LIMIT 1`).get(needle) !== undefined,
        );
      }),
    close: () => db.close(),
  };
}
