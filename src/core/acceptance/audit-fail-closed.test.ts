// Issue 13 items 3 and 5, black-box through createNode (ADR 0017): with the log blocked the node takes
// no change (coded, nothing committed) and takes them again by itself once it can; every tamper case
// of the log at rest is found at start or on verify, the node stays usable and the repair verifies;
// an unknown op name and a quota failure are coded and audited. Node (fake-indexeddb) and Chromium.
import Dexie from "dexie";
import { afterEach, describe, expect, it } from "vitest";
import { logDatabaseName, recordHash, type AuditRecord } from "../log/index.ts";
import { blockDatabase } from "../shared/test-support/idb-blocker.ts";
import type { TwoWayNode } from "../node.ts";
import { platformIdb, type IdbEnvironment } from "../shared/idb.ts";
import { ChainWriter, expectOk, meet, NOTES_SCHEMA, startNode, testPublisher, writeNotes } from "./fixtures.ts";
import { otherTestStorage } from "./test-storage.ts";

const running: TwoWayNode[] = [];
afterEach(async () => {
  for (const node of running.splice(0)) await node.stop();
});

async function notesNode(options: { name?: string; idb?: IdbEnvironment } = {}) {
  const started = await startNode(options);
  running.push(started.node);
  return started;
}

async function withNotes(node: TwoWayNode) {
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  const me = expectOk(await node.identities.create({ name: "Me" })).identityId;
  return expectOk(await node.openSession({ identityId: me, app: "app.notes" }));
}

const note = (title: string) => ({
  domain: "notes",
  ops: [{ op: "parent_create" as const, type_key: "notes.note", payload: { value: { title } } }],
});

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

describe("fail closed: the log blocked, writes refused with a code, accepted again after (ADR 0017)", () => {
  it("refuses local writes and ingest while blocked (ERR_MNG_LOG_UNAVAILABLE), nothing commits, then recovers by itself", async () => {
    const { node, idb, name } = await notesNode();
    const session = await withNotes(node);
    const writer = await ChainWriter.create(31, new Map());
    const genesis = (await writer.genesis()).text;
    const seq = node.globalSeq();
    const digest = await node.stateDigest();

    const blocker = await blockDatabase(idb, logDatabaseName(name));
    const refused = { ok: false, error: { code: "ERR_MNG_LOG_UNAVAILABLE", category: "storage" } };
    expect(await session.submit(note("while blocked"))).toMatchObject(refused);
    expect(await node.ingest(genesis)).toMatchObject(refused);
    expect(await node.identities.create({ name: "Blocked" })).toMatchObject(refused);
    expect(node.globalSeq()).toBe(seq);
    expect(await node.stateDigest()).toEqual(digest);
    expect(node.health()).toMatchObject({ ready: false, managers: { log: { state: "degraded", detail: "ERR_MNG_LOG_UNAVAILABLE" } } });

    await blocker.release();
    await node.audit.whenWritable();
    const written = expectOk(await session.submit(note("after")));
    expect(written.seq).toBe(seq + 1);
    expect(expectOk(await node.ingest(genesis)).status).toBe("accepted");
    expect(node.health()).toMatchObject({ ready: true, managers: { log: { state: "healthy" } } });
    const kinds = expectOk(await node.audit.query({ limit: 4 })).records.map((r) => r.kind);
    expect(kinds).toEqual(["ingest_accepted_range", "write_intent", "write_accepted", "write_intent"]);
    expect(expectOk(await node.audit.report()).intact).toBe(true);
  });
});

describe("sync ingest while the log is blocked (ADR 0017)", () => {
  it("takes nothing from a peer while blocked, without blaming the peer, and catches up once the log writes", async () => {
    const a = await notesNode();
    const b = await notesNode();
    const publisher = await testPublisher();
    for (const n of [a.node, b.node]) expectOk(await n.apps.install(await publisher.package(NOTES_SCHEMA)));
    const me = expectOk(await a.node.identities.create({ name: "A" })).identityId;
    await writeNotes(a.node, me, ["one", "two"]);
    const seq = b.node.globalSeq();

    const blocker = await blockDatabase(b.idb, logDatabaseName(b.name));
    await meet(a.node, b.node);
    expect(b.node.globalSeq()).toBe(seq);
    expect(await b.node.stateDigest({ app: "app.notes" })).toMatchObject({ objects: 0 });

    await blocker.release();
    await b.node.audit.whenWritable();
    await meet(a.node, b.node);
    expect(await b.node.stateDigest({ app: "app.notes" })).toEqual(await a.node.stateDigest({ app: "app.notes" }));
    expect(expectOk(await b.node.audit.report()).intact).toBe(true);
  });
});

describe("tampering with the log at rest: found, the node stays usable, the repair verifies (issue 13 item 3)", () => {
  type Case = [string, (idb: IdbEnvironment, name: string) => Promise<unknown>, "start" | "verify"];
  const cases: Case[] = [
    ["an edited middle record", (idb, name) => tamper(idb, name, (r) => r.update(2, { message: "forged" })), "verify"],
    [
      "an edited newest record",
      (idb, name) => tamper(idb, name, async (r) => r.update((await r.orderBy("seq").last())!.seq as number, { message: "forged" })),
      "start",
    ],
    ["a truncated log", (idb, name) => tamper(idb, name, async (r) => r.bulkDelete([(await r.count()) - 1, await r.count()])), "start"],
    [
      "a deleted log database",
      (idb, name) =>
        new Promise<void>((resolve, reject) => {
          const request = idb.indexedDB.deleteDatabase(logDatabaseName(name));
          request.onsuccess = () => resolve();
          request.onerror = () => reject(new Error("delete failed"));
        }),
      "start",
    ],
    [
      "a chain rewritten with recomputed hashes",
      (idb, name) =>
        tamper(idb, name, async (records) => {
          const rows = (await records.orderBy("seq").toArray()) as unknown as AuditRecord[];
          let prev = rows[0]!.prevHash;
          for (const { hash: _old, ...row } of rows) {
            const edited = { ...row, message: `${row.message} (rewritten)`, prevHash: prev };
            prev = recordHash(edited);
            await records.put({ ...edited, hash: prev });
          }
        }),
      "start",
    ],
  ];

  it.each(cases)("%s", async (_label, attack, foundAt) => {
    const { node, idb, name } = await notesNode();
    const session = await withNotes(node);
    expectOk(await session.submit(note("before")));
    const digest = await node.stateDigest();
    expect(expectOk(await node.audit.report()).intact).toBe(true);
    await node.stop();
    running.splice(running.indexOf(node), 1);
    await attack(idb, name);

    const { node: again } = await notesNode({ name, idb });
    const found = expectOk(await again.audit.report());
    if (foundAt === "start") {
      // Found at start and repaired at once: the break is on record, signed, and the log verifies.
      expect(found.intact).toBe(true);
      expect(found.repairs).toHaveLength(1);
    } else {
      expect(found.intact).toBe(false);
      expect(found.breaks.length).toBeGreaterThan(0);
      const repaired = expectOk(await again.audit.repair());
      expect(repaired).toMatchObject({ intact: true, repairs: [{ breaks: found.breaks }] });
    }
    const repairs = expectOk(await again.audit.query({ kind: "chain_repaired" })).records;
    expect(repairs[0]).toMatchObject({ code: "ERR_MNG_LOG_CHAIN_BROKEN" });
    // The graph is untouched and the node takes writes again.
    expect(await again.stateDigest()).toEqual(digest);
    const me = expectOk(await again.identities.list()).find((key) => key.scope === "identity")!.identityId!;
    const reopened = expectOk(await again.openSession({ identityId: me, app: "app.notes" }));
    expectOk(await reopened.submit(note("after")));
    expect(expectOk(await again.audit.report()).intact).toBe(true);
  });
});

describe("small defects of issue 13 item 5", () => {
  it("an unknown op name is a coded rejection (ERR_STRUCT_INVALID_TYPE, unknown_op), audited, nothing written", async () => {
    const { node } = await notesNode();
    const session = await withNotes(node);
    const seq = node.globalSeq();
    const result = await session.submit({ domain: "notes", ops: [{ op: "parent_delete", type_key: "notes.note", payload: {} }] as never });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "unknown_op" } } });
    expect(node.globalSeq()).toBe(seq);
    const audited = expectOk(await node.audit.query({ kind: "write_rejected", limit: 1 })).records[0];
    expect(audited).toMatchObject({ code: "ERR_STRUCT_INVALID_TYPE", data: { app: "app.notes" } });
  });

  // The disk-full injection is IndexedDB's; it cannot reach the node database on SQLite (ADR 0022).
  it.skipIf(otherTestStorage())("a quota failure is ERR_STORAGE_QUOTA, its refused write audited, nothing committed", async () => {
    const { node } = await notesNode();
    const session = await withNotes(node);
    const seq = node.globalSeq();
    const digest = await node.stateDigest();
    // The disk is full for the node database only: the log still writes (it has its own database).
    const scope = platformIdb() !== undefined ? globalThis : ((await import("fake-indexeddb")) as unknown as typeof globalThis);
    const proto = (scope as unknown as { IDBObjectStore: { prototype: Record<string, (...args: unknown[]) => unknown> } }).IDBObjectStore
      .prototype;
    const saved = { add: proto["add"]!, put: proto["put"]! };
    for (const method of ["add", "put"] as const) {
      proto[method] = function (this: { transaction: { db: { name: string } } }, ...args: unknown[]) {
        if (this.transaction.db.name.startsWith("twoway-node-")) throw new DOMException("injected: disk full", "QuotaExceededError");
        return saved[method].apply(this, args);
      };
    }
    let result;
    try {
      result = await session.submit(note("no room"));
    } finally {
      Object.assign(proto, saved);
    }
    expect(result).toMatchObject({
      ok: false,
      error: { code: "ERR_STORAGE_QUOTA", category: "storage", data: { reason: "quota_exceeded" } },
    });
    expect(node.globalSeq()).toBe(seq);
    expect(await node.stateDigest()).toEqual(digest);
    const audited = expectOk(await node.audit.query({ kind: "write_rejected", limit: 1 })).records[0];
    expect(audited).toMatchObject({ code: "ERR_STORAGE_QUOTA" });
  });

  it("a stopped node is not ready", async () => {
    const { node } = await notesNode();
    expect(node.health().ready).toBe(true);
    running.splice(running.indexOf(node), 1);
    await node.stop();
    expect(node.health().ready).toBe(false);
  });
});
