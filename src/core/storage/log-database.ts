// The Log manager's own IndexedDB database `twoway-log-<name>` (DESIGN D5: logs in their own database).
// One append-only store keyed by seq; compound indexes serve newest-first filtered queries. Storage
// only: what a record means and how the chain links is the Log manager's (src/core/log/).
import Dexie, { type Table } from "dexie";
import type { IdbEnvironment } from "../shared/idb.ts";

export const LOG_DATABASE_PREFIX = "twoway-log-";

/** The indexed fields of a log row; the Log manager's record type fills in the rest. */
export type LogRow = {
  readonly seq: number;
  readonly kind: string;
  readonly code: string | null;
  readonly app: string | null;
  readonly traceId: string | null;
};

/** A field with its own `[field+seq]` index. */
export type LogIndexedField = "kind" | "code" | "app" | "traceId";

export type NewestFirstQuery<R> = {
  /** Walk `[field+seq]` for this value; without it, walk seq. */
  readonly index?: { readonly field: LogIndexedField; readonly value: string };
  /** Only rows with a smaller seq; all rows when undefined. */
  readonly beforeSeq: number | undefined;
  /** Applied while walking, so `limit` counts kept rows only. */
  readonly keep: (row: R) => boolean;
  readonly limit: number;
};

/** One connection to a log database holding rows of type R (the caller's claim, as with any store). */
export interface LogDatabase<R extends LogRow> {
  open(): Promise<void>;
  close(): void;
  /** False once closed, also when another connection's versionchange closed it. */
  isOpen(): boolean;
  /** The row with the highest seq. */
  last(): Promise<R | undefined>;
  /** Up to `limit` rows with seq above `seq`, oldest first. */
  after(seq: number, limit: number): Promise<R[]>;
  newestFirst(query: NewestFirstQuery<R>): Promise<R[]>;
  /**
   * One read-write transaction: reads the newest row, asks `build` for the rows to append after it,
   * adds them (seqs must be new) and returns them; `undefined` from `build` writes nothing. `build` is
   * synchronous on purpose: IndexedDB commits a transaction that awaits anything else (DESIGN D5).
   */
  appendAfterLast(build: (last: R | undefined) => readonly R[] | undefined): Promise<readonly R[] | undefined>;
}

export function logDatabaseName(name: string): string {
  return `${LOG_DATABASE_PREFIX}${name}`;
}

export function createLogDatabase<R extends LogRow>(name: string, idb: IdbEnvironment): LogDatabase<R> {
  const db = new Dexie(logDatabaseName(name), {
    indexedDB: idb.indexedDB,
    IDBKeyRange: idb.IDBKeyRange,
    // Never reopen behind our back (e.g. after a versionchange closed it): a reopened, emptied
    // database would restart the chain at seq 1. The manager opens it once, explicitly.
    autoOpen: false,
  });
  // Rows whose code, app or traceId is null simply drop out of that index (null is not a key).
  db.version(1).stores({ records: "seq, [kind+seq], [code+seq], [app+seq], [traceId+seq]" });
  // Another connection upgrades or deletes the database: step aside at once (reference pitfall 12).
  // Later writes then fail as ERR_MNG_LOG_UNAVAILABLE instead of blocking it.
  db.on("versionchange", () => {
    db.close();
    return false;
  });
  const records: Table<R, number> = db.table("records");
  const last = () => records.orderBy("seq").last();
  return {
    open: async () => {
      await db.open();
    },
    close: () => db.close(),
    isOpen: () => db.isOpen(),
    last,
    after: (seq, limit) => records.where("seq").above(seq).limit(limit).toArray(),
    newestFirst: ({ index, beforeSeq, keep, limit }) => {
      const upper = beforeSeq ?? Dexie.maxKey;
      const range =
        index === undefined
          ? records.where("seq").below(upper)
          : records.where(`[${index.field}+seq]`).between([index.value, Dexie.minKey], [index.value, upper], true, false);
      return range.reverse().filter(keep).limit(limit).toArray();
    },
    appendAfterLast: (build) =>
      db.transaction("rw", records, async () => {
        const rows = build(await last());
        if (rows !== undefined) await records.bulkAdd(rows);
        return rows;
      }),
  };
}
