// Objects and versions are derived data (ADR 0018, AC-08): what the verified envelopes say, computed
// again here and compared with what is stored. Pure: no I/O. A non-suppressed object's winner is the
// largest non-suppressed version (DESIGN §4 rule 3), which depends only on the set of envelopes.
import { canonicalize } from "../shared/canonical-json.ts";
import type { JsonValue } from "../shared/json.ts";
import type { EnvelopeRow, ObjectRow, VersionRow, Winner } from "../storage/index.ts";
import type { Envelope } from "../wire/index.ts";
import { beats } from "./materialize.ts";
import { createdObjectId, isCreate, kindOf, referencesOf, updateTarget } from "./references.ts";
import { versionKey } from "./withdrawal.ts";

/** A stored envelope row whose text verified, with that text parsed. */
export type VerifiedRow = { readonly row: EnvelopeRow; readonly envelope: Envelope };

export type DerivedRows = { readonly objects: Map<string, ObjectRow>; readonly versions: Map<string, VersionRow> };

/** The rows that differ from what the envelopes say: what a rebuild writes and removes. */
export type DerivedDiff = {
  readonly putObjects: ObjectRow[];
  readonly deleteObjects: ObjectRow[];
  readonly putVersions: VersionRow[];
  readonly deleteVersions: VersionRow[];
};

type ObjectBase = Omit<ObjectRow, "winner" | "updatedSeq" | "updatedAt">;

/**
 * Every object and version the envelopes imply. `stored` is consulted only for a suppressed object
 * (all of its versions withdrawn): its winner froze when it was withdrawn, which the set of envelopes
 * does not tell, so the stored winner is kept if it is exactly one of the object's versions.
 */
export function deriveRows(rows: readonly VerifiedRow[], stored: ReadonlyMap<string, ObjectRow>): DerivedRows {
  const bases = new Map<string, ObjectBase>();
  const versions = new Map<string, VersionRow>();
  const byObject = new Map<string, VersionRow[]>();
  for (const { row, envelope } of rows) {
    const content = envelope.content;
    const flag = row.status === "suppressed" ? 1 : 0;
    const references = referencesOf(content.ops, row.id);
    content.ops.forEach((op, opIndex) => {
      const create = isCreate(op);
      const objectId = create ? createdObjectId(row.id, opIndex) : updateTarget(references, opIndex)?.objectId;
      if (objectId === undefined) return; // structure guarantees a target; a row without one has nothing to derive
      const version: VersionRow = {
        objectId,
        app: content.app,
        envelopeId: row.id,
        opIndex,
        lamport: envelope.lamport,
        value: (op.payload as { readonly value: JsonValue }).value,
        seq: row.seq,
        createdAt: content.created_at,
        suppressed: flag,
      };
      versions.set(versionKey(version), version);
      byObject.set(objectId, [...(byObject.get(objectId) ?? []), version]);
      if (!create) return;
      const refs = references.filter((r) => r.opIndex === opIndex);
      const dst = refs.find((r) => r.field.startsWith("dst_"));
      bases.set(objectId, {
        app: content.app,
        id: objectId,
        kind: kindOf(op),
        typeKey: op.type_key,
        owner: envelope.author_id,
        parent: refs.find((r) => r !== dst)?.objectId ?? "",
        dst: dst?.objectId ?? "",
        domain: content.domain,
        createdSeq: row.seq,
        createdAt: content.created_at,
        suppressed: flag,
      });
    });
  }
  const objects = new Map<string, ObjectRow>();
  for (const [id, base] of bases) {
    const winner = winnerOf(base, byObject.get(id) ?? [], stored.get(id));
    objects.set(id, { ...base, winner: toWinner(winner), updatedSeq: winner.seq, updatedAt: winner.createdAt });
  }
  return { objects, versions };
}

function winnerOf(base: ObjectBase, versions: readonly VersionRow[], stored: ObjectRow | undefined): VersionRow {
  let best: VersionRow | undefined;
  for (const v of versions) if (v.suppressed === 0 && (best === undefined || beats(v, best))) best = v;
  if (base.suppressed === 0 && best !== undefined) return best;
  const named =
    stored === undefined
      ? undefined
      : versions.find((v) => v.envelopeId === stored.winner.envelopeId && v.opIndex === stored.winner.opIndex);
  if (named !== undefined) return named;
  // Nothing trustworthy names it: the object's own creating version, as a fresh suppressed commit has.
  return versions.find((v) => v.envelopeId === base.id.slice(0, base.id.lastIndexOf(":"))) ?? versions[0]!;
}

function toWinner(v: VersionRow): Winner {
  return { envelopeId: v.envelopeId, opIndex: v.opIndex, lamport: v.lamport, value: v.value, seq: v.seq };
}

const same = (a: unknown, b: unknown): boolean => canonicalize(a as JsonValue) === canonicalize(b as JsonValue);

/** What differs between the stored rows and the derived ones, keyed as storage keys them. */
export function diffDerived(
  expected: DerivedRows,
  storedObjects: ReadonlyMap<string, ObjectRow>,
  storedVersions: ReadonlyMap<string, VersionRow>,
): DerivedDiff {
  const diff: DerivedDiff = { putObjects: [], deleteObjects: [], putVersions: [], deleteVersions: [] };
  for (const [id, row] of storedObjects) {
    const want = expected.objects.get(id);
    if (want === undefined || want.app !== row.app) diff.deleteObjects.push(row);
    if (want !== undefined && !same(want, row)) diff.putObjects.push(want);
  }
  for (const [id, want] of expected.objects) if (!storedObjects.has(id)) diff.putObjects.push(want);
  for (const [key, row] of storedVersions) {
    const want = expected.versions.get(key);
    if (want === undefined) diff.deleteVersions.push(row);
    else if (!same(want, row)) diff.putVersions.push(want);
  }
  for (const [key, want] of expected.versions) if (!storedVersions.has(key)) diff.putVersions.push(want);
  return diff;
}
