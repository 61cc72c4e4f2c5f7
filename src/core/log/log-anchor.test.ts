// ADR 0017 on the Log manager alone: signed checkpoints, every tamper case of issue 13 item 3 found
// and repaired, fail closed while the database is blocked and recovery by itself, bounded rejection
// floods. Runs on fake-indexeddb in Node and on real IndexedDB in Chromium.
import Dexie from "dexie";
import { describe, expect, it } from "vitest";
import { createSigner, createVerifier } from "../crypto/index.ts";
import { toBase64url } from "../shared/bytes.ts";
import { manualClock } from "../shared/clock.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import type { IdentityId } from "../shared/ids.ts";
import type { JsonValue } from "../shared/json.ts";
import { testIdb, uniqueName } from "../shared/test-support/idb.ts";
import {
  createLogManager,
  logDatabaseName,
  recordHash,
  REJECTION_LIMITS,
  type AuditEntry,
  type AuditRecord,
  type LogAnchor,
} from "./index.ts";
import { blockDatabase } from "../shared/test-support/idb-blocker.ts";

const verifier = await createVerifier("auto");
const nodeSigner = await createSigner({ seed: new Uint8Array(32).fill(3) });
const otherSigner = await createSigner({ seed: new Uint8Array(32).fill(4) });

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    kind: "write_accepted",
    traceId: null,
    code: null,
    actor: null,
    app: null,
    envelopeId: null,
    globalSeq: null,
    message: "m",
    data: {},
    ...overrides,
  };
}

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

/** The node database's side, in memory: the checkpoint beside global_seq. */
function anchorStore(signer = nodeSigner) {
  const state: { value: unknown; globalSeq: number } = { value: undefined, globalSeq: 0 };
  const anchor: LogAnchor = {
    signer,
    verifier,
    store: {
      read: () => Promise.resolve(state.value),
      write: (value: JsonValue) => {
        state.value = value;
        return Promise.resolve();
      },
    },
    globalSeq: () => state.globalSeq,
  };
  return { state, anchor };
}

async function start(name: string, idb: IdbEnvironment, anchor: LogAnchor, clock = manualClock()) {
  const log = createLogManager({ name, idb, clock });
  unwrap(await log.open());
  const repaired = unwrap(await log.anchor(anchor));
  return { log, repaired };
}

async function filled(count = 6) {
  const idb = await testIdb();
  const name = uniqueName("anchored");
  const side = anchorStore();
  const { log } = await start(name, idb, side.anchor);
  unwrap(await log.recordMany(Array.from({ length: count }, (_, i) => entry({ message: `r${i + 1}` }))));
  await log.close(); // waits for the last checkpoint
  return { idb, name, side };
}

/** Tampering at rest, through a second raw connection. */
async function tamper(
  idb: IdbEnvironment,
  name: string,
  work: (records: Dexie.Table<Record<string, unknown>, number>) => Promise<unknown>,
) {
  const db = new Dexie(logDatabaseName(name), { indexedDB: idb.indexedDB, IDBKeyRange: idb.IDBKeyRange });
  db.version(1).stores({ records: "seq, [kind+seq], [code+seq], [app+seq], [traceId+seq]" });
  await work(db.table("records"));
  db.close();
}

function deleteDatabase(idb: IdbEnvironment, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = idb.indexedDB.deleteDatabase(logDatabaseName(name));
    request.onsuccess = () => resolve();
    request.onerror = () => reject(new Error("delete failed"));
  });
}

describe("signed checkpoints (ADR 0017)", () => {
  it("signs the newest head after writes and keeps it beside global_seq", async () => {
    const { side } = await filled(3);
    expect(side.state.value).toMatchObject({ seq: 3, key: toBase64url(nodeSigner.publicKey) });
  });

  it("starts clean on an intact log: no repair, verify intact", async () => {
    const { idb, name, side } = await filled();
    const { log, repaired } = await start(name, idb, side.anchor);
    expect(repaired).toBeNull();
    expect(unwrap(await log.verify())).toMatchObject({ intact: true, length: 6, breaks: [], repairs: [] });
    await log.close();
  });
});

describe("tampering at rest is found and repaired; the log writes on (issue 13 item 3)", () => {
  it("an edited middle record: found by verify, repaired, verifies after", async () => {
    const { idb, name, side } = await filled();
    await tamper(idb, name, (records) => records.update(3, { message: "forged" }));
    const { log } = await start(name, idb, side.anchor);
    expect(unwrap(await log.verify())).toMatchObject({ intact: false, breaks: [{ seq: 3, to: 3, defect: "hash_mismatch" }] });
    expect(await log.verifyChain()).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_RECORD_INVALID", data: { at_seq: 3 } } });
    const repaired = unwrap(await log.repair());
    expect(repaired).toMatchObject({ intact: true, repairs: [{ seq: 7, breaks: [{ seq: 3, defect: "hash_mismatch" }] }] });
    expect(unwrap(await log.record(entry()))).toMatchObject({ seq: 8 });
    expect(unwrap(await log.verify()).intact).toBe(true);
    await log.close();
  });

  it("an edited newest record no longer bricks: repaired at start, then writes continue", async () => {
    const { idb, name, side } = await filled();
    await tamper(idb, name, (records) => records.update(6, { message: "forged" }));
    const { log, repaired } = await start(name, idb, side.anchor);
    expect(repaired).toMatchObject({ intact: true, repairs: [{ seq: 7, breaks: [{ seq: 6, defect: "hash_mismatch" }] }] });
    expect(unwrap(await log.record(entry()))).toMatchObject({ seq: 8 });
    await log.close();
  });

  it("a truncated log: found at start against the checkpoint, the loss recorded", async () => {
    const { idb, name, side } = await filled();
    await tamper(idb, name, (records) => records.bulkDelete([5, 6]));
    const { log, repaired } = await start(name, idb, side.anchor);
    expect(repaired).toMatchObject({ intact: true, length: 5, repairs: [{ seq: 5, breaks: [{ seq: 5, to: 6, defect: "truncated" }] }] });
    await log.close();
  });

  it("a deleted log database: found at start, a new chain opens with the loss recorded", async () => {
    const { idb, name, side } = await filled();
    await deleteDatabase(idb, name);
    const { log, repaired } = await start(name, idb, side.anchor);
    expect(repaired).toMatchObject({ intact: true, length: 1, repairs: [{ seq: 1, breaks: [{ seq: 1, to: 6, defect: "truncated" }] }] });
    await log.close();
  });

  it("a chain rewritten with recomputed hashes: it no longer meets the signed checkpoint", async () => {
    const { idb, name, side } = await filled();
    await tamper(idb, name, async (records) => {
      let prev = ((await records.get(2)) as AuditRecord).hash;
      for (let seq = 3; seq <= 6; seq += 1) {
        const { hash: _old, ...row } = (await records.get(seq)) as AuditRecord;
        const edited = { ...row, message: `rewritten ${seq}`, prevHash: prev };
        prev = recordHash(edited);
        await records.put({ ...edited, hash: prev });
      }
    });
    const { log, repaired } = await start(name, idb, side.anchor);
    expect(repaired).toMatchObject({ intact: true, repairs: [{ seq: 7, breaks: [{ seq: 1, to: 6, defect: "rewritten" }] }] });
    await log.close();
  });

  it("a deleted middle record: a gap, repaired", async () => {
    const { idb, name, side } = await filled();
    await tamper(idb, name, (records) => records.delete(2));
    const { log } = await start(name, idb, side.anchor);
    expect(unwrap(await log.verify()).breaks).toEqual([{ seq: 2, to: 2, defect: "missing" }]);
    expect(unwrap(await log.repair()).intact).toBe(true);
    await log.close();
  });

  it("a checkpoint signed by another key vouches for nothing: the whole chain is marked unvouched", async () => {
    const { idb, name, side } = await filled();
    const other = anchorStore(otherSigner);
    other.state.value = side.state.value;
    const { log, repaired } = await start(name, idb, other.anchor);
    expect(repaired).toMatchObject({ intact: true, repairs: [{ breaks: [{ seq: 1, to: 6, defect: "unvouched" }] }] });
    await log.close();
  });

  it("a forged repair record excuses nothing: only the node key seals one", async () => {
    const { idb, name, side } = await filled();
    await tamper(idb, name, async (records) => {
      await records.update(3, { message: "forged" });
      const last = (await records.get(6)) as AuditRecord;
      const fake = {
        ...entry({ kind: "chain_repaired", data: { breaks: [{ seq: 3, to: 3, defect: "hash_mismatch" }], key: "k", signature: "AAAA" } }),
        seq: 7,
        at: last.at,
        prevHash: last.hash,
      };
      await records.add({ ...fake, hash: recordHash(fake) });
    });
    const { log } = await start(name, idb, side.anchor);
    expect(unwrap(await log.verify())).toMatchObject({ intact: false, breaks: [{ seq: 3, defect: "hash_mismatch" }], repairs: [] });
    await log.close();
  });

  it("names commits that have no outcome record (a crash between commit and log)", async () => {
    const { idb, name, side } = await filled(2);
    side.state.globalSeq = 4;
    const { log } = await start(name, idb, side.anchor);
    const page = unwrap(await log.query({ kind: "write_reconciled" }));
    expect(page.records).toMatchObject([{ globalSeq: 4, data: { from_global_seq: 1, to_global_seq: 4 } }]);
    await log.close();
  });
});

describe("fail closed while the log cannot write, and recovery by itself (ADR 0017)", () => {
  it("refuses writes with ERR_MNG_LOG_UNAVAILABLE while blocked, writes again once released", async () => {
    const idb = await testIdb();
    const name = uniqueName("blocked");
    const side = anchorStore();
    const { log } = await start(name, idb, side.anchor);
    unwrap(await log.record(entry()));
    const blocker = await blockDatabase(idb, logDatabaseName(name));
    expect(await log.record(entry())).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_UNAVAILABLE" } });
    expect(log.isWritable()).toBe(false);
    expect(await log.record(entry())).toMatchObject({ ok: false, error: { code: "ERR_MNG_LOG_UNAVAILABLE" } });
    await blocker.release();
    await log.whenWritable();
    expect(unwrap(await log.record(entry()))).toMatchObject({ seq: 2 });
    expect(unwrap(await log.verify())).toMatchObject({ intact: true, length: 2 });
    await log.close();
  });
});

describe("rejection floods are counted, not recorded one by one (ADR 0017)", () => {
  const junk = (actor: IdentityId | null, i: number) =>
    entry({ kind: "ingest_rejected", code: "ERR_STRUCT_INVALID_ENCODING", actor, message: `junk ${i}` });

  it("10,000 rejections from one source write a bounded number of records, and the count is exact", async () => {
    const clock = manualClock();
    const idb = await testIdb();
    const { log } = await start(uniqueName("flood"), idb, anchorStore().anchor, clock);
    for (let batch = 0; batch < 10; batch += 1) {
      unwrap(await log.recordMany(Array.from({ length: 1000 }, (_, i) => junk(null, batch * 1000 + i))));
      clock.advance(10_000); // ten batches over 100 s: two windows
    }
    unwrap(await log.flushCounts());
    const records = unwrap(await log.query({ limit: 1000 })).records;
    expect(records.length).toBeLessThanOrEqual(4 * REJECTION_LIMITS.individualPerWindow);
    const recorded = records.filter((r) => r.kind === "ingest_rejected").length;
    const counted = records.filter((r) => r.kind === "rejections_counted").reduce((sum, r) => sum + (r.data["count"] as number), 0);
    expect(recorded + counted).toBe(10_000);
    await log.close();
  });

  it("keeps sources apart, and bounds how many it tracks", async () => {
    const clock = manualClock();
    const { log } = await start(uniqueName("sources"), await testIdb(), anchorStore().anchor, clock);
    const actors = Array.from({ length: REJECTION_LIMITS.maxKeys * 2 }, (_, i) => toBase64url(new Uint8Array(32).fill(i)) as IdentityId);
    for (let round = 0; round < 10; round += 1) unwrap(await log.recordMany(actors.map((a, i) => junk(a, round * 1000 + i))));
    unwrap(await log.flushCounts());
    const records = unwrap(await log.query({ limit: 1000 })).records;
    const sources = new Set(records.filter((r) => r.kind === "rejections_counted").map((r) => r.data["source"]));
    expect(sources.size).toBeLessThanOrEqual(REJECTION_LIMITS.maxKeys * 2);
    const counted = records.filter((r) => r.kind === "rejections_counted").reduce((sum, r) => sum + (r.data["count"] as number), 0);
    expect(records.filter((r) => r.kind === "ingest_rejected").length + counted).toBe(actors.length * 10);
    expect(records.length).toBeLessThan(actors.length * 10);
    await log.close();
  });
});
