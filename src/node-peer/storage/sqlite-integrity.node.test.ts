// Integrity at rest (ADR 0018, AC-08) with the node database on SQLite: rows edited or deleted in the
// file behind the node's back, as integrity-at-rest.test.ts does to IndexedDB (its raw-IndexedDB
// tampering cannot reach a SQLite file). Whole nodes, the real check; the file is edited directly.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher, type TestNode } from "../../core/acceptance/fixtures.ts";
import { chooseTestStorage } from "../../core/acceptance/test-storage.ts";
import type { TwoWayNode } from "../../core/index.ts";
import { SqliteStorage } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "twoway-integrity-"));
const fileOf = (t: TestNode) => join(dir, `${t.name}.sqlite`);
chooseTestStorage((name) => new SqliteStorage(join(dir, `${name}.sqlite`)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DOMAINS = ["system/identity", "system/apps", "app.notes/notes"];
const peerOf = (n: TwoWayNode) => ({ identity: n.sync.nodeIdentity, key: n.sync.nodeKey });

/** `to` pulls every domain from `from` until nothing is new. */
async function pull(from: TwoWayNode, to: TwoWayNode): Promise<void> {
  for (const domain of DOMAINS) {
    for (;;) {
      const cursor = (await to.sync.cursors(from.sync.nodeIdentity))[domain] ?? 0;
      const pkg = expectOk(await from.sync.exportPackage(to.sync.nodeIdentity, domain, cursor, 50), "export");
      if (pkg === null) break;
      expectOk(await to.sync.acceptPackage(peerOf(from), new Set(DOMAINS), pkg), `accept ${domain}`);
    }
  }
}

/** Everything `from` would send `to` now, across the domains. */
async function exported(from: TwoWayNode, to: TwoWayNode): Promise<string[]> {
  const texts: string[] = [];
  for (const domain of DOMAINS) {
    for (let after = 0; ;) {
      const pkg = expectOk(await from.sync.exportPackage(to.sync.nodeIdentity, domain, after, 50), "export");
      if (pkg === null) break;
      texts.push(...pkg.envelopes);
      after = pkg.frame.to_seq;
    }
  }
  return texts;
}

/** Runs `edit` on a stopped node's file with a connection of its own: what a disk editor does. */
function onDisk<T>(t: TestNode, edit: (db: Database.Database) => T): T {
  const db = new Database(fileOf(t));
  try {
    return edit(db);
  } finally {
    db.close();
  }
}

async function submit(node: TwoWayNode, me: string, ops: unknown[]) {
  const session = expectOk(await node.openSession({ identityId: me as never, app: "app.notes" }));
  const result = await session.submit({ domain: "notes", ops: ops as never });
  session.close();
  return result;
}

type Fixture = { a: TestNode; b: TestNode; me: string; note: string; digest: string };
let f: Fixture;

beforeEach(async () => {
  const pkg = await (await testPublisher()).package(NOTES_SCHEMA);
  const a = await startNode();
  const b = await startNode();
  for (const n of [a, b]) expectOk(await n.node.apps.install(pkg));
  const me = expectOk(await a.node.identities.create({ name: "Ada" })).identityId;
  const note = expectOk(await submit(a.node, me, [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "First" } } }]))
    .objectIds[0]!;
  expectOk(
    await submit(a.node, me, [{ op: "parent_update", type_key: "notes.note", payload: { parent_id: note, value: { title: "Second" } } }]),
  );
  expectOk(await submit(a.node, me, [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "Other" } } }]));
  await pull(a.node, b.node);
  const digest = (await a.node.stateDigest()).digest;
  expect((await b.node.stateDigest()).digest).toBe(digest);
  f = { a, b, me, note, digest };
});

const restartA = () => startNode({ idb: f.a.idb, name: f.a.name, clock: f.a.clock });
const newest = () =>
  onDisk(
    f.a,
    (db) => db.prepare("SELECT seq, id, row FROM envelopes ORDER BY seq DESC LIMIT 1").get() as { seq: number; id: string; row: string },
  );

describe("integrity at rest on SQLite (ADR 0018)", () => {
  it("rebuilds an object value edited in the file from the envelopes at start", async () => {
    await f.a.node.stop();
    onDisk(f.a, (db) => db.prepare("UPDATE objects SET row = json_set(row, '$.winner.value.title', 'Forged') WHERE id = ?").run(f.note));
    const a = await restartA();
    const report = expectOk(await a.node.checkIntegrity());
    expect(report).toMatchObject({ clean: false });
    expect(report.objectsRebuilt).toBeGreaterThanOrEqual(1);
    expect((await a.node.stateDigest()).digest).toBe(f.digest);
    expect(a.node.health().managers["integrity"]?.detail).toContain("ERR_MNG_STORAGE_INTEGRITY_VIOLATION");
    expect(expectOk(await a.node.checkIntegrity()).clean).toBe(true);
  });

  it("quarantines an envelope whose text was edited: never served or exported, back from the peer", async () => {
    const row = newest();
    await f.a.node.stop();
    const forged = (JSON.parse(row.row) as { text: string }).text.replace('"Other"', '"Forged"');
    onDisk(f.a, (db) => db.prepare("UPDATE envelopes SET row = json_set(row, '$.text', ?) WHERE seq = ?").run(forged, row.seq));
    const a = await restartA();
    const report = expectOk(await a.node.checkIntegrity());
    expect(report.quarantined).toEqual([expect.objectContaining({ id: row.id, seq: row.seq })]);
    expect((await a.node.history({ limit: 1000 })).map((h) => h.id)).not.toContain(row.id);
    expect((await exported(a.node, f.b.node)).some((text) => text.includes("Forged"))).toBe(false);
    expect(onDisk(f.a, (db) => db.prepare("SELECT seq FROM quarantine WHERE id = ?").pluck().get(row.id))).toBe(row.seq);
    await pull(f.b.node, a.node);
    expect((await a.node.stateDigest()).digest).toBe(f.digest);
    expect(expectOk(await a.node.checkIntegrity()).heldAside).toBe(0);
  });

  it("starts after the newest envelope row was deleted, keeps its seq, and gets it back from the peer", async () => {
    const row = newest();
    const seqBefore = f.a.node.globalSeq();
    await f.a.node.stop();
    onDisk(f.a, (db) => db.prepare("DELETE FROM envelopes WHERE seq = ?").run(row.seq));
    const a = await restartA();
    expect(a.node.globalSeq()).toBe(seqBefore);
    const report = expectOk(await a.node.checkIntegrity());
    expect(report.sequence).toEqual({ storedSeq: seqBefore, newestEnvelopeSeq: seqBefore - 1, globalSeq: seqBefore });
    expect(report.missing).toEqual([{ id: row.id, seq: row.seq }]);
    await pull(f.b.node, a.node);
    expect((await a.node.stateDigest()).digest).toBe(f.digest);
    expectOk(await submit(a.node, f.me, [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "After" } } }]));
    expect(a.node.globalSeq()).toBeGreaterThan(seqBefore + 1);
  });

  it("never reuses a seq when global_seq was lowered in the file below the newest envelope", async () => {
    const seqBefore = f.a.node.globalSeq();
    await f.a.node.stop();
    onDisk(f.a, (db) => db.prepare("UPDATE meta SET value = 1 WHERE key = 'global_seq'").run());
    const a = await restartA();
    expect(a.node.globalSeq()).toBe(seqBefore);
    expect((await a.node.stateDigest()).digest).toBe(f.digest);
    expectOk(await submit(a.node, f.me, [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "After" } } }]));
    expect(a.node.globalSeq()).toBe(seqBefore + 1);
  });
});
