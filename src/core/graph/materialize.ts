// From an envelope to rows: the objects it creates, the versions it adds, and the winners that
// change. Pure. Winners follow DESIGN §4 rule 3: the largest (lamport, envelope id, op index).
import type { JsonValue } from "../shared/json.ts";
import type { ObjectRow, VersionRow, Winner } from "../storage/index.ts";
import type { VerifiedEnvelope } from "../wire/index.ts";
import { createdObjectId, isCreate, kindOf, updateTarget, type OpReference } from "./references.ts";

type VersionKey = { readonly lamport: number; readonly envelopeId: string; readonly opIndex: number };

/** True when version `a` wins over `b`. Envelope ids break lamport ties the same way everywhere. */
export function beats(a: VersionKey, b: VersionKey): boolean {
  if (a.lamport !== b.lamport) return a.lamport > b.lamport;
  if (a.envelopeId !== b.envelopeId) return a.envelopeId > b.envelopeId;
  return a.opIndex > b.opIndex;
}

export type Materialized = { readonly objects: ObjectRow[]; readonly versions: VersionRow[] };

/**
 * Rows for one envelope at `seq`. `existing` holds the current rows of every object the envelope
 * updates. A suppressed envelope is stored with its versions marked, and wins nothing.
 */
export function materialize(input: {
  readonly verified: VerifiedEnvelope;
  readonly seq: number;
  readonly references: readonly OpReference[];
  readonly existing: ReadonlyMap<string, ObjectRow>;
  readonly suppressed: boolean;
}): Materialized {
  const { verified, seq, references, suppressed } = input;
  const { content, author_id, lamport } = verified.envelope;
  const flag = suppressed ? 1 : 0;
  const objects = new Map<string, ObjectRow>();
  const versions: VersionRow[] = [];
  const current = (id: string) => objects.get(id) ?? input.existing.get(id);
  const version = (objectId: string, opIndex: number, value: JsonValue): VersionRow => ({
    objectId,
    app: content.app,
    envelopeId: verified.id,
    opIndex,
    lamport,
    value,
    seq,
    createdAt: content.created_at,
    suppressed: flag,
  });

  content.ops.forEach((op, opIndex) => {
    const value = (op.payload as { readonly value: JsonValue }).value;
    const winner: Winner = { envelopeId: verified.id, opIndex, lamport, value, seq };
    if (isCreate(op)) {
      const id = createdObjectId(verified.id, opIndex);
      const refs = references.filter((r) => r.opIndex === opIndex);
      const dst = refs.find((r) => r.field.startsWith("dst_"));
      objects.set(id, {
        app: content.app,
        id,
        kind: kindOf(op),
        typeKey: op.type_key,
        owner: author_id,
        parent: refs.find((r) => r !== dst)?.objectId ?? "",
        dst: dst?.objectId ?? "",
        domain: content.domain,
        createdSeq: seq,
        createdAt: content.created_at,
        updatedSeq: seq,
        updatedAt: content.created_at,
        winner,
        suppressed: flag,
      });
      versions.push(version(id, opIndex, value));
      return;
    }
    const target = updateTarget(references, opIndex);
    if (target === undefined) throw new Error(`update op ${opIndex} has no target`); // structure guarantees one
    versions.push(version(target.objectId, opIndex, value));
    const row = current(target.objectId);
    if (row === undefined) throw new Error(`update of unresolved object ${target.objectId}`); // the graph resolved it
    if (!suppressed && beats(winner, row.winner)) {
      objects.set(row.id, { ...row, winner, updatedSeq: seq, updatedAt: content.created_at });
    }
  });
  return { objects: [...objects.values()], versions };
}

/** The winner among an object's versions that are not suppressed (after a withdrawal). */
export function recomputeWinner(object: ObjectRow, versions: readonly VersionRow[]): ObjectRow {
  let best: VersionRow | undefined;
  for (const v of versions) if (v.suppressed === 0 && (best === undefined || beats(v, best))) best = v;
  if (best === undefined) return { ...object, suppressed: 1 };
  return {
    ...object,
    winner: { envelopeId: best.envelopeId, opIndex: best.opIndex, lamport: best.lamport, value: best.value, seq: best.seq },
    updatedSeq: best.seq,
    updatedAt: best.createdAt,
  };
}
