// Integrity at rest (ADR 0018), the storage side: full scans for the check, and the one transaction
// that repairs what the check found. Objects and versions are derived rows, so they may be replaced;
// an envelope row is never rewritten from anything but its own verified text, and one whose text no
// longer verifies is moved aside (quarantine), never deleted. Nothing here decides what is wrong.
import { ok, type Result } from "../shared/result.ts";
import { storageError, type NodeDatabase } from "./node-database.ts";
import type { EnvelopeRow, ObjectRow, QuarantineRow, StubRow, VersionRow } from "./rows.ts";

/** What one repair writes: all of it, or nothing. */
export type IntegrityRepair = {
  /** Rows whose text no longer verifies: out of history, into quarantine. */
  readonly quarantine: readonly QuarantineRow[];
  /** Stubs whose text no longer verifies: out of the stub store, into quarantine (seq 0). */
  readonly quarantineStubs: readonly QuarantineRow[];
  /** Envelopes whose row is gone but whose derived rows name them: remembered, nothing deleted. */
  readonly missing: readonly QuarantineRow[];
  /** Rows whose indexed fields disagree with their own verified text: rewritten from it. */
  readonly envelopeFixes: readonly EnvelopeRow[];
  readonly putObjects: readonly ObjectRow[];
  readonly deleteObjects: readonly ObjectRow[];
  readonly putVersions: readonly VersionRow[];
  readonly deleteVersions: readonly VersionRow[];
  /** Forget every sync cursor, so peers send everything again and what was lost comes back. */
  readonly resetCursors: boolean;
};

/** How open() found global_seq and what it keeps (ADR 0018: the larger, so no number is reused). */
export type SequenceRepair = { readonly storedSeq: number; readonly newestEnvelopeSeq: number; readonly globalSeq: number };

export class IntegrityStore {
  constructor(private readonly db: NodeDatabase) {}

  /** Every envelope row in global_seq order, in pages. */
  async forEachEnvelope(visit: (row: EnvelopeRow) => void | Promise<void>, pageSize = 500): Promise<void> {
    let after = 0;
    for (;;) {
      const page = await this.db.envelopes.where("seq").above(after).limit(pageSize).toArray();
      for (const row of page) await visit(row);
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.seq;
    }
  }

  /** Every stub row, in id order, in pages. */
  async forEachStub(visit: (row: StubRow) => void | Promise<void>, pageSize = 500): Promise<void> {
    let after = "";
    for (;;) {
      const page = await this.db.stubs.where("id").above(after).limit(pageSize).toArray();
      for (const row of page) await visit(row);
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.id;
    }
  }

  /** Every version row, in key order, in pages. */
  async forEachVersion(visit: (row: VersionRow) => void, pageSize = 1000): Promise<void> {
    let last: [string, string, number] | undefined;
    for (;;) {
      const query = last === undefined ? this.db.versions.toCollection() : this.db.versions.where(":id").above(last);
      const page = await query.limit(pageSize).toArray();
      for (const row of page) visit(row);
      if (page.length < pageSize) return;
      const end = page[page.length - 1]!;
      last = [end.objectId, end.envelopeId, end.opIndex];
    }
  }

  listQuarantine(): Promise<QuarantineRow[]> {
    return this.db.quarantine.orderBy("seq").toArray();
  }

  async apply(repair: IntegrityRepair): Promise<Result<void>> {
    const db = this.db;
    try {
      await db.transaction("rw", [db.envelopes, db.stubs, db.quarantine, db.objects, db.versions, db.cursors], async () => {
        for (const row of repair.quarantineStubs) {
          await db.quarantine.put(row);
          await db.stubs.delete(row.id);
        }
        for (const row of repair.quarantine) {
          await db.quarantine.put(row);
          await db.envelopes.delete(row.seq);
        }
        if (repair.missing.length > 0) await db.quarantine.bulkPut([...repair.missing]);
        if (repair.envelopeFixes.length > 0) await db.envelopes.bulkPut([...repair.envelopeFixes]);
        if (repair.deleteObjects.length > 0)
          await db.objects.bulkDelete(repair.deleteObjects.map((o) => [o.app, o.id] as [string, string]));
        if (repair.putObjects.length > 0) await db.objects.bulkPut([...repair.putObjects]);
        if (repair.deleteVersions.length > 0)
          await db.versions.bulkDelete(repair.deleteVersions.map((v) => [v.objectId, v.envelopeId, v.opIndex] as [string, string, number]));
        if (repair.putVersions.length > 0) await db.versions.bulkPut([...repair.putVersions]);
        if (repair.resetCursors) await db.cursors.clear();
      });
      return ok(undefined);
    } catch (cause) {
      return storageError(cause, "integrity_repair_failed");
    }
  }
}
