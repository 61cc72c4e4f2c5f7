// The one suite every storage adapter passes (STYLE principle 4): Dexie on fake-indexeddb in Node and
// on the real IndexedDB in Chromium, SQLite in Node (ADR 0022). Rows are built by hand (rows.ts); what is checked
// is what the Graph relies on (atomic batches, one sequence).
import { afterEach, describe, expect, it } from "vitest";
import { AssertionError } from "../../shared/assert.ts";
import { nodeError } from "../../shared/errors.ts";
import { AbortWrite, type NodeStorage, type CursorRow, type EnvelopeRow, type ForkRow, type PendingRow, type WriteTx } from "../index.ts";
import { AT, envelopeRow, objectRow, planOf, ROOMY, stubRow, unwrap, versionRow } from "./rows.ts";

/** A node database adapter over a fresh, empty database that no other call shares; not yet opened. */
export type StorageFactory = () => Promise<NodeStorage>;

function fork(authorKey: string, keySeq: number, envelopeIds: readonly string[]): ForkRow {
  return { authorKey, keySeq, envelopeIds, detectedAt: AT };
}

function pending(id: string, missing: readonly string[]): PendingRow {
  return { id, text: `pending ${id}`, missing, receivedAt: AT } as PendingRow;
}

function cursor(peer: string, seq: number): CursorRow {
  return { peer, domain: "domain-a", seq, updatedAt: AT };
}

/**
 * Inside a `describe`: storages from `make`, each closed after its case; `made` as made (not yet
 * opened), `fresh` opened.
 */
export function storagesClosedAfterEach(make: StorageFactory): {
  readonly made: () => Promise<NodeStorage>;
  readonly fresh: () => Promise<NodeStorage>;
} {
  const opened: NodeStorage[] = [];
  afterEach(() => {
    for (const storage of opened.splice(0)) storage.close();
  });
  const made = async (): Promise<NodeStorage> => {
    const storage = await make();
    opened.push(storage);
    return storage;
  };
  const fresh = async (): Promise<NodeStorage> => {
    const storage = await made();
    unwrap(await storage.open());
    return storage;
  };
  return { made, fresh };
}

export function runStorageContract(make: StorageFactory): void {
  describe("storage contract", () => {
    const { made, fresh } = storagesClosedAfterEach(make);

    /** Commits envelopes 1..n of key-1 (ids e1..en), one plan each, in one batch. */
    async function seeded(n: number, over: (seq: number) => Partial<EnvelopeRow> = () => ({})): Promise<NodeStorage> {
      const storage = await fresh();
      unwrap(
        await storage.runWrite(async (tx) => {
          for (let seq = 1; seq <= n; seq++) unwrap(await tx.apply(planOf(envelopeRow(seq, `e${seq}`, over(seq))), ROOMY));
        }),
      );
      return storage;
    }

    async function expectNothingWritten(storage: NodeStorage): Promise<void> {
      expect(storage.globalSeq).toBe(0);
      expect(storage.storedBytes).toBe(0);
      expect(await storage.history({ limit: 10 })).toEqual([]);
      expect(await storage.getEnvelope("e1")).toBeUndefined();
      expect(await storage.getObject("o1")).toBeUndefined();
      expect(await storage.versionsOf("o1")).toEqual([]);
      expect(await storage.getIdentity("id-1")).toBeUndefined();
      expect(await storage.getStubs(["s1"])).toEqual([undefined]);
      expect(await storage.countStubs()).toBe(0);
      expect(await storage.listForks()).toEqual([]);
      expect(await storage.getCursor("peer-1", "domain-a")).toBe(0);
      expect(await storage.countPending()).toBe(0);
    }

    /** Writes one of everything, then lets `end` decide how the batch ends. */
    function everything(end: () => never) {
      return async (tx: WriteTx) => {
        unwrap(
          await tx.apply(
            planOf(envelopeRow(1, "e1"), {
              objects: [objectRow("o1", 1, "e1")],
              versions: [versionRow("o1", 1, "e1")],
              identity: { id: "id-1", rootKey: "key-1", genesisId: "e1", seq: 1 },
            }),
            ROOMY,
          ),
        );
        await tx.holdStub({ stub: stubRow("s1", "key-2", 1), fork: fork("key-2", 1, ["s1", "x"]) });
        await tx.putCursor(cursor("peer-1", 7));
        unwrap(await tx.putPending(pending("p1", ["e9"])));
        expect(tx.globalSeq).toBe(1);
        return end();
      };
    }

    it("opens an empty database at global_seq 0 with no rows", async () => {
      const storage = await made();
      expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 0 } });
      await expectNothingWritten(storage);
    });

    it("writes a plan's rows and moves global_seq by exactly one", async () => {
      const storage = await fresh();
      const result = await storage.runWrite(async (tx) => {
        const applied = await tx.apply(
          planOf(envelopeRow(1, "e1"), {
            objects: [objectRow("o1", 1, "e1")],
            versions: [versionRow("o1", 1, "e1")],
            identity: { id: "id-1", rootKey: "key-1", genesisId: "e1", seq: 1 },
          }),
          ROOMY,
        );
        expect(tx.globalSeq).toBe(1);
        return applied;
      });
      expect(result).toEqual({ ok: true, value: { ok: true, value: { seq: 1 } } });
      expect(storage.globalSeq).toBe(1);
      expect(storage.storedBytes).toBe("text of e1".length);
      expect(await storage.getEnvelope("e1")).toEqual(envelopeRow(1, "e1"));
      expect(await storage.getObject("o1")).toEqual(objectRow("o1", 1, "e1"));
      expect(await storage.getObjects(["o1", "o2"])).toEqual(new Map([["o1", objectRow("o1", 1, "e1")]]));
      expect(await storage.objectsOfType("app-a", "parent", "note")).toEqual([objectRow("o1", 1, "e1")]);
      expect(await storage.versionsOf("o1")).toEqual([versionRow("o1", 1, "e1")]);
      expect(await storage.versionsOfEnvelopes(["e1"])).toEqual([versionRow("o1", 1, "e1")]);
      expect(await storage.getIdentity("id-1")).toEqual({ id: "id-1", rootKey: "key-1", genesisId: "e1", seq: 1 });
      expect(await storage.listIdentities()).toHaveLength(1);
    });

    it("looks up many envelopes and objects at once: envelopes in the order asked, objects in id order, absent ones missing", async () => {
      const storage = await fresh();
      const ids = ["e3", "e1", "e2"];
      await storage.runWrite(async (tx) => {
        for (const [i, id] of ["e1", "e2", "e3"].entries()) {
          const envelope = envelopeRow(i + 1, id);
          await tx.apply(planOf(envelope, { objects: [objectRow(`o${i + 1}`, i + 1, id)] }), ROOMY);
        }
      });
      const rows = await storage.getEnvelopes([...ids, "e9", "e1"]);
      expect(rows.map((row) => row?.id)).toEqual(["e3", "e1", "e2", undefined, "e1"]);
      const objects = await storage.getObjects(["o3", "o9", "o1", "o2", "o1"]);
      expect([...objects.keys()]).toEqual(["o1", "o2", "o3"]);
      expect(objects.get("o3")).toEqual(objectRow("o3", 3, "e3"));
      expect(await storage.getObjects(["o9", "o8"])).toEqual(new Map());
    });

    it("rejects a plan whose seq is not global_seq + 1 and writes nothing of its batch (ERR_MNG_GRAPH_SEQUENCE_CONFLICT)", async () => {
      const storage = await fresh();
      const skipped = await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(2, "e2")), ROOMY));
      expect(skipped).toMatchObject({ ok: false, error: { code: "ERR_MNG_GRAPH_SEQUENCE_CONFLICT", data: { expected: 2, stored: 0 } } });
      const gap = await storage.runWrite(async (tx) => {
        unwrap(await tx.apply(planOf(envelopeRow(1, "e1")), ROOMY));
        return tx.apply(planOf(envelopeRow(3, "e3")), ROOMY);
      });
      expect(gap).toMatchObject({ ok: false, error: { code: "ERR_MNG_GRAPH_SEQUENCE_CONFLICT", data: { expected: 3, stored: 1 } } });
      await expectNothingWritten(storage);
      const replay = await (await seeded(1)).runWrite((tx) => tx.apply(planOf(envelopeRow(1, "e1b")), ROOMY));
      expect(replay).toMatchObject({ ok: false, error: { code: "ERR_MNG_GRAPH_SEQUENCE_CONFLICT" } });
    });

    it("rolls back every row of a batch whose work throws (ERR_MNG_STORAGE_TX_ABORTED)", async () => {
      const storage = await fresh();
      const result = await storage.runWrite(
        everything(() => {
          throw new Error("the graph found a bug");
        }),
      );
      expect(result).toMatchObject({ ok: false, error: { code: "ERR_MNG_STORAGE_TX_ABORTED", data: { reason: "commit_failed" } } });
      await expectNothingWritten(storage);
    });

    it("rolls back every row of a batch aborted with AbortWrite and reports its coded error (ERR_MNG_GRAPH_OPERATION_INVALID)", async () => {
      const storage = await fresh();
      const reason = nodeError("ERR_MNG_GRAPH_OPERATION_INVALID", "one envelope of the package failed", { index: 3 });
      const result = await storage.runWrite(
        everything(() => {
          throw new AbortWrite(reason);
        }),
      );
      expect(result).toEqual({ ok: false, error: reason });
      await expectNothingWritten(storage);
    });

    it("refuses a plan over the envelope budget, writing nothing of it, and commits the rest of the batch (ERR_MNG_STORAGE_BUDGET_EXCEEDED)", async () => {
      const storage = await fresh();
      const result = await storage.runWrite(async (tx) => {
        unwrap(await tx.apply(planOf(envelopeRow(1, "e1")), { ...ROOMY, maxEnvelopes: 1 }));
        const over = await tx.apply(planOf(envelopeRow(2, "e2"), { objects: [objectRow("o2", 2, "e2")] }), { ...ROOMY, maxEnvelopes: 1 });
        expect(tx.globalSeq).toBe(1);
        return over;
      });
      expect(unwrap(result)).toMatchObject({
        ok: false,
        error: { code: "ERR_MNG_STORAGE_BUDGET_EXCEEDED", data: { reason: "max_envelopes" } },
      });
      expect(storage.globalSeq).toBe(1);
      expect(await storage.getEnvelope("e2")).toBeUndefined();
      expect(await storage.getObject("o2")).toBeUndefined();
    });

    it("refuses a plan over the byte budget and writes nothing of it (ERR_MNG_STORAGE_BUDGET_EXCEEDED)", async () => {
      const storage = await fresh();
      const budget = { ...ROOMY, maxBytes: "text of e1".length };
      const result = await storage.runWrite(async (tx) => {
        unwrap(await tx.apply(planOf(envelopeRow(1, "e1")), budget));
        return tx.apply(planOf(envelopeRow(2, "e2")), budget);
      });
      expect(unwrap(result)).toMatchObject({
        ok: false,
        error: { code: "ERR_MNG_STORAGE_BUDGET_EXCEEDED", data: { reason: "max_bytes" } },
      });
      expect(storage.globalSeq).toBe(1);
      expect(storage.storedBytes).toBe("text of e1".length);
      expect(await storage.history({ limit: 10 })).toEqual([envelopeRow(1, "e1")]);
    });

    for (const warmed of [false, true]) {
      it(`reads the transaction's own envelopes, stubs, seq listings and forks inside it${warmed ? ", after prefetch cached their absence" : ""}`, async () => {
        const storage = await fresh();
        const ids = ["e1", "s2", "s1b"];
        unwrap(
          await storage.runWrite(async (tx) => {
            if (warmed) {
              await tx.prefetch({
                envelopeIds: ids,
                keySeqs: [
                  ["key-1", 1],
                  ["key-1", 2],
                ],
                own: [
                  { id: "e1", authorKey: "key-1", keySeq: 1 },
                  { id: "s2", authorKey: "key-1", keySeq: 2 },
                  { id: "s1b", authorKey: "key-1", keySeq: 1 },
                ],
              });
              expect(await tx.forkedAtOrBefore("key-1", 9)).toBe(false);
            }
            unwrap(await tx.apply(planOf(envelopeRow(1, "e1")), ROOMY));
            await tx.holdStub({ stub: stubRow("s2", "key-1", 2) });
            await tx.holdStub({ stub: stubRow("s1b", "key-1", 1), fork: fork("key-1", 1, ["e1", "s1b"]) });
            expect(await tx.getEnvelopes(ids)).toEqual([envelopeRow(1, "e1"), undefined, undefined]);
            expect(await tx.getEnvelope("e1")).toEqual(envelopeRow(1, "e1"));
            expect(await tx.getStubs(ids)).toEqual([undefined, stubRow("s2", "key-1", 2), stubRow("s1b", "key-1", 1)]);
            expect((await tx.envelopeIdsAtKeySeq("key-1", 1)).sort()).toEqual(["e1", "s1b"]);
            expect(await tx.envelopeIdsAtKeySeq("key-1", 2)).toEqual(["s2"]);
            expect(await tx.forkedAtOrBefore("key-1", 0)).toBe(false);
            expect(await tx.forkedAtOrBefore("key-1", 1)).toBe(true);
            expect(await tx.envelopesOfKeyFrom("key-1", 1)).toEqual([envelopeRow(1, "e1")]);
          }),
        );
        expect(await storage.getStubs(ids)).toEqual([undefined, stubRow("s2", "key-1", 2), stubRow("s1b", "key-1", 1)]);
        expect((await storage.envelopeIdsAtKeySeq("key-1", 1)).sort()).toEqual(["e1", "s1b"]);
        expect(await storage.forkedAtOrBefore("key-1", 1)).toBe(true);
      });
    }

    it("answers a batch's prefetch from its keys' seqs: stored rows, their listings, and the absence of the rest", async () => {
      const storage = await seeded(3);
      unwrap(
        await storage.runWrite(async (tx) => {
          await tx.prefetch({
            envelopeIds: ["e2", "x3", "e4", "e1"],
            keySeqs: [
              ["key-1", 2],
              ["key-1", 3],
              ["key-1", 4],
            ],
            // x3 claims key-1's seq 3, where e3 is stored: it is not stored there, so it is not stored.
            own: [
              { id: "e2", authorKey: "key-1", keySeq: 2 },
              { id: "x3", authorKey: "key-1", keySeq: 3 },
              { id: "e4", authorKey: "key-1", keySeq: 4 },
            ],
          });
          expect(await tx.getEnvelopes(["e2", "x3", "e4", "e1", "e3"])).toEqual([
            envelopeRow(2, "e2"),
            undefined,
            undefined,
            envelopeRow(1, "e1"),
            envelopeRow(3, "e3"),
          ]);
          expect(await tx.envelopeIdsAtKeySeq("key-1", 1)).toEqual(["e1"]);
          expect(await tx.envelopeIdsAtKeySeq("key-1", 3)).toEqual(["e3"]);
          expect(await tx.envelopeIdsAtKeySeq("key-1", 4)).toEqual([]);
          unwrap(await tx.apply(planOf(envelopeRow(4, "e4")), ROOMY));
          expect(await tx.getEnvelope("e4")).toEqual(envelopeRow(4, "e4"));
          expect(await tx.envelopeIdsAtKeySeq("key-1", 4)).toEqual(["e4"]);
        }),
      );
      expect(await storage.getEnvelope("e4")).toEqual(envelopeRow(4, "e4"));
    });

    it("reads back, inside the transaction, what plans applied just before: objects, identity, versions, listings, forks, pending", async () => {
      const storage = await seeded(1);
      unwrap(await storage.runWrite(async (tx) => unwrap(await tx.putPending(pending("e3", ["e2"])))));
      const updated = { ...objectRow("o1", 3, "e3"), typeKey: "note" };
      unwrap(
        await storage.runWrite(async (tx) => {
          unwrap(
            await tx.apply(
              planOf(envelopeRow(2, "e2"), {
                objects: [objectRow("o1", 2, "e2")],
                versions: [versionRow("o1", 2, "e2")],
                identity: { id: "id-1", rootKey: "key-1", genesisId: "e2", seq: 2 },
              }),
              ROOMY,
            ),
          );
          // A second plan at key-1's seq 2 (a fork) that replaces o1 and withdraws e1 (stored) and e2 (just applied).
          unwrap(
            await tx.apply(
              planOf(envelopeRow(3, "e3", { keySeq: 2 }), {
                objects: [updated],
                versions: [versionRow("o1", 3, "e3")],
                fork: fork("key-1", 2, ["e2", "e3"]),
                suppressEnvelopes: ["e1", "e2"],
                removePending: ["e3"],
              }),
              ROOMY,
            ),
          );
          expect(await tx.getObject("o1")).toEqual(updated);
          expect(await tx.getObjects(["o1", "o9"])).toEqual(new Map([["o1", updated]]));
          expect(await tx.getIdentity("id-1")).toEqual({ id: "id-1", rootKey: "key-1", genesisId: "e2", seq: 2 });
          expect((await tx.envelopeIdsAtKeySeq("key-1", 2)).sort()).toEqual(["e2", "e3"]);
          expect(await tx.forkedAtOrBefore("key-1", 2)).toBe(true);
          expect(await tx.forkedAtOrBefore("key-1", 1)).toBe(false);
          expect((await tx.getEnvelopes(["e1", "e2"])).map((row) => row?.status)).toEqual(["suppressed", "suppressed"]);
          expect(await tx.getPending("e3")).toBeUndefined();
          expect(await tx.countPending()).toBe(0);
          expect(await tx.objectsOfType("app-a", "parent", "note")).toEqual([updated]);
          expect((await tx.versionsOf("o1")).map((v) => v.envelopeId).sort()).toEqual(["e2", "e3"]);
          expect((await tx.envelopesOfKeyFrom("key-1", 2)).map((row) => [row.id, row.status])).toEqual([
            ["e2", "suppressed"],
            ["e3", "accepted"],
          ]);
          expect(await tx.listIdentities()).toHaveLength(1);
        }),
      );
      expect(storage.globalSeq).toBe(3);
      expect(await storage.getObject("o1")).toEqual(updated);
      expect((await storage.getEnvelopes(["e1", "e2", "e3"])).map((row) => row?.status)).toEqual(["suppressed", "suppressed", "accepted"]);
      expect(await storage.forkedAtOrBefore("key-1", 2)).toBe(true);
      expect(await storage.countPending()).toBe(0);
    });

    it("writes nothing of a batch whose rows the database refuses when the batch ends (ERR_MNG_STORAGE_TX_ABORTED)", async () => {
      const storage = await seeded(1);
      // e1's id again at a new seq: the envelope store's unique id refuses it, and the plan before it goes too.
      const refused = await storage.runWrite(async (tx) => {
        unwrap(await tx.apply(planOf(envelopeRow(2, "e2"), { objects: [objectRow("o2", 2, "e2")] }), ROOMY));
        unwrap(await tx.apply(planOf(envelopeRow(3, "e1")), ROOMY));
      });
      expect(refused).toMatchObject({ ok: false, error: { code: "ERR_MNG_STORAGE_TX_ABORTED" } });
      expect(storage.globalSeq).toBe(1);
      expect(await storage.getEnvelope("e2")).toBeUndefined();
      expect(await storage.getObject("o2")).toBeUndefined();
      expect(await storage.history({ limit: 10 })).toEqual([envelopeRow(1, "e1")]);
    });

    it("never shows a reader outside the write its uncommitted rows, cached or stored", async () => {
      const storage = await fresh();
      let outside: Promise<(EnvelopeRow | undefined)[]> | undefined;
      const result = await storage.runWrite(async (tx) => {
        unwrap(await tx.apply(planOf(envelopeRow(1, "e1")), ROOMY));
        await tx.holdStub({ stub: stubRow("s1", "key-2", 1) });
        // A timer callback runs outside Dexie's zone, as a concurrent reader does. The transaction is
        // kept busy with its own requests until that reader has asked (bounded, so a bug fails, not hangs).
        setTimeout(() => {
          outside ??= storage.getEnvelopes(["e1"]);
        }, 0);
        for (let i = 0; outside === undefined && i < 100_000; i++) await tx.countPending();
        // An adapter whose requests never yield to timers (SQLite) has no zone: the manager's own call
        // is outside the write. On Dexie the timer has fired by now; had it not, this read would join
        // the write and the test fail.
        outside ??= storage.getEnvelopes(["e1"]);
        throw new AbortWrite(nodeError("ERR_MNG_GRAPH_OPERATION_INVALID"));
      });
      expect(result).toMatchObject({ ok: false, error: { code: "ERR_MNG_GRAPH_OPERATION_INVALID" } });
      expect(await outside).toEqual([undefined]);
      await expectNothingWritten(storage);
    });

    it("upgrades a held stub in place: the stub goes, the envelope holds its id and its place at the key's seq", async () => {
      const storage = await fresh();
      unwrap(await storage.runWrite((tx) => tx.holdStub({ stub: stubRow("s1", "key-1", 1), removePending: ["p0"] })));
      expect(storage.globalSeq).toBe(0);
      expect(await storage.getStubs(["s1"])).toEqual([stubRow("s1", "key-1", 1)]);
      expect(await storage.stubIds("", 10)).toEqual(["s1"]);
      expect(await storage.envelopeIdsAtKeySeq("key-1", 1)).toEqual(["s1"]);
      unwrap(
        await storage.runWrite(async (tx) => {
          await tx.prefetch({ envelopeIds: ["s1"], keySeqs: [["key-1", 1]] });
          unwrap(await tx.apply(planOf(envelopeRow(1, "s1"), { replacesStub: "s1" }), ROOMY));
          expect(await tx.getStubs(["s1"])).toEqual([undefined]);
          expect(await tx.getEnvelope("s1")).toEqual(envelopeRow(1, "s1"));
          expect(await tx.envelopeIdsAtKeySeq("key-1", 1)).toEqual(["s1"]);
        }),
      );
      expect(await storage.getStubs(["s1"])).toEqual([undefined]);
      expect(await storage.countStubs()).toBe(0);
      expect(await storage.getEnvelope("s1")).toEqual(envelopeRow(1, "s1"));
      expect(await storage.envelopeIdsAtKeySeq("key-1", 1)).toEqual(["s1"]);
    });

    it("lists every envelope and stub a key signed at one seq, and only those", async () => {
      const storage = await fresh();
      unwrap(
        await storage.runWrite(async (tx) => {
          unwrap(await tx.apply(planOf(envelopeRow(1, "a")), ROOMY));
          await tx.holdStub({ stub: stubRow("b", "key-1", 1) });
          unwrap(await tx.apply(planOf(envelopeRow(2, "c")), ROOMY));
          unwrap(await tx.apply(planOf(envelopeRow(3, "d", { authorKey: "key-2", keySeq: 1 })), ROOMY));
        }),
      );
      expect((await storage.envelopeIdsAtKeySeq("key-1", 1)).sort()).toEqual(["a", "b"]);
      expect(await storage.envelopeIdsAtKeySeq("key-1", 2)).toEqual(["c"]);
      expect(await storage.envelopeIdsAtKeySeq("key-1", 3)).toEqual([]);
      expect(await storage.envelopeIdsAtKeySeq("key-2", 1)).toEqual(["d"]);
      expect((await storage.envelopesOfKeyFrom("key-1", 2)).map((e) => e.id)).toEqual(["c"]);
      expect((await storage.lastOfKey("key-1"))?.id).toBe("c");
    });

    it("tells whether a key forked at or before a seq, from a fork row written with a plan", async () => {
      const storage = await fresh();
      unwrap(await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(1, "e1"), { fork: fork("key-9", 3, ["f", "g"]) }), ROOMY)));
      expect(await storage.forkedAtOrBefore("key-9", 2)).toBe(false);
      expect(await storage.forkedAtOrBefore("key-9", 3)).toBe(true);
      expect(await storage.forkedAtOrBefore("key-9", 5)).toBe(true);
      expect(await storage.forkedAtOrBefore("key-1", 5)).toBe(false);
      expect(await storage.getFork("key-9", 3)).toEqual(fork("key-9", 3, ["f", "g"]));
      unwrap(
        await storage.runWrite(async (tx) => {
          expect(await tx.forkedAtOrBefore("key-9", 2)).toBe(false);
          unwrap(await tx.apply(planOf(envelopeRow(2, "e2"), { fork: fork("key-9", 1, ["h", "i"]) }), ROOMY));
          expect(await tx.forkedAtOrBefore("key-9", 2)).toBe(true);
        }),
      );
      expect(await storage.listForks()).toHaveLength(2);
    });

    it("finds an envelope's dependents by deps, never by prev", async () => {
      const storage = await fresh();
      unwrap(
        await storage.runWrite(async (tx) => {
          unwrap(await tx.apply(planOf(envelopeRow(1, "a")), ROOMY));
          unwrap(await tx.apply(planOf(envelopeRow(2, "b", { prev: "a" })), ROOMY));
          unwrap(await tx.apply(planOf(envelopeRow(3, "c", { deps: ["a", "b"] })), ROOMY));
          expect((await tx.dependentsOf("a")).map((e) => e.id)).toEqual(["c"]);
        }),
      );
      expect((await storage.dependentsOf("a")).map((e) => e.id)).toEqual(["c"]);
      expect((await storage.dependentsOf("b")).map((e) => e.id)).toEqual(["c"]);
      expect(await storage.dependentsOf("c")).toEqual([]);
    });

    it("pages history in global_seq order by afterSeq, for all apps or one", async () => {
      const storage = await seeded(5, (seq) => ({ app: seq % 2 === 0 ? "app-b" : "app-a" }));
      const ids = (rows: EnvelopeRow[]) => rows.map((e) => e.id);
      expect(ids(await storage.history({ limit: 2 }))).toEqual(["e1", "e2"]);
      expect(ids(await storage.history({ afterSeq: 2, limit: 2 }))).toEqual(["e3", "e4"]);
      expect(ids(await storage.history({ afterSeq: 4, limit: 10 }))).toEqual(["e5"]);
      expect(ids(await storage.history({ app: "app-a", limit: 10 }))).toEqual(["e1", "e3", "e5"]);
      expect(ids(await storage.history({ app: "app-a", afterSeq: 1, limit: 1 }))).toEqual(["e3"]);
      expect(ids(await storage.history({ app: "app-b", afterSeq: 4, limit: 10 }))).toEqual([]);
    });

    it("marks envelopes suppressed with a plan or a later change, inside the transaction and after, without moving global_seq", async () => {
      const storage = await seeded(2);
      unwrap(
        await storage.runWrite(async (tx) => {
          await tx.prefetch({ envelopeIds: ["e1", "e2"], keySeqs: [] });
          unwrap(await tx.apply(planOf(envelopeRow(3, "e3"), { suppressEnvelopes: ["e1"] }), ROOMY));
          await tx.applyChanges({ objects: [objectRow("o1", 3, "e3")], versions: [versionRow("o1", 3, "e3")], suppressEnvelopes: ["e2"] });
          expect((await tx.getEnvelopes(["e1", "e2"])).map((e) => e?.status)).toEqual(["suppressed", "suppressed"]);
          expect(tx.globalSeq).toBe(3);
        }),
      );
      expect(storage.globalSeq).toBe(3);
      expect((await storage.getEnvelopes(["e1", "e2", "e3"])).map((e) => e?.status)).toEqual(["suppressed", "suppressed", "accepted"]);
      expect(await storage.getObject("o1")).toEqual(objectRow("o1", 3, "e3"));
    });

    it("moves a sync cursor only with a write transaction, and keeps each peer's apart", async () => {
      const storage = await fresh();
      expect(await storage.getCursor("peer-1", "domain-a")).toBe(0);
      unwrap(await storage.runWrite((tx) => tx.putCursor(cursor("peer-1", 5))));
      expect(await storage.getCursor("peer-1", "domain-a")).toBe(5);
      expect(await storage.listCursors("peer-1")).toEqual([cursor("peer-1", 5)]);
      expect(await storage.listCursors("peer-2")).toEqual([]);
    });

    it("refuses a transaction handle used after its runWrite ended (AssertionError)", async () => {
      const storage = await fresh();
      let kept: WriteTx | undefined;
      unwrap(
        await storage.runWrite((tx) => {
          kept = tx;
          return tx.apply(planOf(envelopeRow(1, "e1")), ROOMY);
        }),
      );
      await expect(kept!.putCursor(cursor("peer-1", 5))).rejects.toThrow(AssertionError);
      await expect(kept!.apply(planOf(envelopeRow(2, "e2")), ROOMY)).rejects.toThrow(AssertionError);
      expect(() => kept!.getEnvelopes(["e1"])).toThrow(AssertionError);
      expect(storage.globalSeq).toBe(1);
    });

    it("runs one write transaction at a time and refuses a second one begun before the first ends (AssertionError)", async () => {
      const storage = await fresh();
      const first = storage.runWrite((tx) => tx.apply(planOf(envelopeRow(1, "e1")), ROOMY));
      await expect(storage.runWrite((tx) => tx.apply(planOf(envelopeRow(1, "e1x")), ROOMY))).rejects.toThrow(AssertionError);
      expect(unwrap(await first)).toEqual({ ok: true, value: { seq: 1 } });
      expect(await storage.getEnvelope("e1x")).toBeUndefined();
      unwrap(await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(2, "e2")), ROOMY)));
      expect(storage.globalSeq).toBe(2);
    });

    it("keeps global_seq, byte count and every row when the database is closed and opened again", async () => {
      const storage = await seeded(2);
      unwrap(
        await storage.runWrite(async (tx) => {
          await tx.holdStub({ stub: stubRow("s1", "key-2", 1) });
          await tx.putCursor(cursor("peer-1", 4));
          unwrap(await tx.putPending(pending("p1", ["zz"])));
        }),
      );
      const bytes = storage.storedBytes;
      storage.close();
      expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 2 } });
      expect(storage.storedBytes).toBe(bytes);
      expect((await storage.history({ limit: 10 })).map((e) => e.id)).toEqual(["e1", "e2"]);
      expect(await storage.getStubs(["s1"])).toEqual([stubRow("s1", "key-2", 1)]);
      expect(await storage.getCursor("peer-1", "domain-a")).toBe(4);
      expect(await storage.getPending("p1")).toEqual(pending("p1", ["zz"]));
      unwrap(await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(3, "e3")), ROOMY)));
      expect(storage.globalSeq).toBe(3);
    });

    it("keeps the pending set: put, find by any missing id once each in id order, count, delete, and remove with a plan", async () => {
      const storage = await fresh();
      unwrap(await storage.putPending(pending("p2", ["m1", "m2"])));
      unwrap(await storage.putPending(pending("p1", ["m2"])));
      unwrap(await storage.putPending(pending("p3", ["m3"])));
      expect(await storage.countPending()).toBe(3);
      expect(await storage.getPending("p2")).toEqual(pending("p2", ["m1", "m2"]));
      expect((await storage.pendingWaitingForAny(["m1", "m2"])).map((p) => p.id)).toEqual(["p1", "p2"]);
      expect(await storage.pendingWaitingForAny([])).toEqual([]);
      expect(await storage.listPending(10)).toHaveLength(3);
      await storage.deletePending("p3");
      expect(await storage.getPending("p3")).toBeUndefined();
      unwrap(await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(1, "e1"), { removePending: ["p1"] }), ROOMY)));
      expect((await storage.pendingWaitingForAny(["m2"])).map((p) => p.id)).toEqual(["p2"]);
      unwrap(
        await storage.runWrite(async (tx) => {
          expect(await tx.getPending("p2")).toEqual(pending("p2", ["m1", "m2"]));
          await tx.deletePending("p2");
          expect(await tx.countPending()).toBe(0);
        }),
      );
      expect(await storage.countPending()).toBe(0);
    });
  });
}
