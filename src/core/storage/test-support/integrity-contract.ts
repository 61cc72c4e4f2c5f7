// The storage contract's integrity part (ADR 0018) and the audit anchor (ADR 0017), which every
// adapter passes as runStorageContract: the integrity check's scans, its one all-or-nothing repair,
// quarantine counting toward global_seq at open, and the audit checkpoint kept beside global_seq.
// What a repair should contain is the Graph's decision (integrity-check.ts); here rows are opaque.
import { describe, expect, it } from "vitest";
import type { EnvelopeRow, IntegrityRepair, NodeStorage, QuarantineRow, VersionRow } from "../index.ts";
import { AT, envelopeRow, objectRow, planOf, ROOMY, stubRow, unwrap, versionRow } from "./rows.ts";
import { storagesClosedAfterEach, type StorageFactory } from "./storage-contract.ts";

const NOTHING: IntegrityRepair = {
  quarantine: [],
  quarantineStubs: [],
  missing: [],
  envelopeFixes: [],
  putObjects: [],
  deleteObjects: [],
  putVersions: [],
  deleteVersions: [],
  resetCursors: false,
};

function quarantined(id: string, seq: number, text = `text of ${id}`): QuarantineRow {
  return { id, seq, text, code: "ERR_CRYPTO_INVALID_SIGNATURE", reason: "signature", authorId: "author-1", quarantinedAt: AT };
}

/** Op `opIndex` of `envelopeId` on `objectId`, all at seq 1. */
function version(objectId: string, envelopeId: string, opIndex: number): VersionRow {
  return versionRow(objectId, 1, envelopeId, { opIndex, lamport: 1, value: { opIndex } });
}

export function runIntegrityContract(make: StorageFactory): void {
  describe("storage contract: integrity at rest and the audit anchor", () => {
    const { fresh } = storagesClosedAfterEach(make);

    /** Envelopes e1..e3 (e3 depends on e2), object o1 from e1 with one version, a stub and a cursor. */
    async function seeded(): Promise<NodeStorage> {
      const storage = await fresh();
      unwrap(
        await storage.runWrite(async (tx) => {
          unwrap(
            await tx.apply(
              planOf(envelopeRow(1, "e1"), { objects: [objectRow("o1", 1, "e1")], versions: [version("o1", "e1", 0)] }),
              ROOMY,
            ),
          );
          unwrap(await tx.apply(planOf(envelopeRow(2, "e2")), ROOMY));
          unwrap(await tx.apply(planOf(envelopeRow(3, "e3", { deps: ["e2"] })), ROOMY));
          await tx.holdStub({ stub: stubRow("s1", "key-2", 1) });
          await tx.putCursor({ peer: "peer-1", domain: "domain-a", seq: 9, updatedAt: AT });
        }),
      );
      return storage;
    }

    async function ids(scan: (visit: (row: { id: string }) => void) => Promise<void>): Promise<string[]> {
      const seen: string[] = [];
      await scan((row) => void seen.push(row.id));
      return seen;
    }

    it("scans envelopes by seq, stubs by id and versions by key, across pages", async () => {
      const storage = await seeded();
      unwrap(await storage.runWrite(async (tx) => void (await tx.holdStub({ stub: stubRow("s0", "key-3", 1) }))));
      expect(await ids((visit) => storage.integrity.forEachEnvelope(visit, 2))).toEqual(["e1", "e2", "e3"]);
      expect(await ids((visit) => storage.integrity.forEachStub(visit, 1))).toEqual(["s0", "s1"]);
      unwrap(
        await storage.integrity.apply({
          ...NOTHING,
          putVersions: [version("o1", "e1", 1), version("o0", "e2", 0), version("o1", "e0", 5)],
        }),
      );
      const versions: string[] = [];
      await storage.integrity.forEachVersion((v) => void versions.push(`${v.objectId}/${v.envelopeId}/${v.opIndex}`), 2);
      expect(versions).toEqual(["o0/e2/0", "o1/e0/5", "o1/e1/0", "o1/e1/1"]);
    });

    it("moves a row that no longer verifies to quarantine in one repair, with the derived rows and cursors it names", async () => {
      const storage = await seeded();
      const fixed: EnvelopeRow = { ...envelopeRow(1, "e1"), app: "app-b" };
      unwrap(
        await storage.integrity.apply({
          ...NOTHING,
          quarantine: [quarantined("e3", 3)],
          quarantineStubs: [quarantined("s1", 0)],
          missing: [{ ...quarantined("e9", 2), text: "" }],
          envelopeFixes: [fixed],
          deleteObjects: [objectRow("o1", 1, "e1")],
          putObjects: [objectRow("o2", 2, "e1")],
          deleteVersions: [version("o1", "e1", 0)],
          putVersions: [version("o2", "e1", 0)],
          resetCursors: true,
        }),
      );
      expect(await storage.getEnvelope("e3")).toBeUndefined();
      expect((await storage.history({ limit: 10 })).map((e) => e.id)).toEqual(["e1", "e2"]);
      expect(await storage.dependentsOf("e2")).toEqual([]);
      expect(await storage.getEnvelope("e1")).toEqual(fixed);
      expect((await storage.history({ limit: 10, app: "app-b" })).map((e) => e.id)).toEqual(["e1"]);
      expect(await storage.getStubs(["s1"])).toEqual([undefined]);
      expect(await storage.getObject("o1")).toBeUndefined();
      expect(await storage.getObject("o2")).toEqual(objectRow("o2", 2, "e1"));
      expect(await storage.versionsOf("o1")).toEqual([]);
      expect(await storage.versionsOf("o2")).toEqual([version("o2", "e1", 0)]);
      expect(await storage.getCursor("peer-1", "domain-a")).toBe(0);
      expect((await storage.integrity.listQuarantine()).map((q) => [q.id, q.seq])).toEqual([
        ["s1", 0],
        ["e9", 2],
        ["e3", 3],
      ]);
      // The quarantined row keeps its seq: global_seq does not move back and no number is reused.
      expect(storage.globalSeq).toBe(3);
      storage.close();
      expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 3 } });
      expect(storage.sequenceRepair).toBeNull();
      expect(await storage.integrity.listQuarantine()).toHaveLength(3);
      unwrap(await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(4, "e4")), ROOMY)));
    });

    it("writes nothing of a repair one of whose writes is refused (ERR_MNG_STORAGE_TX_ABORTED)", async () => {
      const storage = await seeded();
      // e2's id at seq 1: the id index is unique, so the fix is refused, and with it the whole repair.
      const result = await storage.integrity.apply({
        ...NOTHING,
        quarantine: [quarantined("e3", 3)],
        envelopeFixes: [envelopeRow(1, "e2")],
        deleteObjects: [objectRow("o1", 1, "e1")],
        resetCursors: true,
      });
      expect(result).toMatchObject({
        ok: false,
        error: { code: "ERR_MNG_STORAGE_TX_ABORTED", data: { reason: "integrity_repair_failed" } },
      });
      expect((await storage.history({ limit: 10 })).map((e) => e.id)).toEqual(["e1", "e2", "e3"]);
      expect(await storage.getObject("o1")).toEqual(objectRow("o1", 1, "e1"));
      expect(await storage.getCursor("peer-1", "domain-a")).toBe(9);
      expect(await storage.integrity.listQuarantine()).toEqual([]);
    });

    it("counts a quarantined seq above global_seq at open: global_seq moves up and the cursors are forgotten", async () => {
      const storage = await seeded();
      unwrap(await storage.integrity.apply({ ...NOTHING, missing: [{ ...quarantined("e7", 7), text: "" }] }));
      storage.close();
      expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 7 } });
      expect(storage.sequenceRepair).toEqual({ storedSeq: 3, newestEnvelopeSeq: 7, globalSeq: 7 });
      expect(await storage.getCursor("peer-1", "domain-a")).toBe(0);
      expect(unwrap(await storage.runWrite((tx) => tx.apply(planOf(envelopeRow(8, "e8")), ROOMY)))).toEqual({
        ok: true,
        value: { seq: 8 },
      });
    });

    it("opens a consistent database with nothing repaired", async () => {
      const storage = await seeded();
      storage.close();
      unwrap(await storage.open());
      expect(storage.sequenceRepair).toBeNull();
      expect(await storage.getCursor("peer-1", "domain-a")).toBe(9);
    });

    it("keeps the audit checkpoint beside global_seq across a restart, apart from any write batch", async () => {
      const storage = await seeded();
      expect(await storage.auditCheckpoint()).toBeUndefined();
      await storage.putAuditCheckpoint({ seq: 2, head: "h2", signature: "sig" });
      await storage.putAuditCheckpoint({ seq: 3, head: "h3", signature: "sig" });
      const failed = await storage.runWrite(async (tx) => {
        unwrap(await tx.apply(planOf(envelopeRow(4, "e4")), ROOMY));
        throw new Error("the batch fails");
      });
      expect(failed.ok).toBe(false);
      expect(await storage.auditCheckpoint()).toEqual({ seq: 3, head: "h3", signature: "sig" });
      storage.close();
      expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 3 } });
      expect(await storage.auditCheckpoint()).toEqual({ seq: 3, head: "h3", signature: "sig" });
    });
  });
}
