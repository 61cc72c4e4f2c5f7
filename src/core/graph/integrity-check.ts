// The integrity check at rest (ADR 0018): every stored envelope text is verified again (structure,
// digest, signature, its id), rows whose text fails are quarantined, and objects and versions are
// rebuilt from the envelopes that verify (AC-08) wherever the stored rows disagree. Signatures are
// checked outside the write queue; the compare and the repair run inside it, so no write interleaves.
// While a check runs, what it already found is withheld from reads and exports (isWithheld).
import type { AuditEntry } from "../log/index.ts";
import type { Ed25519Verifier } from "../crypto/index.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import type { EnvelopeId } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { EnvelopeRow, ObjectRow, QuarantineRow, NodeStorage, SequenceRepair, VersionRow } from "../storage/index.ts";
import { storedEnvelope, validateLink } from "../wire/index.ts";
import { deriveRows, diffDerived, type VerifiedRow } from "./integrity.ts";
import { versionKey } from "./withdrawal.ts";

export const INTEGRITY_CODE = "ERR_MNG_STORAGE_INTEGRITY_VIOLATION" as const;

/** What one check found and repaired. `clean` when nothing at all was wrong. */
export type IntegrityReport = {
  readonly checkedAt: string;
  readonly envelopes: number;
  /** Envelopes and stubs moved to quarantine by this check (their text no longer verifies; a stub has seq 0). */
  readonly quarantined: readonly { readonly id: string; readonly seq: number; readonly code: string; readonly reason: string }[];
  /** Envelopes whose row was deleted, known from the rows derived from them (found by this check). */
  readonly missing: readonly { readonly id: string; readonly seq: number }[];
  /** Quarantined or missing envelopes not (yet) back from a peer: their authors' writes wait. */
  readonly heldAside: number;
  readonly envelopeRowsFixed: number;
  readonly objectsRebuilt: number;
  readonly versionsRebuilt: number;
  /** What opening the database repaired of global_seq (the newest envelope gone, the counter edited). */
  readonly sequence: SequenceRepair | null;
  readonly clean: boolean;
};

export type IntegrityPorts = {
  readonly storage: Pick<NodeStorage, "integrity" | "forEachObject" | "sequenceRepair">;
  readonly verifier: Ed25519Verifier;
  /** Runs `work` in the Graph's write queue: no commit interleaves with the compare and repair. */
  readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  readonly audit: { record(entries: readonly AuditEntry[]): Promise<unknown> };
  readonly clock: Clock;
};

type Verdict =
  | { readonly kind: "good"; readonly envelope: VerifiedRow["envelope"]; readonly fixed: EnvelopeRow | null }
  | { readonly kind: "bad"; readonly code: string; readonly reason: string };

/** The verified text against its row: the row's indexed fields are derived from the text, too. */
async function verifyRow(row: EnvelopeRow, verifier: Ed25519Verifier): Promise<Verdict> {
  const checked = await validateLink(row.text, { verifier });
  if (!checked.ok) return { kind: "bad", code: checked.error.code, reason: String(checked.error.data.reason ?? "invalid") };
  const v = checked.value;
  if (v.kind !== "full") return { kind: "bad", code: INTEGRITY_CODE, reason: "stub_in_history" };
  if (v.id !== row.id) return { kind: "bad", code: INTEGRITY_CODE, reason: "id_mismatch" };
  const e = v.envelope;
  const fields = {
    authorId: e.author_id,
    authorKey: e.author_key,
    keySeq: e.seq,
    app: e.content.app,
    domain: e.content.domain,
    lamport: e.lamport,
    prev: e.prev,
    deps: e.content.deps,
  };
  const agrees = Object.entries(fields).every(([k, want]) => JSON.stringify(row[k as keyof EnvelopeRow]) === JSON.stringify(want));
  return { kind: "good", envelope: e, fixed: agrees ? null : { ...row, ...fields } };
}

export class IntegrityChecker {
  readonly #ports: IntegrityPorts;
  /** Envelope and object ids found bad by the running check and not yet repaired. */
  readonly #withheld = new Set<string>();
  /** Envelopes held aside (quarantined or missing) and not back, with their author (null: unknown). */
  readonly #held = new Map<string, string | null>();
  #running: Promise<Result<IntegrityReport>> | null = null;
  #last: IntegrityReport | null = null;
  /** open()'s sequence repair is reported (and audited) by the first check only. */
  #sequenceReported = false;

  constructor(ports: IntegrityPorts) {
    this.#ports = ports;
  }

  /** Found bad and not yet repaired: an envelope id, or an object id (or an object of a bad envelope). */
  isWithheld(id: string): boolean {
    if (this.#withheld.size === 0) return false;
    const colon = id.lastIndexOf(":");
    return this.#withheld.has(id) || (colon > 0 && this.#withheld.has(id.slice(0, colon)));
  }

  /**
   * An envelope committed: true when it was held aside (its good copy is back from a peer), which
   * calls for a rebuild of what relied on it.
   */
  arrived(envelopeId: string): boolean {
    return this.#held.delete(envelopeId);
  }

  /**
   * Whether `identityId` must not write yet: an envelope it may have signed is held aside. Its key's
   * next seq is unknown until that envelope is back, and signing a second envelope at a seq a peer
   * already holds would fork the key (DESIGN §3) — the node would revoke its own person.
   */
  writesHeldFor(identityId: string): boolean {
    for (const author of this.#held.values()) if (author === null || author === identityId) return true;
    return false;
  }

  get lastReport(): IntegrityReport | null {
    return this.#last;
  }

  /** Runs a check, or joins the one running. */
  check(): Promise<Result<IntegrityReport>> {
    this.#running ??= this.#run().finally(() => (this.#running = null));
    return this.#running;
  }

  async #run(): Promise<Result<IntegrityReport>> {
    const { storage, verifier } = this.#ports;
    const verdicts = new Map<number, Verdict>();
    try {
      // Outside the write queue: the signatures, the slow part.
      await storage.integrity.forEachEnvelope(async (row) => {
        const verdict = await verifyRow(row, verifier);
        if (verdict.kind === "bad") this.#withheld.add(row.id);
        verdicts.set(row.seq, verdict);
      });
      const badStubs: QuarantineRow[] = [];
      await storage.integrity.forEachStub(async (row) => {
        const checked = await validateLink(row.text, { verifier });
        const reason = !checked.ok ? String(checked.error.data.reason ?? "invalid") : checked.value.id !== row.id ? "id_mismatch" : null;
        if (reason === null && checked.ok && checked.value.kind === "stub") return;
        this.#withheld.add(row.id);
        const code = checked.ok ? INTEGRITY_CODE : checked.error.code;
        const { id, text, authorId } = row;
        badStubs.push({ id, seq: 0, text, code, reason: reason ?? "not_a_stub", authorId, quarantinedAt: isoTime(this.#ports.clock) });
      });
      const report = await this.#ports.exclusive(() => this.#repair(verdicts, badStubs));
      if (report.ok) this.#last = report.value;
      return report;
    } catch (cause) {
      return err(
        nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The integrity check could not read the database.", {
          reason: "integrity_check_failed",
          cause: String(cause),
        }),
      );
    } finally {
      this.#withheld.clear();
    }
  }

  /** Inside the write queue: statuses as they are now, the compare, then one repair transaction. */
  async #repair(verdicts: ReadonlyMap<number, Verdict>, quarantineStubs: readonly QuarantineRow[]): Promise<Result<IntegrityReport>> {
    const { storage, clock } = this.#ports;
    const now = isoTime(clock);
    const good: VerifiedRow[] = [];
    const quarantine: QuarantineRow[] = [];
    const envelopeFixes: EnvelopeRow[] = [];
    let envelopes = 0;
    await storage.integrity.forEachEnvelope((row) => {
      envelopes += 1;
      // Committed after the scan: written by the write path a moment ago, verified there.
      const verdict = verdicts.get(row.seq) ?? { kind: "good", envelope: storedEnvelope(row.text), fixed: null };
      if (verdict.kind === "bad") {
        const { id, seq, text, authorId } = row;
        quarantine.push({ id, seq, text, code: verdict.code, reason: verdict.reason, authorId, quarantinedAt: now });
        return;
      }
      const current = verdict.fixed === null ? row : { ...verdict.fixed, status: row.status };
      if (verdict.fixed !== null) envelopeFixes.push(current);
      good.push({ row: current, envelope: verdict.envelope });
    });
    const objects = new Map<string, ObjectRow>();
    await storage.forEachObject((row) => objects.set(row.id, row));
    const versions = new Map<string, VersionRow>();
    await storage.integrity.forEachVersion((row) => versions.set(versionKey(row), row));
    const present = new Set<string>(good.map((g) => g.row.id));
    const stored = await storage.integrity.listQuarantine();
    const missing = missingEnvelopes(versions, objects, present, new Set([...stored, ...quarantine].map((row) => row.id)), now);
    const diff = diffDerived(deriveRows(good, objects), objects, versions);
    for (const row of [...diff.putObjects, ...diff.deleteObjects]) this.#withheld.add(row.id);
    const sequence = this.#sequenceReported ? null : storage.sequenceRepair;
    this.#sequenceReported = true;
    const changed =
      quarantine.length +
      quarantineStubs.length +
      missing.length +
      envelopeFixes.length +
      diff.putObjects.length +
      diff.deleteObjects.length +
      diff.putVersions.length +
      diff.deleteVersions.length;
    if (changed > 0) {
      const lost = quarantine.length + quarantineStubs.length + missing.length > 0;
      const applied = await storage.integrity.apply({ quarantine, quarantineStubs, missing, envelopeFixes, ...diff, resetCursors: lost });
      if (!applied.ok) return applied;
    }
    const held = [...stored, ...quarantine, ...quarantineStubs, ...missing].filter((row) => !present.has(row.id));
    this.#held.clear();
    for (const row of held) this.#held.set(row.id, row.authorId);
    const report: IntegrityReport = {
      checkedAt: now,
      envelopes,
      quarantined: [...quarantine, ...quarantineStubs].map(({ id, seq, code, reason }) => ({ id, seq, code, reason })),
      missing: missing.map(({ id, seq }) => ({ id, seq })),
      heldAside: held.length,
      envelopeRowsFixed: envelopeFixes.length,
      objectsRebuilt: new Set([...diff.putObjects, ...diff.deleteObjects].map((row) => row.id)).size,
      versionsRebuilt: new Set([...diff.putVersions, ...diff.deleteVersions].map(versionKey)).size,
      sequence,
      clean: changed === 0 && sequence === null && held.length === 0,
    };
    await this.#ports.audit.record(auditOf(report));
    return ok(report);
  }
}

/**
 * Envelopes whose row is gone but whose versions remain (the newest row deleted, say): remembered
 * with their author where their created object tells it, so the author's writes wait for them.
 */
function missingEnvelopes(
  versions: ReadonlyMap<string, VersionRow>,
  objects: ReadonlyMap<string, ObjectRow>,
  present: ReadonlySet<string>,
  known: ReadonlySet<string>,
  now: string,
): QuarantineRow[] {
  const out = new Map<string, QuarantineRow>();
  for (const v of versions.values()) {
    if (present.has(v.envelopeId) || known.has(v.envelopeId) || out.has(v.envelopeId)) continue;
    const created = objects.get(`${v.envelopeId}:0`);
    const authorId = created?.owner ?? null;
    out.set(v.envelopeId, {
      id: v.envelopeId,
      seq: v.seq,
      text: "",
      code: INTEGRITY_CODE,
      reason: "envelope_missing",
      authorId,
      quarantinedAt: now,
    });
  }
  return [...out.values()];
}

/** One record per quarantined envelope, and one for the rebuild (DESIGN D6: every repair is audited). */
function auditOf(report: IntegrityReport): AuditEntry[] {
  const entry = (envelopeId: string | null, message: string, data: AuditEntry["data"]): AuditEntry => ({
    kind: "integrity_repaired",
    traceId: null,
    code: INTEGRITY_CODE,
    actor: null,
    app: null,
    envelopeId: envelopeId as EnvelopeId | null,
    globalSeq: null,
    message,
    data,
  });
  const out = report.quarantined.map((q) =>
    entry(q.id, "An envelope's stored text no longer verifies: quarantined, never served or exported.", {
      seq: q.seq,
      failed: q.code,
      reason: q.reason,
    }),
  );
  for (const m of report.missing)
    out.push(entry(m.id, "An envelope's row is gone; its author's writes wait until a peer sends it back.", { seq: m.seq }));
  if (report.objectsRebuilt + report.versionsRebuilt + report.envelopeRowsFixed > 0 || report.sequence !== null)
    out.push(
      entry(null, "Stored rows disagreed with the envelopes: rebuilt from what verifies.", {
        objects: report.objectsRebuilt,
        versions: report.versionsRebuilt,
        envelopeRows: report.envelopeRowsFixed,
        ...(report.sequence === null ? {} : { storedSeq: report.sequence.storedSeq, newestEnvelopeSeq: report.sequence.newestEnvelopeSeq }),
      }),
    );
  return out;
}
