// Derives, from a schema document and one full valid sample per type, a passing and a failing value
// for every constraint of every field rule. A constraint without a derivation throws, so a new
// FieldRule key cannot slip into the built-in schemas untested.
import type { FieldRule, FieldRules, TypeDeclaration } from "../index.ts";

type Segment = string | number;
export type RuleCase = {
  /** e.g. `handle: max_length 64`. */
  readonly name: string;
  /** The whole op value, with one thing changed. */
  readonly value: unknown;
  /** Absent for passing cases; otherwise the reason and the path inside the value. */
  readonly expect?: { readonly reason: string; readonly at: string };
};

const UNKNOWN_MEMBER = "zz_unknown";

function pathText(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function getAt(root: unknown, path: readonly Segment[]): unknown {
  return path.reduce<any>((node, key) => node?.[key], root);
}

/** A deep copy of `root` with the value at `path` replaced (or removed, for `undefined`). */
function withAt(root: unknown, path: readonly Segment[], value: unknown): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return value;
  const parent: any = getAt(copy, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (value === undefined) delete parent[key];
  else parent[key] = value;
  return copy;
}

function fullMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, "u");
}

/** A string of `length` characters that satisfies the rule's pattern, if one of a few fillers does. */
function filler(rule: FieldRule, length: number): string | undefined {
  for (const char of ["a", "A", "0"]) {
    const text = char.repeat(length);
    if (rule.pattern === undefined || fullMatch(rule.pattern).test(text)) return text;
  }
  return undefined;
}

const WRONG_TYPE: Readonly<Record<FieldRule["type"], readonly [unknown, string] | undefined>> = {
  string: [42, "expected_string"],
  identity_id: [42, "expected_string"],
  object_id: [42, "expected_string"],
  integer: ["1", "expected_integer"],
  number: ["1", "expected_number"],
  boolean: ["yes", "expected_boolean"],
  array: [{}, "expected_array"],
  object: [[], "expected_object"],
  any: undefined,
};

const HANDLED = new Set([
  "type",
  "required",
  "min_length",
  "max_length",
  "pattern",
  "enum",
  "format",
  "minimum",
  "maximum",
  "items",
  "min_items",
  "max_items",
  "fields",
]);

function ruleCases(rule: FieldRule, root: unknown, path: readonly Segment[], out: RuleCase[]): void {
  for (const key of Object.keys(rule)) if (!HANDLED.has(key)) throw new Error(`no case derivation for "${key}"`);
  const sample = getAt(root, path);
  const where = pathText(path);
  const label = where === "" ? "value" : where;
  if (sample === undefined) throw new Error(`the sample has no value at ${label}: add it so its rules are tested`);
  const pass = (name: string, value: unknown) => out.push({ name: `${label}: ${name}`, value: withAt(root, path, value) });
  const failWith = (name: string, value: unknown, reason: string, at = where) =>
    out.push({ name: `${label}: ${name}`, value: withAt(root, path, value), expect: { reason, at } });

  const wrong = WRONG_TYPE[rule.type];
  if (wrong !== undefined)
    failWith(
      `a ${typeof wrong[0] === "object" ? JSON.stringify(wrong[0]) : typeof wrong[0]} where ${rule.type} is due`,
      wrong[0],
      wrong[1],
    );
  if (rule.type === "integer") failWith("a fraction", 1.5, "expected_integer");
  if (rule.type === "identity_id") failWith("a malformed identity id", "ada", "invalid_identity_id");
  if (rule.type === "object_id") {
    failWith("a malformed object id", "thread-1", "invalid_object_id");
    failWith("a local @0 reference", "@0", "invalid_object_id");
  }
  if (rule.min_length !== undefined) {
    const ok = filler(rule, rule.min_length);
    if (ok !== undefined) pass(`min_length ${rule.min_length} at the bound`, ok);
    if (rule.min_length > 0) failWith(`min_length ${rule.min_length} undercut`, "a".repeat(rule.min_length - 1), "too_short");
  }
  if (rule.max_length !== undefined) {
    const ok = filler(rule, rule.max_length);
    if (ok !== undefined) pass(`max_length ${rule.max_length} at the bound`, ok);
    failWith(`max_length ${rule.max_length} exceeded`, "a".repeat(rule.max_length + 1), "too_long");
  }
  if (rule.pattern !== undefined) {
    const bad = "!".repeat(Math.max(rule.min_length ?? 1, 1));
    if (fullMatch(rule.pattern).test(bad)) throw new Error(`no mismatching string for pattern ${rule.pattern}`);
    failWith(`pattern ${rule.pattern} broken`, bad, "pattern_mismatch");
  }
  if (rule.format === "rfc3339") {
    failWith("rfc3339 without milliseconds", "2026-11-21T10:00:00Z", "invalid_timestamp");
    failWith("rfc3339 of a day that does not exist", "2026-02-30T10:00:00.000Z", "invalid_timestamp");
  }
  if (rule.minimum !== undefined) {
    pass(`minimum ${rule.minimum} at the bound`, rule.minimum);
    failWith(`minimum ${rule.minimum} undercut`, rule.type === "integer" ? rule.minimum - 1 : rule.minimum - 0.5, "below_minimum");
  }
  if (rule.maximum !== undefined) {
    pass(`maximum ${rule.maximum} at the bound`, rule.maximum);
    failWith(`maximum ${rule.maximum} exceeded`, rule.type === "integer" ? rule.maximum + 1 : rule.maximum + 0.5, "above_maximum");
  }
  if (rule.enum !== undefined) {
    for (const member of rule.enum) pass(`enum member ${JSON.stringify(member)}`, member);
    const outsider =
      rule.type === "string" ? "zz_not_listed" : rule.type === "boolean" ? undefined : Math.max(...(rule.enum as number[])) + 1;
    if (outsider !== undefined) failWith("a value outside the enum", outsider, "not_in_enum");
  }
  if (rule.type === "array") {
    const first = (sample as unknown[])[0];
    if (first === undefined) throw new Error(`the sample array at ${label} needs an item`);
    if (rule.min_items !== undefined && rule.min_items > 0)
      failWith(`min_items ${rule.min_items} undercut`, Array(rule.min_items - 1).fill(first), "too_few_items");
    if (rule.max_items !== undefined) {
      pass(`max_items ${rule.max_items} at the bound`, Array(rule.max_items).fill(first));
      failWith(`max_items ${rule.max_items} exceeded`, Array(rule.max_items + 1).fill(first), "too_many_items");
    }
    if (rule.items !== undefined) ruleCases(rule.items, root, [...path, 0], out);
  }
  if (rule.type === "object" && rule.fields !== undefined) fieldsCases(rule.fields, root, path, out);
}

function fieldsCases(fields: FieldRules, root: unknown, path: readonly Segment[], out: RuleCase[]): void {
  const where = pathText(path);
  const sample = getAt(root, path) as Record<string, unknown>;
  out.push({
    name: `${where === "" ? "value" : where}: an unknown member`,
    value: withAt(root, path, { ...sample, [UNKNOWN_MEMBER]: 1 }),
    expect: { reason: "unknown_field", at: pathText([...path, UNKNOWN_MEMBER]) },
  });
  for (const [name, rule] of Object.entries(fields)) {
    const memberPath = [...path, name];
    if (rule.required === true) {
      out.push({
        name: `${pathText(memberPath)}: required, missing`,
        value: withAt(root, memberPath, undefined),
        expect: { reason: "missing_field", at: pathText(memberPath) },
      });
    } else {
      out.push({ name: `${pathText(memberPath)}: optional, absent`, value: withAt(root, memberPath, undefined) });
    }
    ruleCases(rule, root, memberPath, out);
  }
}

/** Every case for one type: the full sample passes, then one case per constraint. */
export function typeRuleCases(declaration: TypeDeclaration, sample: unknown): readonly RuleCase[] {
  const out: RuleCase[] = [{ name: "the full sample", value: sample }];
  if (declaration.fields !== undefined) fieldsCases(declaration.fields, sample, [], out);
  else if (declaration.value !== undefined) ruleCases(declaration.value, sample, [], out);
  return out;
}
