// What SQLite adds to the storage contract (ADR 0022): the file's own refusals at open, WAL with one
// writer, a failed write rolling back its whole batch even when caught, and writes outside a batch
// waiting for it. The file is opened directly here, as an attacker with the disk would.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Budgets } from "../../core/storage/index.ts";
import { envelopeRow, planOf } from "../../core/storage/test-support/storage-contract.ts";
import { SCHEMA_VERSION, SqliteStorage } from "./index.ts";

const ROOMY: Budgets = { maxEnvelopes: 1000, maxBytes: 1_000_000 };
const dir = mkdtempSync(join(tmpdir(), "twoway-sqlite-"));
let counter = 0;
const opened: SqliteStorage[] = [];

function fresh(): SqliteStorage {
  const storage = new SqliteStorage(join(dir, `node-${++counter}.sqlite`));
  opened.push(storage);
  return storage;
}

/** Runs `edit` on the file with a connection of its own, then closes it. */
function onDisk<T>(path: string, edit: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return edit(db);
  } finally {
    db.close();
  }
}

afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SQLite node database", () => {
  it("keeps the file in WAL mode with the schema version it wrote", async () => {
    const storage = fresh();
    expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 0 } });
    storage.close();
    expect(onDisk(storage.path, (db) => [db.pragma("journal_mode", { simple: true }), db.pragma("user_version", { simple: true })])).toEqual([
      "wal",
      SCHEMA_VERSION,
    ]);
  });

  it("refuses a file written by a newer schema and leaves it as it was (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const storage = fresh();
    onDisk(storage.path, (db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`));
    expect(await storage.open()).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_STORAGE_UNAVAILABLE", data: { reason: "schema_newer", found: SCHEMA_VERSION + 1 } },
    });
    expect(onDisk(storage.path, (db) => db.prepare("SELECT count(*) AS n FROM sqlite_master").get())).toEqual({ n: 0 });
  });

  it("refuses to open a file whose global_seq does not match its last envelope (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const storage = fresh();
    await storage.open();
    await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(1, "e1")), ROOMY));
    storage.close();
    onDisk(storage.path, (db) => db.prepare("UPDATE meta SET value = 5 WHERE key = 'global_seq'").run());
    expect(await storage.open()).toMatchObject({ ok: false, error: { code: "ERR_MNG_STORAGE_UNAVAILABLE", data: { reason: "sequence_mismatch" } } });
  });

  it("reports a file it cannot open as data (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const storage = new SqliteStorage(join(dir, "no-such-dir", "node.sqlite"));
    expect(await storage.open()).toMatchObject({ ok: false, error: { code: "ERR_MNG_STORAGE_UNAVAILABLE", data: { reason: "open_failed" } } });
  });

  it("rolls back the whole batch when one of its writes failed, even if the work caught it (ERR_MNG_STORAGE_TX_ABORTED)", async () => {
    const storage = fresh();
    await storage.open();
    const result = await storage.runWrite(async (tx) => {
      await tx.apply(planOf(envelopeRow(1, "e1")), ROOMY);
      // The same id at the next seq: the unique index refuses it.
      const refused = await tx.apply(planOf(envelopeRow(2, "e1")), ROOMY).catch((cause: unknown) => cause);
      expect(refused).toBeInstanceOf(Error);
    });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_MNG_STORAGE_TX_ABORTED", data: { reason: "commit_failed" } } });
    expect(storage.globalSeq).toBe(0);
    expect(await storage.history({ limit: 10 })).toEqual([]);
  });

  it("holds a write made outside a batch until the batch ends, and keeps it when the batch rolls back", async () => {
    const storage = fresh();
    await storage.open();
    let outside: Promise<unknown> | undefined;
    const result = await storage.runWrite(async (tx) => {
      await tx.apply(planOf(envelopeRow(1, "e1")), ROOMY);
      outside = storage.putPending({ id: "p1", text: "t", missing: ["m1"], receivedAt: "2026-01-01T00:00:00.000Z" } as never);
      expect(await tx.getPending("p1")).toBeUndefined();
      throw new Error("the batch fails");
    });
    expect(result.ok).toBe(false);
    expect(await outside).toEqual({ ok: true, value: undefined });
    expect((await storage.pendingWaitingForAny(["m1"])).map((p) => p.id)).toEqual(["p1"]);
    expect(await storage.getEnvelope("e1")).toBeUndefined();
  });
});
