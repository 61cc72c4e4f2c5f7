// The integrity check's own guarantees (ADR 0018): while it runs, what it has found bad is withheld
// (reads, history and exports ask isWithheld); a row swapped for another valid envelope is caught by
// its id; a row whose indexed fields were edited is rewritten from its own verified text.
import { describe, expect, it } from "vitest";
import { createVerifier } from "../crypto/index.ts";
import { IntegrityChecker } from "../graph/index.ts";
import { StorageManager } from "../storage/index.ts";
import { stubTextOf } from "../wire/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, startNode, testPublisher, writeNotes, type TestNode } from "./fixtures.ts";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("request failed"));
  });
}

type Row = { seq: number; id: string; text: string; authorKey: string };
type StubShape = { id: string; text: string };

/** The stub rows, or one edited in place, through the raw IndexedDB API. */
async function stubs(t: TestNode, edit?: StubShape): Promise<StubShape[]> {
  const db = await request(t.idb.indexedDB.open(`twoway-node-${t.name}`));
  try {
    const store = db.transaction("stubs", "readwrite").objectStore("stubs");
    if (edit !== undefined) await request(store.put(edit));
    return (await request(store.getAll())) as StubShape[];
  } finally {
    db.close();
  }
}

/** All envelope rows, or one edited in place, through the raw IndexedDB API. */
async function envelopes(t: TestNode, edit?: Row): Promise<Row[]> {
  const db = await request(t.idb.indexedDB.open(`twoway-node-${t.name}`));
  try {
    const tx = db.transaction("envelopes", "readwrite");
    const store = tx.objectStore("envelopes");
    if (edit !== undefined) await request(store.put(edit));
    return (await request(store.getAll())) as Row[];
  } finally {
    db.close();
  }
}

/** A stopped node with three notes, and a checker over its database whose write queue we hold. */
async function stoppedNode(): Promise<{ t: TestNode; rows: Row[] }> {
  const t = await startNode();
  expectOk(await t.node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  await writeNotes(t.node, expectOk(await t.node.identities.create({ name: "Ada" })).identityId, ["one", "two", "three"]);
  await t.node.stop();
  return { t, rows: await envelopes(t) };
}

async function checkerOver(t: TestNode, exclusive: <T>(work: () => Promise<T>) => Promise<T> = (work) => work()) {
  const storage = new StorageManager(t.name, t.idb);
  expectOk(await storage.open());
  const audit = { record: () => Promise.resolve() };
  return { storage, checker: new IntegrityChecker({ storage, verifier: await createVerifier("auto"), exclusive, audit, clock: t.clock }) };
}

describe("the integrity check (ADR 0018)", () => {
  it("withholds an envelope it found bad, and its objects, until the repair has run", async () => {
    const { t, rows } = await stoppedNode();
    const newest = rows.at(-1)!;
    await envelopes(t, { ...newest, text: newest.text.replace('"three"', '"forged"') });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const { storage, checker } = await checkerOver(t, async (work) => {
      entered();
      await held;
      return work();
    });
    expect(checker.isWithheld(newest.id)).toBe(false);
    const running = checker.check();
    await inside; // the signatures are checked; the repair waits for the write queue
    expect(checker.isWithheld(newest.id)).toBe(true);
    expect(checker.isWithheld(`${newest.id}:0`)).toBe(true);
    expect(checker.isWithheld(`${rows[0]!.id}:0`)).toBe(false);
    release();
    const report = expectOk(await running);
    expect(report.quarantined.map((q) => q.id)).toEqual([newest.id]);
    expect(checker.isWithheld(newest.id)).toBe(false); // repaired: the row is out of history now
    expect(await storage.getEnvelope(newest.id)).toBeUndefined();
    storage.close();
  });

  it("quarantines a row whose text was swapped for another valid envelope (id_mismatch)", async () => {
    const { t, rows } = await stoppedNode();
    const [older, newest] = [rows.at(-2)!, rows.at(-1)!];
    await envelopes(t, { ...newest, text: older.text });
    const { storage, checker } = await checkerOver(t);
    const report = expectOk(await checker.check());
    expect(report.quarantined).toEqual([expect.objectContaining({ id: newest.id, reason: "id_mismatch" })]);
    expect((await storage.getEnvelope(older.id))?.text).toBe(older.text);
    storage.close();
  });

  it("rewrites a row's indexed fields from its own verified text", async () => {
    const { t, rows } = await stoppedNode();
    const newest = rows.at(-1)!;
    await envelopes(t, { ...newest, authorKey: rows[0]!.authorKey === newest.authorKey ? "AAAA" : rows[0]!.authorKey });
    const { storage, checker } = await checkerOver(t);
    const report = expectOk(await checker.check());
    expect(report).toMatchObject({ envelopeRowsFixed: 1, quarantined: [] });
    expect((await storage.getEnvelope(newest.id))?.authorKey).toBe(newest.authorKey);
    expect(expectOk(await checker.check()).clean).toBe(true);
    storage.close();
  });

  it("quarantines a stub whose text no longer verifies, so it is never exported (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const t = await startNode();
    const stranger = await ChainWriter.create(77);
    const genesis = await stranger.genesis("Stranger");
    expect(expectOk(await t.node.ingest(stubTextOf(genesis.text))).status).toBe("stub");
    await t.node.stop();
    const [held] = await stubs(t);
    await stubs(t, { ...held!, text: held!.text.replace(/"lamport":0/, '"lamport":5') });
    const { storage, checker } = await checkerOver(t);
    const report = expectOk(await checker.check());
    expect(report.quarantined).toEqual([expect.objectContaining({ id: genesis.id, seq: 0 })]);
    expect(report.quarantined[0]!.code).toBe("ERR_CRYPTO_INVALID_SIGNATURE");
    expect(await storage.getStubs([genesis.id])).toEqual([undefined]);
    storage.close();
  });

  it("waits for its delay at start: the open and a write on a clean store do not wait for it, an explicit check starts it", async () => {
    const { t } = await stoppedNode();
    const late = { "integrity.start.delay_ms": 600_000 };
    const again = await startNode({ idb: t.idb, name: t.name, clock: t.clock, config: late });
    const ada = expectOk(await again.node.identities.held())[0]!.identityId;
    await writeNotes(again.node, ada, ["four"]);
    expect(again.node.health().managers["integrity"]?.state).toBe("starting"); // no check has run yet
    expect(expectOk(await again.node.checkIntegrity())).toMatchObject({ clean: true, envelopes: again.node.globalSeq() });
    expect(again.node.health().managers["integrity"]?.state).toBe("healthy");
    await again.node.stop();
  });

  it("runs at once when the open found a sign of damage, and holds writes for it (a repaired global_seq)", async () => {
    const { t, rows } = await stoppedNode();
    const db = await request(t.idb.indexedDB.open(`twoway-node-${t.name}`));
    await request(db.transaction("envelopes", "readwrite").objectStore("envelopes").delete(rows.at(-1)!.seq));
    db.close();
    const late = { "integrity.start.delay_ms": 600_000 };
    const again = await startNode({ idb: t.idb, name: t.name, clock: t.clock, config: late });
    const ada = expectOk(await again.node.identities.held())[0]!.identityId;
    const session = expectOk(await again.node.openSession({ identityId: ada, app: "app.notes" }));
    const refused = await session.submit({
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "fork?" } } }],
    });
    expect(refused.ok ? null : refused.error).toMatchObject({
      code: "ERR_MNG_STORAGE_INTEGRITY_VIOLATION",
      data: { reason: "history_incomplete" },
    });
    expect(again.node.health().managers["integrity"]?.state).toBe("degraded");
    await again.node.stop();
  });
});
