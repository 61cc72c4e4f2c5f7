// Which objects an envelope's ops name, and which objects they create: the graph's view of op
// payloads (ADR 0002), shared by dependency checks, schema resolution, ownership and materializing.
import { objectId, parseObjectRef, resolveObjectRef, type EnvelopeId, type ObjectId, type ObjectRef } from "../shared/ids.ts";
import type { ObjectKind, Op, OpKind } from "../wire/index.ts";

/** The reference fields of each op kind, in a fixed order, with the kind of object each names. */
const REF_FIELDS: Readonly<Record<OpKind, readonly (readonly [field: string, kind: ObjectKind])[]>> = {
  parent_create: [],
  parent_update: [["parent_id", "parent"]],
  attr_create: [["parent_id", "parent"]],
  attr_update: [["attr_id", "attr"]],
  edge_create: [
    ["src_parent_id", "parent"],
    ["dst_parent_id", "parent"],
    ["dst_attr_id", "attr"],
  ],
  edge_update: [["edge_id", "edge"]],
  rating_create: [
    ["target_parent_id", "parent"],
    ["target_attr_id", "attr"],
  ],
  rating_update: [["rating_id", "rating"]],
};

export type OpReference = {
  readonly opIndex: number;
  readonly field: string;
  readonly kind: ObjectKind;
  readonly ref: ObjectRef;
  readonly objectId: ObjectId;
};

/** Every reference of every op, resolved to object ids (local `@i` become `<this envelope>:<i>`). */
export function referencesOf(ops: readonly Op[], envelopeId: EnvelopeId): OpReference[] {
  const out: OpReference[] = [];
  ops.forEach((op, opIndex) => {
    const payload = op.payload as Readonly<Record<string, unknown>>;
    for (const [field, kind] of REF_FIELDS[op.op]) {
      if (!Object.hasOwn(payload, field)) continue;
      const ref = parseObjectRef(payload[field]);
      if (ref !== undefined) out.push({ opIndex, field, kind, ref, objectId: resolveObjectRef(ref, envelopeId) });
    }
  });
  return out;
}

export function isCreate(op: Op): boolean {
  return op.op.endsWith("_create");
}

export function kindOf(op: Op): ObjectKind {
  return op.op.slice(0, op.op.indexOf("_")) as ObjectKind;
}

/** The object an update op targets (its first reference field). */
export function updateTarget(references: readonly OpReference[], opIndex: number): OpReference | undefined {
  return references.find((r) => r.opIndex === opIndex);
}

export function createdObjectId(envelopeId: EnvelopeId, opIndex: number): ObjectId {
  return objectId(envelopeId, opIndex);
}
