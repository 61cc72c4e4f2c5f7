// What SQLite adds to the storage contract (ADR 0022): the file's own refusals and repairs at open
// (ADR 0018), its migration, WAL with one writer, a failed write rolling back its whole batch even
// when caught, and writes outside a batch waiting for it. The file is opened directly here, as an attacker with the disk would.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Budgets } from "../../core/storage/index.ts";
import { envelopeRow, planOf } from "../../core/storage/test-support/rows.ts";
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
    expect(
      onDisk(storage.path, (db) => [db.pragma("journal_mode", { simple: true }), db.pragma("user_version", { simple: true })]),
    ).toEqual(["wal", SCHEMA_VERSION]);
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

  it("repairs a global_seq edited below its newest envelope: the larger kept, cursors forgotten (ADR 0018)", async () => {
    const storage = fresh();
    await storage.open();
    await storage.runWrite(async (tx) => {
      await tx.apply(planOf(envelopeRow(1, "e1")), ROOMY);
      await tx.apply(planOf(envelopeRow(2, "e2")), ROOMY);
      await tx.putCursor({ peer: "peer-1", domain: "d", seq: 7, updatedAt: "2026-01-01T00:00:00.000Z" });
    });
    storage.close();
    onDisk(storage.path, (db) => db.prepare("UPDATE meta SET value = 1 WHERE key = 'global_seq'").run());
    expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 2 } });
    expect(storage.sequenceRepair).toEqual({ storedSeq: 1, newestEnvelopeSeq: 2, globalSeq: 2 });
    expect(await storage.getCursor("peer-1", "d")).toBe(0);
    expect(onDisk(storage.path, (db) => db.prepare("SELECT value FROM meta WHERE key = 'global_seq'").pluck().get())).toBe(2);
  });

  it("keeps global_seq when its newest envelope row was deleted, so that seq is never given out again (ADR 0018)", async () => {
    const storage = fresh();
    await storage.open();
    await storage.runWrite(async (tx) => {
      await tx.apply(planOf(envelopeRow(1, "e1")), ROOMY);
      await tx.apply(planOf(envelopeRow(2, "e2", { deps: ["e1"] })), ROOMY);
    });
    storage.close();
    onDisk(storage.path, (db) => db.prepare("DELETE FROM envelopes WHERE seq = 2").run());
    expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 2 } });
    expect(storage.sequenceRepair).toEqual({ storedSeq: 2, newestEnvelopeSeq: 1, globalSeq: 2 });
    await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(3, "e3")), ROOMY));
    expect((await storage.history({ limit: 10 })).map((e) => e.seq)).toEqual([1, 3]);
    storage.close();
    expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 3 } });
    expect(storage.sequenceRepair).toBeNull();
  });

  it("brings a version 1 file to this version with its rows, adding the quarantine table", async () => {
    const storage = fresh();
    await storage.open();
    await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(1, "e1")), ROOMY));
    storage.close();
    onDisk(storage.path, (db) => {
      db.exec("DROP TABLE quarantine");
      db.pragma("user_version = 1");
    });
    expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 1 } });
    expect(await storage.integrity.listQuarantine()).toEqual([]);
    expect((await storage.getEnvelope("e1"))?.seq).toBe(1);
    expect(onDisk(storage.path, (db) => db.pragma("user_version", { simple: true }))).toBe(SCHEMA_VERSION);
  });

  it("keeps the audit checkpoint as JSON text in meta beside global_seq, and reads an unreadable one as absent", async () => {
    const storage = fresh();
    await storage.open();
    await storage.putAuditCheckpoint({ seq: 3, mac: "x" });
    storage.close();
    expect(onDisk(storage.path, (db) => db.prepare("SELECT value FROM meta WHERE key = 'audit_checkpoint'").pluck().get())).toBe(
      '{"seq":3,"mac":"x"}',
    );
    onDisk(storage.path, (db) => db.prepare("UPDATE meta SET value = '{not json' WHERE key = 'audit_checkpoint'").run());
    await storage.open();
    expect(await storage.auditCheckpoint()).toBeUndefined();
  });

  it("refuses a batch that would grow the file past its cap as ERR_STORAGE_QUOTA, keeping what was there", async () => {
    const storage = new SqliteStorage(join(dir, `capped-${++counter}.sqlite`), { maxBytes: 256 * 1024 });
    opened.push(storage);
    expect((await storage.open()).ok).toBe(true);
    expect((await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(1, "e1")), ROOMY))).ok).toBe(true);
    const big = "x".repeat(64 * 1024);
    const result = await storage.runWrite(async (tx) => {
      for (let seq = 2; seq <= 12; seq++)
        await tx.apply(planOf(envelopeRow(seq, `e${seq}`, { text: big })), { maxEnvelopes: 100, maxBytes: 1e9 });
    });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STORAGE_QUOTA", data: { reason: "quota_exceeded" } } });
    expect(storage.globalSeq).toBe(1);
    expect((await storage.history({ limit: 20 })).map((e) => e.id)).toEqual(["e1"]);
    expect((await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(2, "e2")), ROOMY))).ok).toBe(true);
  });

  it("reports a file it cannot open as data (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const storage = new SqliteStorage(join(dir, "no-such-dir", "node.sqlite"));
    expect(await storage.open()).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_STORAGE_UNAVAILABLE", data: { reason: "open_failed" } },
    });
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
