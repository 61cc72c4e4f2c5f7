// Test payloads for validateOps: unsigned EnvelopePayload-shaped objects and a resolver over a map of
// fake global objects. Schema validation never looks at signatures, so nothing here is signed.
import type { ObjectKind } from "../../wire/index.ts";
import type { CompiledSchema, ObjectResolver, ResolvedObject } from "../index.ts";

export const CREATED_AT = "2026-11-21T10:00:00.000Z";
/** 43 base64url characters of 32 bytes: a well-formed identity or envelope id. */
export const fakeDigest = (first: string) => `${first}${"A".repeat(42)}`;
export const OWNER = fakeDigest("O");
export const ENVELOPE = fakeDigest("E");

/** A registry of fake global objects: `refTo` names one, `resolver` finds it again. */
export class FakeGraph {
  private readonly objects = new Map<string, ResolvedObject>();

  /** A global object id naming a new object. */
  add(object: ResolvedObject): string {
    const id = `${ENVELOPE}:${this.objects.size}`;
    this.objects.set(id, object);
    return id;
  }

  /** An object of `typeKey` in the schema's app; a type the schema does not declare counts as a parent. */
  refTo(schema: CompiledSchema, typeKey: string): string {
    return this.add({ kind: kindOf(schema, typeKey), typeKey, app: schema.app });
  }

  readonly resolver: ObjectResolver = (ref) => (ref.kind === "object" ? this.objects.get(`${ref.envelopeId}:${ref.index}`) : undefined);
}

export type TestOp = { op: string; type_key: string; owner_identity: string; payload: Record<string, any> };

export function payload(app: string, domain: string, ops: readonly TestOp[]): any {
  return { app, domain, trace_id: "trace-1", seq: 2, prev: ENVELOPE, deps: [], lamport: 1, created_at: CREATED_AT, ops };
}

export function op(kind: string, typeKey: string, fields: Record<string, any>): TestOp {
  return { op: kind, type_key: typeKey, owner_identity: OWNER, payload: fields };
}

const DESTINATION_FIELD: Readonly<Record<"edge" | "rating", Partial<Record<ObjectKind, string>>>> = {
  edge: { parent: "dst_parent_id", attr: "dst_attr_id" },
  rating: { parent: "target_parent_id", attr: "target_attr_id" },
};

function kindOf(schema: CompiledSchema, typeKey: string): ObjectKind {
  return schema.types[typeKey]?.kind ?? "parent";
}

/** Which payload field an edge destination or a rating target goes in, by the target's kind. */
export function targetField(schema: CompiledSchema, opKind: "edge" | "rating", targetType: string): string {
  return DESTINATION_FIELD[opKind][kindOf(schema, targetType)]!;
}

/**
 * A create op of `typeKey` carrying `value`, related to objects of the first allowed types (or of
 * the types given), all registered in `graph`.
 */
export function createOp(
  schema: CompiledSchema,
  graph: FakeGraph,
  typeKey: string,
  value: unknown,
  related: { from?: string; to?: string } = {},
): TestOp {
  const type = schema.types[typeKey]!;
  switch (type.kind) {
    case "parent":
      return op("parent_create", typeKey, { value });
    case "attr":
      return op("attr_create", typeKey, { parent_id: graph.refTo(schema, related.to ?? type.parents[0]!), value });
    case "edge": {
      const to = related.to ?? type.to[0]!;
      return op("edge_create", typeKey, {
        src_parent_id: graph.refTo(schema, related.from ?? type.from[0]!),
        [targetField(schema, "edge", to)]: graph.refTo(schema, to),
        value,
      });
    }
    case "rating": {
      const to = related.to ?? type.targets[0]!;
      return op("rating_create", typeKey, { [targetField(schema, "rating", to)]: graph.refTo(schema, to), value });
    }
  }
}

const UPDATE_FIELD: Readonly<Record<ObjectKind, string>> = { parent: "parent_id", attr: "attr_id", edge: "edge_id", rating: "rating_id" };

/** An update op of `typeKey` whose target is a registered object of `targetType` (default: the same type). */
export function updateOp(schema: CompiledSchema, graph: FakeGraph, typeKey: string, value: unknown, targetType = typeKey): TestOp {
  const kind = schema.types[typeKey]!.kind;
  return op(`${kind}_update`, typeKey, { [UPDATE_FIELD[kind]]: graph.refTo(schema, targetType), value });
}
