// The peer's key and log databases are SQLite files (ADR 0028): a restart is the same node (node key,
// identities, audit chain), a missing key file is refused rather than re-keyed, a tampered audit row is
// found by the chain, and a key row that cannot live in a file (a CryptoKey) is refused unwritten.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { KEY_DATABASE_FILE, LOG_DATABASE_FILE, startPeer } from "./peer.ts";
import { createSqliteKeyDatabase, createSqliteLogDatabase } from "./storage/index.ts";
import { decodeRow, encodeRow } from "./storage/sqlite-rows.ts";

const root = mkdtempSync(join(tmpdir(), "twoway-peer-restart-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function started(dataDir: string) {
  const result = await startPeer({ dataDir });
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe("the peer restarts as itself", () => {
  it("keeps its node key, its identity and its audit chain across a restart", { timeout: 120_000 }, async () => {
    const dataDir = join(root, "same");
    const first = await started(dataDir);
    const created = await first.identities.create({ name: "Peer operator" });
    expect(created.ok).toBe(true);
    const nodeIdentity = first.sync.nodeIdentity;
    const keysBefore = await first.identities.list();
    const records = await first.audit.query({ limit: 1000 });
    if (!records.ok) throw new Error(records.error.code);
    const seqBefore = first.globalSeq();
    await first.stop();

    const second = await started(dataDir);
    expect(second.sync.nodeIdentity).toBe(nodeIdentity);
    expect(second.globalSeq()).toBe(seqBefore);
    const keys = await second.identities.list();
    expect(keys).toEqual(keysBefore);
    expect(keys.ok && keys.value.map((key) => key.scope).sort()).toEqual(["identity", "node"]);
    const report = await second.audit.report();
    expect(report).toMatchObject({ ok: true, value: { intact: true, breaks: [], repairs: [] } });
    const after = await second.audit.query({ limit: 1000 });
    if (!after.ok) throw new Error(after.error.code);
    // Nothing lost: every record of the first run is still there, the second run's start appended after it.
    const oldSeqs = records.value.records.map((record) => record.seq);
    expect(after.value.records.map((record) => record.seq)).toEqual(expect.arrayContaining(oldSeqs));
    expect(Math.max(...after.value.records.map((record) => record.seq))).toBeGreaterThan(Math.max(...oldSeqs));
    await second.stop();
  });

  it("refuses to start over its history when the key file is gone (ERR_MNG_KEY_DATABASE_LOST)", { timeout: 120_000 }, async () => {
    const dataDir = join(root, "lost");
    const first = await started(dataDir);
    expect((await first.identities.create({ name: "Someone" })).ok).toBe(true);
    await first.stop();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(join(dataDir, KEY_DATABASE_FILE + suffix), { force: true });
    const second = await startPeer({ dataDir });
    expect(second.ok ? "started" : second.error.code).toBe("ERR_MNG_KEY_DATABASE_LOST");
  });

  it("finds an audit record edited in its file: the chain reports the break", { timeout: 120_000 }, async () => {
    const dataDir = join(root, "tampered");
    const first = await started(dataDir);
    await first.stop();
    const file = new Database(join(dataDir, LOG_DATABASE_FILE));
    const { seq, row } = file.prepare("SELECT seq, row FROM records ORDER BY seq LIMIT 1").get() as { seq: number; row: string };
    file.prepare("UPDATE records SET row = ? WHERE seq = ?").run(JSON.stringify({ ...JSON.parse(row), message: "edited" }), seq);
    file.close();
    const second = await started(dataDir);
    const report = await second.audit.report();
    // The start found the break and recorded a signed repair naming it (ADR 0017); nothing was deleted.
    expect(report.ok && report.value.repairs.flatMap((repair) => repair.breaks.map((b) => b.seq))).toContain(seq);
    await second.stop();
  });
});

describe("the SQLite key and log databases", () => {
  it("refuse a row that cannot be written to a file, and write nothing", { timeout: 60_000 }, async () => {
    const keys = createSqliteKeyDatabase(join(root, "keys-only.sqlite"));
    await keys.open();
    const { privateKey } = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    const row = { keyId: "k1", scope: "node", identityId: null, privateKey };
    await expect(keys.add(row)).rejects.toMatchObject({ name: "DataCloneError" });
    expect(await keys.all()).toEqual([]);
    keys.close();
  });

  it("refuse a second row with the same key id (ConstraintError), and roll a failed transaction back", { timeout: 60_000 }, async () => {
    const keys = createSqliteKeyDatabase(join(root, "keys-tx.sqlite"));
    await keys.open();
    const row = { keyId: "k1", scope: "node", identityId: null, seed: new Uint8Array(32).fill(7) };
    await keys.add(row);
    await expect(keys.add(row)).rejects.toMatchObject({ name: "ConstraintError" });
    await expect(
      keys.readWrite(async () => {
        await keys.add({ ...row, keyId: "k2" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await keys.all()).toEqual([row]);
    keys.close();
    await expect(keys.get("k1")).rejects.toMatchObject({ name: "InvalidStateError" });
  });

  it("append only after the last row: a seq already taken fails the whole append", { timeout: 60_000 }, async () => {
    const log = createSqliteLogDatabase(join(root, "log-only.sqlite"));
    await log.open();
    const rec = (seq: number) => ({ seq, kind: "node_started", code: null, app: null, traceId: null });
    await log.appendAfterLast(() => [rec(1), rec(2)]);
    await expect(log.appendAfterLast(() => [rec(3), rec(2)])).rejects.toMatchObject({ name: "ConstraintError" });
    expect(await log.last()).toEqual(rec(2));
    expect(await log.newestFirst({ index: { field: "kind", value: "node_started" }, beforeSeq: 2, keep: () => true, limit: 5 })).toEqual([
      rec(1),
    ]);
    log.close();
    expect(log.isOpen()).toBe(false);
  });

  it("keep bytes as bytes through a row's text", () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    expect(decodeRow(encodeRow({ seed: bytes, nested: [bytes] }))).toEqual({ seed: bytes, nested: [bytes] });
  });
});
