// validateOps: validation stage 3 (schema) for one structurally valid envelope payload, plus the two
// reference checks only a stateful caller can make. Pure: references reach the graph through `resolve`.
import { assert } from "../shared/assert.ts";
import { nodeError, type ErrorCode } from "../shared/errors.ts";
import { parseObjectRef, type ObjectRef } from "../shared/ids.ts";
import type { JsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { EnvelopeContent, ObjectKind, Op, OpKind } from "../wire/index.ts";
import { checkValue } from "./field-rules.ts";
import type { CompiledSchema, CompiledType } from "./types.ts";

/** How the Graph tells the schema what an op references: kind, type and app of an existing object. */
export type ResolvedObject = { readonly kind: ObjectKind; readonly typeKey: string; readonly app: string };

/**
 * Looks up a global reference. Called only for `kind: "object"` refs (never `@i`), once per reference
 * field, before any schema check. It must answer for objects of any app, so the cross-app rule can
 * fire, and return `undefined` only when the object is not (yet) known.
 */
export type ObjectResolver = (ref: ObjectRef) => ResolvedObject | undefined;

/** What a reference field must name: the op's own type (updates) or a type from a relation list. */
type Role = "self" | "parents" | "from" | "to" | "targets";
type RefField = { readonly field: string; readonly kind: ObjectKind; readonly role: Role };

/** Per op: the kind of object it writes, whether it updates, and its reference fields (ADR 0002). */
const OP_SHAPES: Readonly<Record<OpKind, { readonly kind: ObjectKind; readonly update: boolean; readonly refs: readonly RefField[] }>> = {
  parent_create: { kind: "parent", update: false, refs: [] },
  parent_update: { kind: "parent", update: true, refs: [{ field: "parent_id", kind: "parent", role: "self" }] },
  attr_create: { kind: "attr", update: false, refs: [{ field: "parent_id", kind: "parent", role: "parents" }] },
  attr_update: { kind: "attr", update: true, refs: [{ field: "attr_id", kind: "attr", role: "self" }] },
  edge_create: {
    kind: "edge",
    update: false,
    refs: [
      { field: "src_parent_id", kind: "parent", role: "from" },
      { field: "dst_parent_id", kind: "parent", role: "to" },
      { field: "dst_attr_id", kind: "attr", role: "to" },
    ],
  },
  edge_update: { kind: "edge", update: true, refs: [{ field: "edge_id", kind: "edge", role: "self" }] },
  rating_create: {
    kind: "rating",
    update: false,
    refs: [
      { field: "target_parent_id", kind: "parent", role: "targets" },
      { field: "target_attr_id", kind: "attr", role: "targets" },
    ],
  },
  rating_update: { kind: "rating", update: true, refs: [{ field: "rating_id", kind: "rating", role: "self" }] },
};

const RELATION_REASONS: Readonly<Record<Role, string>> = {
  self: "update_type_mismatch",
  parents: "parent_type_not_allowed",
  from: "source_type_not_allowed",
  to: "destination_type_not_allowed",
  targets: "target_type_not_allowed",
};

/** One reference of one op, as far as it could be resolved. */
type Reference = { readonly opIndex: number; readonly ref: RefField; readonly path: string; readonly target: ResolvedObject | undefined };

type Failure = { readonly code: ErrorCode; readonly reason: string; readonly path: string; readonly message: string };

function failure(code: ErrorCode, reason: string, path: string, message: string): Failure {
  return { code, reason, path, message };
}

function payloadOf(op: Op): JsonObject {
  return op.payload;
}

/**
 * Stage 1 leftovers that need the graph: every reference resolves inside this app and names an object
 * of the kind its field expects. Local `@i` refs resolve to op i of this payload.
 */
function resolveReferences(
  payload: EnvelopeContent,
  resolve: ObjectResolver,
): { readonly refs: readonly Reference[]; readonly failure?: Failure } {
  const refs: Reference[] = [];
  for (const [opIndex, op] of payload.ops.entries()) {
    for (const ref of OP_SHAPES[op.op].refs) {
      const text = payloadOf(op)[ref.field];
      if (text === undefined) continue; // the other destination or target selector
      const path = `content.ops[${opIndex}].payload.${ref.field}`;
      const parsed = parseObjectRef(text);
      let target: ResolvedObject | undefined;
      if (parsed?.kind === "local") {
        const local = payload.ops[parsed.index];
        // ADR 0002: `@i` names an earlier op of this envelope that creates an object of the right kind.
        if (local === undefined || parsed.index >= opIndex || local.op !== `${ref.kind}_create`) {
          return {
            refs,
            failure: failure(
              "ERR_STRUCT_INVALID_IDENTIFIER",
              "invalid_local_ref",
              path,
              "A local reference does not name an earlier create of the right kind.",
            ),
          };
        }
        target = { kind: ref.kind, typeKey: local.type_key, app: payload.app };
      } else if (parsed?.kind === "object") {
        target = resolve(parsed);
        // AC-06 app isolation: an op never relates to another app's object.
        if (target !== undefined && target.app !== payload.app) {
          return {
            refs,
            failure: failure("ERR_STRUCT_INVALID_IDENTIFIER", "cross_app_reference", path, "A reference names an object of another app."),
          };
        }
        if (target !== undefined && target.kind !== ref.kind) {
          return {
            refs,
            failure: failure(
              "ERR_STRUCT_INVALID_IDENTIFIER",
              "reference_kind_mismatch",
              path,
              `A reference names a ${target.kind} where a ${ref.kind} is expected.`,
            ),
          };
        }
      } else {
        return { refs, failure: failure("ERR_STRUCT_INVALID_IDENTIFIER", "invalid_object_ref", path, "A reference is malformed.") };
      }
      refs.push({ opIndex, ref, path, target });
    }
  }
  return { refs };
}

function allowedTypes(type: CompiledType, role: Role): readonly string[] {
  return role === "self" ? [type.typeKey] : type[role];
}

/** Stage 3 for one op: type, kind, domain, mutability, value, relations (of resolved references). */
function checkOp(schema: CompiledSchema, payload: EnvelopeContent, opIndex: number, refs: readonly Reference[]): Failure | undefined {
  const op = payload.ops[opIndex]!;
  const path = `content.ops[${opIndex}]`;
  const shape = OP_SHAPES[op.op];
  const type = schema.types[op.type_key];
  if (type === undefined)
    return failure("ERR_SCHEMA_TYPE_NOT_ALLOWED", "unknown_type", `${path}.type_key`, "The type is not declared by the app's schema.");
  if (type.kind !== shape.kind) {
    return failure(
      "ERR_SCHEMA_TYPE_NOT_ALLOWED",
      "kind_mismatch",
      `${path}.op`,
      `The type is declared as a ${type.kind}, not a ${shape.kind}.`,
    );
  }
  if (type.domain !== payload.domain)
    return failure("ERR_SCHEMA_TYPE_NOT_ALLOWED", "type_not_in_domain", `${path}.type_key`, "The type belongs to another domain.");
  if (shape.update && type.immutable)
    return failure("ERR_SCHEMA_IMMUTABLE_OBJECT", "immutable_type", `${path}.op`, "Objects of this type are never updated.");
  if (shape.update && schema.domains[type.domain]!.mode === "append_only") {
    return failure("ERR_SCHEMA_APPEND_ONLY_VIOLATION", "update_in_append_only_domain", `${path}.op`, "The domain is append-only.");
  }
  // An update carries the object's whole next version (DESIGN §4 rule 3), so it meets the same rule.
  const violation = checkValue(type.value, payloadOf(op)["value"]!, `${path}.payload.value`);
  if (violation !== undefined)
    return failure("ERR_SCHEMA_INVALID_VALUE", violation.reason, violation.path, `The value breaks the schema at ${violation.path}.`);
  for (const { ref, path: refPath, target } of refs) {
    if (target === undefined) continue; // unresolved: stage 5 below; the relation is checked once it resolves
    if (!allowedTypes(type, ref.role).includes(target.typeKey)) {
      return failure("ERR_SCHEMA_EDGE_NOT_ALLOWED", RELATION_REASONS[ref.role], refPath, "The schema does not allow this relation.");
    }
  }
  return undefined;
}

/**
 * Stage 3 for one envelope payload of `schema.app`: every op, in order; the first violation decides.
 * Across stages the earliest stage decides (DESIGN D6): reference defects (stage 1:
 * ERR_STRUCT_INVALID_IDENTIFIER) before schema codes, and an unresolved global reference
 * (stage 5: ERR_SYNC_MISSING_DEPENDENCY, reason `unresolved_reference`) only when nothing else fails —
 * the graph parks such an envelope and validates it again once the object is known.
 */
export function validateOps(schema: CompiledSchema, payload: EnvelopeContent, resolve: ObjectResolver): Result<void> {
  assert(payload.app === schema.app, "validateOps needs the schema of the envelope's app");
  const references = resolveReferences(payload, resolve);
  if (references.failure !== undefined) return reject(references.failure);
  if (schema.domains[payload.domain] === undefined) {
    return reject(failure("ERR_SCHEMA_TYPE_NOT_ALLOWED", "unknown_domain", "content.domain", "The app's schema declares no such domain."));
  }
  for (let i = 0; i < payload.ops.length; i++) {
    const found = checkOp(
      schema,
      payload,
      i,
      references.refs.filter((r) => r.opIndex === i),
    );
    if (found !== undefined) return reject(found);
  }
  const missing = references.refs.find((r) => r.target === undefined);
  if (missing !== undefined) {
    return reject(failure("ERR_SYNC_MISSING_DEPENDENCY", "unresolved_reference", missing.path, "A referenced object is not known yet."));
  }
  return ok(undefined);
}

function reject(found: Failure): Result<void> {
  return err(nodeError(found.code, found.message, { reason: found.reason, path: found.path }));
}
