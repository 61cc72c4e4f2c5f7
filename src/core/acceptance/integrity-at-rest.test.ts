// Integrity at rest (ADR 0018, issue 13 item 4, AC-08): rows edited or deleted in IndexedDB behind the
// node's back. One test per case; each is detected at start or on check, the node stays usable,
// nothing tampered is served or exported, and the repair gives the digest from before the tampering
// (from local envelopes, or from a peer where the lost data exists only there). In Chromium this
// runs on real IndexedDB (vitest browser mode); the tampering uses the raw IndexedDB API.
import { beforeEach, describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import { createNode } from "../node.ts";
import type { IdentityId } from "../shared/ids.ts";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher, type TestNode } from "./fixtures.ts";

const DOMAINS = ["system/identity", "system/apps", "app.notes/notes"];
const ALL = new Set(DOMAINS);
const peerOf = (n: TwoWayNode) => ({ identity: n.sync.nodeIdentity, key: n.sync.nodeKey });

/** `to` pulls every domain from `from` until nothing is new. */
async function pull(from: TwoWayNode, to: TwoWayNode): Promise<void> {
  for (const domain of DOMAINS) {
    for (;;) {
      const cursor = (await to.sync.cursors(from.sync.nodeIdentity))[domain] ?? 0;
      const pkg = expectOk(await from.sync.exportPackage(to.sync.nodeIdentity, domain, cursor, 50), "export");
      if (pkg === null) break;
      expectOk(await to.sync.acceptPackage(peerOf(from), ALL, pkg), `accept ${domain}`);
    }
  }
}

/** Everything `from` would send `to` now, across the domains. */
async function exported(from: TwoWayNode, to: TwoWayNode): Promise<string[]> {
  const texts: string[] = [];
  for (const domain of DOMAINS) {
    let after = 0;
    for (;;) {
      const pkg = expectOk(await from.sync.exportPackage(to.sync.nodeIdentity, domain, after, 50), "export");
      if (pkg === null) break;
      texts.push(...pkg.envelopes);
      after = pkg.frame.to_seq;
    }
  }
  return texts;
}

// ---- the raw IndexedDB API: what a script or a disk editor does, without the node's code ----
function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("request failed"));
  });
}

async function rawDb(t: TestNode, prefix = "twoway-node-"): Promise<IDBDatabase> {
  return request(t.idb.indexedDB.open(`${prefix}${t.name}`));
}

/** Runs `body` on one store of the node database in a readwrite transaction, then closes. */
async function tamper<T>(t: TestNode, store: string, body: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await rawDb(t);
  try {
    const tx = db.transaction(store, "readwrite");
    const result = await request(body(tx.objectStore(store)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error("transaction failed"));
    });
    return result;
  } finally {
    db.close();
  }
}

type EnvelopeRowShape = { seq: number; id: string; text: string; app: string };
type ObjectRowShape = { app: string; id: string; winner: { value: { title: string } } };

const newestEnvelope = (t: TestNode) =>
  tamper<IDBCursorWithValue | null>(t, "envelopes", (s) => s.openCursor(null, "prev")).then((c) => c!.value as EnvelopeRowShape);

type Fixture = { a: TestNode; b: TestNode; me: IdentityId; digest: string; note: string };

/** A with notes (one created, then updated), B synced with A; both clean. */
async function fixture(): Promise<Fixture> {
  const pkg = await (await testPublisher()).package(NOTES_SCHEMA);
  const a = await startNode();
  const b = await startNode();
  for (const n of [a, b]) expectOk(await n.node.apps.install(pkg));
  const me = expectOk(await a.node.identities.create({ name: "Ada" })).identityId;
  const session = expectOk(await a.node.openSession({ identityId: me, app: "app.notes" }));
  const created = expectOk(
    await session.submit({
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "First" } } }],
    }),
  );
  const note = created.objectIds[0]!;
  expectOk(
    await session.submit({
      domain: "notes",
      ops: [{ op: "parent_update", type_key: "notes.note", payload: { parent_id: note, value: { title: "Second" } } }],
    }),
  );
  expectOk(
    await session.submit({
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "Other" } } }],
    }),
  );
  session.close();
  await pull(a.node, b.node);
  for (const n of [a, b]) expect(expectOk(await n.node.checkIntegrity()).clean).toBe(true);
  const digest = (await a.node.stateDigest()).digest;
  expect((await b.node.stateDigest()).digest).toBe(digest);
  return { a, b, me, digest, note };
}

async function restart(t: TestNode): Promise<TestNode> {
  await t.node.stop();
  return startNode({ idb: t.idb, name: t.name, clock: t.clock });
}

async function readTitle(node: TwoWayNode, me: IdentityId, id: string): Promise<string | undefined> {
  const session = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
  const read = expectOk(await session.read({ target: "parent", ids: [id] }));
  session.close();
  return (read.rows[0]?.value as { title?: string } | undefined)?.title;
}

async function canWrite(node: TwoWayNode, me: IdentityId): Promise<void> {
  const session = expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
  expectOk(
    await session.submit({
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "After" } } }],
    }),
    "write after repair",
  );
  session.close();
  expect(await node.forks()).toEqual([]); // writing again never forked the node's own key
}

async function integrityAudit(node: TwoWayNode) {
  return expectOk(await node.audit.query({ kind: "integrity_repaired" })).records;
}

let f: Fixture;
beforeEach(async () => {
  f = await fixture();
});

describe("integrity at rest: tampered rows are detected and rebuilt (ADR 0018, AC-08)", () => {
  it("rebuilds an edited object value from the envelopes at start (ERR_MNG_STORAGE_INTEGRITY_VIOLATION)", async () => {
    await f.a.node.stop();
    const row = await tamper<ObjectRowShape | undefined>(
      f.a,
      "objects",
      (s) => s.index("id").get(f.note) as IDBRequest<ObjectRowShape | undefined>,
    );
    await tamper(f.a, "objects", (s) => s.put({ ...row!, winner: { ...row!.winner, value: { title: "Forged" } } }));
    const a = await startNode({ idb: f.a.idb, name: f.a.name, clock: f.a.clock });
    const report = expectOk(await a.node.checkIntegrity()); // joins the check that started with the node
    expect(report.clean).toBe(false);
    expect(report.objectsRebuilt).toBeGreaterThanOrEqual(1);
    expect(await readTitle(a.node, f.me, f.note)).toBe("Second");
    expect((await a.node.stateDigest()).digest).toBe(f.digest);
    const health = a.node.health().managers["integrity"];
    expect(health?.state).toBe("degraded");
    expect(health?.detail).toContain("ERR_MNG_STORAGE_INTEGRITY_VIOLATION");
    expect((await integrityAudit(a.node)).map((r) => r.code)).toContain("ERR_MNG_STORAGE_INTEGRITY_VIOLATION");
    await canWrite(a.node, f.me);
    expect(expectOk(await a.node.checkIntegrity()).clean).toBe(true);
  });

  it("rebuilds an edited version row on check while the node runs", async () => {
    const versions = await tamper<{ objectId: string; value: unknown }[]>(
      f.a,
      "versions",
      (s) => s.index("objectId").getAll(f.note) as IDBRequest<{ objectId: string; value: unknown }[]>,
    );
    expect(versions).toHaveLength(2);
    await tamper(f.a, "versions", (s) => s.put({ ...versions[0]!, value: { title: "Forged history" } }));
    const report = expectOk(await f.a.node.checkIntegrity());
    expect(report.versionsRebuilt).toBe(1);
    const after = await tamper<{ value: unknown }[]>(
      f.a,
      "versions",
      (s) => s.index("objectId").getAll(f.note) as IDBRequest<{ value: unknown }[]>,
    );
    expect(after.map((v) => v.value)).toEqual(versions.map((v) => v.value));
    expect((await f.a.node.stateDigest()).digest).toBe(f.digest);
  });

  it("quarantines an envelope whose text no longer verifies: never served or exported, back from the peer (ERR_MNG_STORAGE_INTEGRITY_VIOLATION)", async () => {
    const newest = await newestEnvelope(f.a);
    await f.a.node.stop();
    const forged = newest.text.replace('"Other"', '"Forged"');
    expect(forged).not.toBe(newest.text);
    await tamper(f.a, "envelopes", (s) => s.put({ ...newest, text: forged }));
    const a = await startNode({ idb: f.a.idb, name: f.a.name, clock: f.a.clock });
    const report = expectOk(await a.node.checkIntegrity());
    expect(report.quarantined).toEqual([expect.objectContaining({ id: newest.id, seq: newest.seq })]);
    expect(report.quarantined[0]!.code).toMatch(/^ERR_/);
    expect(report.heldAside).toBe(1);
    // Not served: not in history, and its object is gone; not exported to any peer.
    expect((await a.node.history({ limit: 1000 })).map((h) => h.id)).not.toContain(newest.id);
    expect((await exported(a.node, f.b.node)).some((text) => text.includes("Forged"))).toBe(false);
    expect((await integrityAudit(a.node)).map((r) => r.envelopeId)).toContain(newest.id);
    expect(a.node.health().managers["integrity"]?.detail).toContain("ERR_MNG_STORAGE_INTEGRITY_VIOLATION");
    // The peer still holds the real envelope: ordinary sync brings it back (the cursors were reset).
    await pull(f.b.node, a.node);
    expect((await a.node.stateDigest()).digest).toBe(f.digest);
    expect(expectOk(await a.node.checkIntegrity()).heldAside).toBe(0);
    await canWrite(a.node, f.me);
  });

  it("starts after the newest envelope was deleted, and gets it back from the peer (sequence repaired)", async () => {
    const newest = await newestEnvelope(f.a);
    const seqBefore = f.a.node.globalSeq();
    await f.a.node.stop();
    await tamper(f.a, "envelopes", (s) => s.delete(newest.seq));
    const a = await startNode({ idb: f.a.idb, name: f.a.name, clock: f.a.clock });
    // No number a peer may have seen is reused.
    expect(a.node.globalSeq()).toBe(seqBefore);
    const report = expectOk(await a.node.checkIntegrity());
    expect(report.sequence).toEqual({ storedSeq: seqBefore, newestEnvelopeSeq: seqBefore - 1, globalSeq: seqBefore });
    expect(report.objectsRebuilt).toBe(1); // the deleted envelope's note: nothing backs it any more
    expect(report.missing).toEqual([{ id: newest.id, seq: newest.seq }]);
    expect(a.node.health().managers["integrity"]?.state).toBe("degraded");
    // Writing now would sign a second envelope at the lost one's key seq: a fork of Ada's own key.
    const session = expectOk(await a.node.openSession({ identityId: f.me, app: "app.notes" }));
    const refused = await session.submit({
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "Too soon" } } }],
    });
    session.close();
    expect(refused.ok ? null : refused.error).toMatchObject({
      code: "ERR_MNG_STORAGE_INTEGRITY_VIOLATION",
      data: { reason: "history_incomplete" },
    });
    expect(a.node.globalSeq()).toBe(seqBefore); // the refused write changed nothing
    // Still missing after a restart: the node remembers what it waits for.
    const again = await restart(a);
    expect(expectOk(await again.node.checkIntegrity()).heldAside).toBe(1);
    await pull(f.b.node, again.node);
    expect(expectOk(await again.node.checkIntegrity()).heldAside).toBe(0);
    expect((await again.node.stateDigest()).digest).toBe(f.digest);
    expect((await again.node.history({ limit: 1000 })).map((h) => h.id)).toContain(newest.id);
    await canWrite(again.node, f.me);
  });

  it("starts after global_seq was bumped, keeps the digest, and writes on from the bumped number", async () => {
    const seqBefore = f.a.node.globalSeq();
    await f.a.node.stop();
    await tamper(f.a, "meta", (s) => s.put({ key: "global_seq", value: seqBefore + 7 }));
    const a = await startNode({ idb: f.a.idb, name: f.a.name, clock: f.a.clock });
    expect(a.node.globalSeq()).toBe(seqBefore + 7);
    const report = expectOk(await a.node.checkIntegrity());
    expect(report.sequence).toEqual({ storedSeq: seqBefore + 7, newestEnvelopeSeq: seqBefore, globalSeq: seqBefore + 7 });
    expect(report.objectsRebuilt).toBe(0);
    expect((await a.node.stateDigest()).digest).toBe(f.digest);
    await canWrite(a.node, f.me);
    expect(a.node.globalSeq()).toBe(seqBefore + 8);
    // The peer still receives the new write across the gap.
    await pull(a.node, f.b.node);
    expect((await f.b.node.stateDigest()).digest).toBe((await a.node.stateDigest()).digest);
  });

  it("never reuses a seq when global_seq was lowered below the newest envelope", async () => {
    const seqBefore = f.a.node.globalSeq();
    await f.a.node.stop();
    await tamper(f.a, "meta", (s) => s.put({ key: "global_seq", value: 1 }));
    const a = await startNode({ idb: f.a.idb, name: f.a.name, clock: f.a.clock });
    expect(a.node.globalSeq()).toBe(seqBefore);
    expect((await a.node.stateDigest()).digest).toBe(f.digest);
    await canWrite(a.node, f.me);
    expect(a.node.globalSeq()).toBe(seqBefore + 1);
  });

  it("refuses to start over an existing graph whose key database was deleted (ERR_MNG_KEY_DATABASE_LOST)", async () => {
    const seqBefore = f.a.node.globalSeq();
    await f.a.node.stop();
    await request(f.a.idb.indexedDB.deleteDatabase(`twoway-keys-${f.a.name}`));
    for (let attempt = 0; attempt < 2; attempt++) {
      // "Try again" gives the same answer: no new identity is minted over the old graph.
      const started = await createNode({ name: f.a.name, idb: f.a.idb, clock: f.a.clock });
      expect(started.ok).toBe(false);
      if (started.ok) return;
      expect(started.error.code).toBe("ERR_MNG_KEY_DATABASE_LOST");
      expect(started.error.data["reason"]).toBe("key_database_lost");
    }
    const keys = await rawDb(f.a, "twoway-keys-");
    const count = await request(keys.transaction("keys").objectStore("keys").count());
    keys.close();
    expect(count).toBe(0);
    const meta = await tamper<{ value: number } | undefined>(
      f.a,
      "meta",
      (s) => s.get("global_seq") as IDBRequest<{ value: number } | undefined>,
    );
    expect(meta?.value).toBe(seqBefore); // the graph was left as it was
  });

  it("keeps a clean node clean: the check changes nothing and reports nothing", async () => {
    const a = await restart(f.a);
    const report = expectOk(await a.node.checkIntegrity());
    expect(report).toMatchObject({ clean: true, quarantined: [], objectsRebuilt: 0, versionsRebuilt: 0, sequence: null });
    expect(await integrityAudit(a.node)).toEqual([]);
    expect(a.node.health().managers["integrity"]?.state).toBe("healthy");
  });
});
