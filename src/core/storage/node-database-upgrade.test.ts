// A node database written by the previous layout (Dexie version 3) opens under the lean one (version
// 4, ADR 0033): its rows read back, the dropped indexes are gone, and the next write commits after them.
import Dexie from "dexie";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { uniqueName } from "../shared/test-support/idb.ts";
import { StorageManager } from "./index.ts";
import { envelopeRow, objectRow, planOf, ROOMY, unwrap, versionRow } from "./test-support/rows.ts";

/** The schema as version 3 left it, written the way that layout wrote it. */
async function writeVersion3(name: string, idb: IDBFactory): Promise<void> {
  const db = new Dexie(`twoway-node-${name}`, { indexedDB: idb, IDBKeyRange });
  db.version(3).stores({
    envelopes: "seq, &id, [authorKey+keySeq], [app+seq], authorId, *deps",
    objects: "[app+id], &id, [app+kind+typeKey], [app+parent], [app+owner]",
    versions: "[objectId+envelopeId+opIndex], objectId, envelopeId",
    pending: "id, *missing",
    forks: "[authorKey+keySeq]",
    identities: "id, rootKey",
    apps: "slug, &localId",
    settings: "key",
    meta: "key",
    cursors: "[peer+domain], peer",
    stubs: "id, [authorKey+keySeq]",
    quarantine: "id, seq",
  });
  await db.open();
  await db.table("envelopes").bulkAdd([envelopeRow(1, "e1"), envelopeRow(2, "e2")]);
  await db.table("objects").bulkAdd([objectRow("o1", 1, "e1")]);
  await db.table("versions").bulkAdd([versionRow("o1", 1, "e1")]);
  await db.table("meta").bulkPut([
    { key: "global_seq", value: 2 },
    { key: "stored_bytes", value: "text of e1".length + "text of e2".length },
  ]);
  db.close();
}

describe("the node database's upgrade to the lean layout (ADR 0033)", () => {
  it("opens a version 3 database: its rows read back, the unused indexes are gone, and writes go on", async () => {
    const name = uniqueName("upgrade");
    const idb = new IDBFactory();
    await writeVersion3(name, idb);
    const storage = new StorageManager(name, { indexedDB: idb, IDBKeyRange });
    expect(unwrap(await storage.open())).toEqual({ globalSeq: 2 });
    expect(await storage.history({ limit: 10 })).toEqual([envelopeRow(1, "e1"), envelopeRow(2, "e2")]);
    expect(await storage.getObject("o1")).toEqual(objectRow("o1", 1, "e1"));
    expect(await storage.versionsOf("o1")).toEqual([versionRow("o1", 1, "e1")]);
    expect(await storage.envelopeIdsAtKeySeq("key-1", 2)).toEqual(["e2"]);
    unwrap(await storage.runWrite(async (tx) => void unwrap(await tx.apply(planOf(envelopeRow(3, "e3")), ROOMY))));
    expect(storage.globalSeq).toBe(3);
    storage.close();
    const raw = new Dexie(`twoway-node-${name}`, { indexedDB: idb, IDBKeyRange });
    await raw.open();
    expect(raw.verno).toBe(4);
    expect(raw.table("envelopes").schema.indexes.map((i) => i.name)).not.toContain("authorId");
    expect(raw.table("objects").schema.indexes.map((i) => i.name)).not.toContain("[app+owner]");
    raw.close();
  });
});
