// FieldRules (ADR 0004): compiling one rule from a schema document, and checking one JSON value
// against a compiled rule. Pure; it knows nothing of ops, types or domains.
import { isJsonObject, type JsonValue } from "../shared/json.ts";
import { isCanonicalTimestamp, isFieldName, isIdentityIdText, isObjectIdText, joinPath } from "./grammar.ts";
import { FIELD_TYPES, SCHEMA_LIMITS, type CompiledRule, type FieldType, type JsonScalar } from "./types.ts";

/** Thrown only inside the schema compiler to stop at the first defect; compileSchema turns it into a Result. */
export class DocumentViolation extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export function fail(path: string, reason: string): never {
  throw new DocumentViolation(path, reason);
}

/** `Array.isArray` narrows JSON to `any[]`; this keeps the element type. */
export function isJsonArray(value: JsonValue | undefined): value is readonly JsonValue[] {
  return Array.isArray(value);
}

export function expectObject(value: JsonValue | undefined, path: string): { readonly [key: string]: JsonValue } {
  if (!isJsonObject(value)) fail(path, "expected_object");
  return value;
}

/** Missing required keys first, then unknown ones, each in sorted order: one defect, one reason. */
export function checkKeys(
  value: { readonly [key: string]: JsonValue },
  path: string,
  required: readonly string[],
  optional: readonly string[],
): void {
  for (const key of required) if (!Object.hasOwn(value, key)) fail(joinPath(path, key), "missing_field");
  const unknown = Object.keys(value)
    .filter((k) => !required.includes(k) && !optional.includes(k))
    .sort();
  if (unknown.length > 0) fail(joinPath(path, unknown[0]!), "unknown_field");
}

/** Counts fields across one type's rules, nested objects included (SCHEMA_LIMITS.maxFieldsPerType). */
export type FieldCounter = { count: number };

/** Which constraint keys each field type accepts besides `type` and `required`. */
const KEYS_BY_TYPE: Readonly<Record<FieldType, readonly string[]>> = {
  string: ["min_length", "max_length", "pattern", "enum", "format"],
  integer: ["minimum", "maximum", "enum"],
  number: ["minimum", "maximum", "enum"],
  boolean: ["enum"],
  array: ["items", "min_items", "max_items"],
  object: ["fields"],
  identity_id: [],
  object_id: [],
  any: [],
};
const RULE_KEYS = ["type", "required", ...new Set(Object.values(KEYS_BY_TYPE).flat())];

function count(value: JsonValue | undefined, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) fail(path, "expected_integer");
  if (value < 0) fail(path, "invalid_bounds");
  return value;
}

function bound(value: JsonValue | undefined, path: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (integer && (typeof value !== "number" || !Number.isSafeInteger(value))) fail(path, "expected_integer");
  if (typeof value !== "number" || !Number.isFinite(value)) fail(path, "expected_number");
  return value;
}

function ordered(min: number | undefined, max: number | undefined, path: string): void {
  if (min !== undefined && max !== undefined && min > max) fail(path, "invalid_bounds");
}

/** Full-match semantics: the source must be a regular expression on its own, then it is anchored. */
function compilePattern(value: JsonValue | undefined, path: string): RegExp | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") fail(path, "expected_string");
  if (value.length > SCHEMA_LIMITS.maxPatternLength) fail(path, "pattern_too_long");
  try {
    // Compiling the bare source first rejects `a)|(b`, which would escape the anchoring group below.
    new RegExp(value, "u");
    return new RegExp(`^(?:${value})$`, "u");
  } catch {
    return fail(path, "invalid_pattern");
  }
}

function isScalarOf(type: FieldType, value: JsonValue): value is JsonScalar {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    default:
      return false;
  }
}

function compileEnum(value: JsonValue | undefined, path: string, type: FieldType): readonly JsonScalar[] | undefined {
  if (value === undefined) return undefined;
  if (!isJsonArray(value) || value.length === 0) fail(path, "invalid_enum");
  const seen = new Set<JsonScalar>();
  value.forEach((member, i) => {
    if (!isScalarOf(type, member) || seen.has(member)) fail(joinPath(path, i), "invalid_enum");
    seen.add(member);
  });
  return Object.freeze([...seen]);
}

/**
 * Compiles one rule. `inFields` says whether it names an object member (only those may say
 * `required`); `depth` is its nesting level (SCHEMA_LIMITS.maxRuleDepth).
 */
export function compileRule(
  raw: JsonValue | undefined,
  path: string,
  inFields: boolean,
  depth: number,
  counter: FieldCounter,
): CompiledRule {
  if (depth > SCHEMA_LIMITS.maxRuleDepth) fail(path, "too_deep");
  const rule = expectObject(raw, path);
  checkKeys(rule, path, ["type"], RULE_KEYS);
  const type = rule["type"];
  if (typeof type !== "string" || !(FIELD_TYPES as readonly string[]).includes(type)) fail(joinPath(path, "type"), "unknown_field_type");
  const fieldType = type as FieldType;
  const misplaced = Object.keys(rule)
    .filter((k) => k !== "type" && k !== "required" && !KEYS_BY_TYPE[fieldType].includes(k))
    .sort();
  if (misplaced.length > 0) fail(joinPath(path, misplaced[0]!), "constraint_not_applicable");

  const required = rule["required"];
  if (required !== undefined) {
    if (!inFields) fail(joinPath(path, "required"), "required_outside_fields");
    if (typeof required !== "boolean") fail(joinPath(path, "required"), "expected_boolean");
  }
  const minLength = count(rule["min_length"], joinPath(path, "min_length"));
  const maxLength = count(rule["max_length"], joinPath(path, "max_length"));
  ordered(minLength, maxLength, joinPath(path, "max_length"));
  const pattern = compilePattern(rule["pattern"], joinPath(path, "pattern"));
  const enumValues = compileEnum(rule["enum"], joinPath(path, "enum"), fieldType);
  const format = rule["format"];
  if (format !== undefined && format !== "rfc3339") fail(joinPath(path, "format"), "unknown_format");
  const minimum = bound(rule["minimum"], joinPath(path, "minimum"), fieldType === "integer");
  const maximum = bound(rule["maximum"], joinPath(path, "maximum"), fieldType === "integer");
  ordered(minimum, maximum, joinPath(path, "maximum"));
  const minItems = count(rule["min_items"], joinPath(path, "min_items"));
  const maxItems = count(rule["max_items"], joinPath(path, "max_items"));
  ordered(minItems, maxItems, joinPath(path, "max_items"));
  const items = rule["items"] === undefined ? undefined : compileRule(rule["items"], joinPath(path, "items"), false, depth + 1, counter);
  const fields = rule["fields"] === undefined ? undefined : compileFields(rule["fields"], joinPath(path, "fields"), depth + 1, counter);

  return {
    type: fieldType,
    required: required === true,
    minLength,
    maxLength,
    pattern,
    enumValues,
    format: format === undefined ? undefined : "rfc3339",
    minimum,
    maximum,
    items,
    minItems,
    maxItems,
    fields,
  };
}

/** Compiles an object's members; each member rule sits at `depth`. */
export function compileFields(
  raw: JsonValue | undefined,
  path: string,
  depth: number,
  counter: FieldCounter,
): Readonly<Record<string, CompiledRule>> {
  if (depth > SCHEMA_LIMITS.maxRuleDepth) fail(path, "too_deep");
  const members = expectObject(raw, path);
  const out: Record<string, CompiledRule> = Object.create(null) as Record<string, CompiledRule>;
  for (const name of Object.keys(members).sort()) {
    const memberPath = joinPath(path, name);
    if (!isFieldName(name)) fail(memberPath, "invalid_field_name");
    if (++counter.count > SCHEMA_LIMITS.maxFieldsPerType) fail(memberPath, "too_many_fields");
    out[name] = compileRule(members[name], memberPath, true, depth, counter);
  }
  return out;
}

/** A strict object rule over `fields`: how parents and edges get one rule for their whole value. */
export function objectRule(fields: Readonly<Record<string, CompiledRule>>): CompiledRule {
  return {
    type: "object",
    required: true,
    minLength: undefined,
    maxLength: undefined,
    pattern: undefined,
    enumValues: undefined,
    format: undefined,
    minimum: undefined,
    maximum: undefined,
    items: undefined,
    minItems: undefined,
    maxItems: undefined,
    fields,
  };
}

/** Why a value breaks a rule, and where: `path` extended into the value (`value.tags[2]`). */
export type ValueViolation = { readonly reason: string; readonly path: string };

function typeViolation(rule: CompiledRule, value: JsonValue): string | undefined {
  switch (rule.type) {
    case "string":
      return typeof value === "string" ? undefined : "expected_string";
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value) ? undefined : "expected_integer";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "expected_number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "expected_boolean";
    case "array":
      return isJsonArray(value) ? undefined : "expected_array";
    case "object":
      return isJsonObject(value) ? undefined : "expected_object";
    case "identity_id":
      return typeof value !== "string" ? "expected_string" : isIdentityIdText(value) ? undefined : "invalid_identity_id";
    case "object_id":
      return typeof value !== "string" ? "expected_string" : isObjectIdText(value) ? undefined : "invalid_object_id";
    case "any":
      return undefined;
  }
}

/**
 * Checks `value` against `rule`. Order, so one value gets one reason: type; strings length, pattern,
 * format; numbers minimum, maximum; enum; arrays item count, then items in order; objects missing
 * required members, unknown members, then members in sorted order.
 */
export function checkValue(rule: CompiledRule, value: JsonValue, path = ""): ValueViolation | undefined {
  const typeReason = typeViolation(rule, value);
  if (typeReason !== undefined) return { reason: typeReason, path };
  if (typeof value === "string") {
    if (rule.minLength !== undefined && value.length < rule.minLength) return { reason: "too_short", path };
    if (rule.maxLength !== undefined && value.length > rule.maxLength) return { reason: "too_long", path };
    if (rule.pattern !== undefined && !rule.pattern.test(value)) return { reason: "pattern_mismatch", path };
    if (rule.format === "rfc3339" && !isCanonicalTimestamp(value)) return { reason: "invalid_timestamp", path };
  }
  if (typeof value === "number") {
    if (rule.minimum !== undefined && value < rule.minimum) return { reason: "below_minimum", path };
    if (rule.maximum !== undefined && value > rule.maximum) return { reason: "above_maximum", path };
  }
  if (rule.enumValues !== undefined && !rule.enumValues.includes(value as JsonScalar)) return { reason: "not_in_enum", path };
  if (isJsonArray(value)) {
    if (rule.minItems !== undefined && value.length < rule.minItems) return { reason: "too_few_items", path };
    if (rule.maxItems !== undefined && value.length > rule.maxItems) return { reason: "too_many_items", path };
    if (rule.items !== undefined) {
      for (let i = 0; i < value.length; i++) {
        const violation = checkValue(rule.items, value[i]!, joinPath(path, i));
        if (violation !== undefined) return violation;
      }
    }
  } else if (isJsonObject(value) && rule.fields !== undefined) {
    const fields = rule.fields;
    const names = Object.keys(fields).sort();
    for (const name of names) {
      if (fields[name]!.required && !Object.hasOwn(value, name)) return { reason: "missing_field", path: joinPath(path, name) };
    }
    const unknown = Object.keys(value)
      .filter((k) => !Object.hasOwn(fields, k))
      .sort();
    if (unknown.length > 0) return { reason: "unknown_field", path: joinPath(path, unknown[0]!) };
    for (const name of names) {
      if (!Object.hasOwn(value, name)) continue;
      const violation = checkValue(fields[name]!, value[name]!, joinPath(path, name));
      if (violation !== undefined) return violation;
    }
  }
  return undefined;
}
