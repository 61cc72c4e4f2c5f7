// The audit log's database on SQLite (ADR 0028): the core's LogDatabase port with Dexie's semantics,
// in its own file (DESIGN D5: logs in their own database). Append-only: rows are added after the last
// in one immediate transaction and never updated; what a record means is the Log manager's.
import type Database from "better-sqlite3";
import type { LogDatabase, LogIndexedField, LogRow } from "../../core/storage/index.ts";
import { closedError, decodeRow, encodeRow, openFile, sqliteCall } from "./sqlite-rows.ts";

const SCHEMA = `
  CREATE TABLE records (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    code TEXT,
    app TEXT,
    trace_id TEXT,
    row TEXT NOT NULL
  );
  CREATE INDEX records_kind ON records (kind, seq);
  CREATE INDEX records_code ON records (code, seq);
  CREATE INDEX records_app ON records (app, seq);
  CREATE INDEX records_trace ON records (trace_id, seq);
`;

const COLUMN: Readonly<Record<LogIndexedField, string>> = { kind: "kind", code: "code", app: "app", traceId: "trace_id" };

export function createSqliteLogDatabase<R extends LogRow>(path: string): LogDatabase<R> {
  let db: Database.Database | undefined;

  function use<T>(body: (d: Database.Database) => T): Promise<T> {
    return new Promise<T>((resolve) => {
      if (db === undefined) throw closedError();
      const d = db;
      resolve(sqliteCall(() => body(d)));
    });
  }

  const decode = (found: unknown) => decodeRow((found as { row: string }).row) as R;
  const lastOf = (d: Database.Database) => {
    const found = d.prepare("SELECT row FROM records ORDER BY seq DESC LIMIT 1").get();
    return found === undefined ? undefined : decode(found);
  };

  return {
    // A throw inside a Promise executor rejects it: open fails as a rejection, never synchronously.
    open: () =>
      new Promise<void>((resolve) => {
        db ??= openFile(path, SCHEMA);
        resolve();
      }),
    close: () => {
      db?.close();
      db = undefined;
    },
    isOpen: () => db !== undefined,
    last: () => use(lastOf),
    after: (seq, limit) => use((d) => d.prepare("SELECT row FROM records WHERE seq > ? ORDER BY seq LIMIT ?").all(seq, limit).map(decode)),
    newestFirst: ({ index, beforeSeq, keep, limit }) =>
      use((d) => {
        const upper = beforeSeq ?? Number.MAX_SAFE_INTEGER;
        const statement =
          index === undefined
            ? d.prepare("SELECT row FROM records WHERE seq < ? ORDER BY seq DESC").bind(upper)
            : d.prepare(`SELECT row FROM records WHERE ${COLUMN[index.field]} = ? AND seq < ? ORDER BY seq DESC`).bind(index.value, upper);
        const kept: R[] = [];
        // Walked lazily, so `limit` counts kept rows and a long log is not read whole.
        for (const found of statement.iterate()) {
          if (kept.length >= limit) break;
          const row = decode(found);
          if (keep(row)) kept.push(row);
        }
        return kept;
      }),
    appendAfterLast: (build) =>
      use((d) =>
        d
          .transaction(() => {
            const rows = build(lastOf(d));
            if (rows === undefined) return undefined;
            const insert = d.prepare("INSERT INTO records (seq, kind, code, app, trace_id, row) VALUES (?, ?, ?, ?, ?, ?)");
            for (const row of rows) insert.run(row.seq, row.kind, row.code, row.app, row.traceId, encodeRow(row));
            return rows;
          })
          .immediate(),
      ),
  };
}
