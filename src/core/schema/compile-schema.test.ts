// compileSchema: the built-in documents compile, and every rule of the document format (ADR 0004)
// has a negative test that breaks exactly that rule (ERR_MNG_SCHEMA_VALIDATION_FAILED + reason).
import { describe, expect, it } from "vitest";
import { BUILT_IN_APP_SCHEMAS } from "../../apps/index.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { utf8 } from "../shared/bytes.ts";
import { compileSchema, SCHEMA_LIMITS, SYSTEM_SCHEMA } from "./index.ts";

/** A small valid document to break one rule at a time. */
function base(): Record<string, any> {
  return {
    app: "app.notes",
    version: "1.0.0",
    types: {
      "notes.note": { kind: "parent", fields: { title: { type: "string", required: true, min_length: 1, max_length: 120 } } },
      "notes.tag": { kind: "attr", parents: ["notes.note"], value: { type: "string", max_length: 32 } },
      "notes.link": { kind: "edge", from: ["notes.note"], to: ["notes.note", "notes.tag"], fields: {} },
      "notes.star": { kind: "rating", targets: ["notes.note"], value: { type: "integer", minimum: 1, maximum: 5 } },
    },
    domains: { notes: { types: ["notes.note", "notes.tag", "notes.link"], mode: "sync" }, stars: { types: ["notes.star"], mode: "local" } },
  };
}

type Mutation = (d: Record<string, any>) => unknown;
const types = (d: Record<string, any>) => d.types;
const note = (d: Record<string, any>) => d.types["notes.note"];
const title = (d: Record<string, any>) => d.types["notes.note"].fields.title;
/** Replaces the title rule, for rule-level cases. */
const titleRule =
  (rule: unknown): Mutation =>
  (d) => ((note(d).fields.title = rule), d);

function nested(depth: number): unknown {
  let rule: unknown = { type: "string" };
  for (let i = 1; i < depth; i++) rule = { type: "array", items: rule };
  return rule;
}

const cases: readonly (readonly [name: string, mutate: Mutation, reason: string, path: string])[] = [
  // the document
  ["a document that is not JSON", () => ({ app: "app.notes", at: new Date() }), "not_json", ""],
  ["a document with a NaN", (d) => ((title(d).max_length = Number.NaN), d), "not_json", ""],
  ["a document over 64 KiB canonical", (d) => ({ ...d, padding: "x".repeat(SCHEMA_LIMITS.maxDocumentBytes) }), "too_large", ""],
  ["a document that is an array", () => [], "expected_object", ""],
  ["a missing app", (d) => (delete d.app, d), "missing_field", "app"],
  ["a missing domains", (d) => (delete d.domains, d), "missing_field", "domains"],
  ["an unknown top-level field", (d) => ({ ...d, acl: {} }), "unknown_field", "acl"],
  ["an app name with upper case", (d) => ({ ...d, app: "App.Notes" }), "invalid_app", "app"],
  ["an empty version", (d) => ({ ...d, version: "" }), "invalid_version", "version"],
  ["a numeric version", (d) => ({ ...d, version: 1 }), "invalid_version", "version"],
  ["types that are an array", (d) => ({ ...d, types: [] }), "expected_object", "types"],
  ["no types", (d) => ({ ...d, types: {}, domains: {} }), "empty_list", "types"],
  [
    "more than 1024 types",
    (d) => ({ ...d, types: Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [`t.t${i}`, { kind: "parent", fields: {} }])) }),
    "too_many_types",
    "types",
  ],
  // type declarations
  ["a type key without a namespace", (d) => ((types(d).note = note(d)), d), "invalid_type_key", "types.note"],
  ["a type key with upper case", (d) => ((types(d)["Notes.note"] = note(d)), d), "invalid_type_key", 'types["Notes.note"]'],
  ["a declaration that is not an object", (d) => ((types(d)["notes.note"] = "parent"), d), "expected_object", 'types["notes.note"]'],
  ["a declaration without kind", (d) => (delete note(d).kind, d), "missing_field", 'types["notes.note"].kind'],
  ["an unknown kind", (d) => ((note(d).kind = "blob"), d), "unknown_kind", 'types["notes.note"].kind'],
  ["a parent with a value rule", (d) => ((note(d).value = { type: "string" }), d), "not_allowed_for_kind", 'types["notes.note"].value'],
  [
    "an edge with targets",
    (d) => ((d.types["notes.link"].targets = ["notes.note"]), d),
    "not_allowed_for_kind",
    'types["notes.link"].targets',
  ],
  ["a parent without fields", (d) => (delete note(d).fields, d), "missing_field", 'types["notes.note"].fields'],
  ["an attr without parents", (d) => (delete d.types["notes.tag"].parents, d), "missing_field", 'types["notes.tag"].parents'],
  ["an edge without to", (d) => (delete d.types["notes.link"].to, d), "missing_field", 'types["notes.link"].to'],
  ["a rating without targets", (d) => (delete d.types["notes.star"].targets, d), "missing_field", 'types["notes.star"].targets'],
  ["an unknown declaration key", (d) => ((note(d).acl = {}), d), "unknown_field", 'types["notes.note"].acl'],
  ["a non-boolean immutable", (d) => ((note(d).immutable = "yes"), d), "expected_boolean", 'types["notes.note"].immutable'],
  [
    "a relation list that is a string",
    (d) => ((d.types["notes.tag"].parents = "notes.note"), d),
    "expected_array",
    'types["notes.tag"].parents',
  ],
  ["an empty relation list", (d) => ((d.types["notes.link"].from = []), d), "empty_list", 'types["notes.link"].from'],
  [
    "a relation list entry that is not a string",
    (d) => ((d.types["notes.link"].to = [1]), d),
    "expected_string",
    'types["notes.link"].to[0]',
  ],
  [
    "a malformed type key in a relation list",
    (d) => ((d.types["notes.star"].targets = ["note"]), d),
    "invalid_type_key",
    'types["notes.star"].targets[0]',
  ],
  [
    "a type named twice in a relation list",
    (d) => ((d.types["notes.star"].targets = ["notes.note", "notes.note"]), d),
    "duplicate_entry",
    'types["notes.star"].targets[1]',
  ],
  // fields and rules
  ["fields that are an array", (d) => ((note(d).fields = []), d), "expected_object", 'types["notes.note"].fields'],
  [
    "a field name in camelCase",
    (d) => ((note(d).fields.createdAt = { type: "string" }), d),
    "invalid_field_name",
    'types["notes.note"].fields.createdAt',
  ],
  [
    "more than 256 fields in one type",
    (d) => ((note(d).fields = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`f${i}`, { type: "any" }]))), d),
    "too_many_fields",
    'types["notes.note"].fields.f99',
  ],
  [
    "257 fields across nesting levels",
    (d) => (
      (note(d).fields = {
        ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, { type: "any" }])),
        nested: { type: "object", fields: Object.fromEntries(Array.from({ length: 56 }, (_, i) => [`g${i}`, { type: "any" }])) },
      }),
      d
    ),
    "too_many_fields",
    'types["notes.note"].fields.nested.fields.g9',
  ],
  ["a rule that is not an object", titleRule("string"), "expected_object", 'types["notes.note"].fields.title'],
  ["a rule without type", titleRule({ required: true }), "missing_field", 'types["notes.note"].fields.title.type'],
  ["an unknown rule key", titleRule({ type: "string", default: "x" }), "unknown_field", 'types["notes.note"].fields.title.default'],
  ["an unknown field type", titleRule({ type: "text" }), "unknown_field_type", 'types["notes.note"].fields.title.type'],
  [
    "min_length on an integer",
    titleRule({ type: "integer", min_length: 1 }),
    "constraint_not_applicable",
    'types["notes.note"].fields.title.min_length',
  ],
  [
    "items on an object",
    titleRule({ type: "object", items: { type: "any" } }),
    "constraint_not_applicable",
    'types["notes.note"].fields.title.items',
  ],
  [
    "required on a whole attr value",
    (d) => ((d.types["notes.tag"].value.required = true), d),
    "required_outside_fields",
    'types["notes.tag"].value.required',
  ],
  [
    "required on array items",
    titleRule({ type: "array", items: { type: "string", required: true } }),
    "required_outside_fields",
    'types["notes.note"].fields.title.items.required',
  ],
  ["a non-boolean required", titleRule({ type: "string", required: 1 }), "expected_boolean", 'types["notes.note"].fields.title.required'],
  [
    "a fractional max_length",
    titleRule({ type: "string", max_length: 1.5 }),
    "expected_integer",
    'types["notes.note"].fields.title.max_length',
  ],
  ["a negative min_items", titleRule({ type: "array", min_items: -1 }), "invalid_bounds", 'types["notes.note"].fields.title.min_items'],
  [
    "min_length above max_length",
    titleRule({ type: "string", min_length: 5, max_length: 4 }),
    "invalid_bounds",
    'types["notes.note"].fields.title.max_length',
  ],
  [
    "minimum above maximum",
    titleRule({ type: "number", minimum: 2, maximum: 1.5 }),
    "invalid_bounds",
    'types["notes.note"].fields.title.maximum',
  ],
  [
    "min_items above max_items",
    titleRule({ type: "array", min_items: 3, max_items: 2 }),
    "invalid_bounds",
    'types["notes.note"].fields.title.max_items',
  ],
  [
    "a fractional minimum on an integer",
    titleRule({ type: "integer", minimum: 0.5 }),
    "expected_integer",
    'types["notes.note"].fields.title.minimum',
  ],
  [
    "a string maximum on a number",
    titleRule({ type: "number", maximum: "9" }),
    "expected_number",
    'types["notes.note"].fields.title.maximum',
  ],
  [
    "a pattern that is not a string",
    titleRule({ type: "string", pattern: 7 }),
    "expected_string",
    'types["notes.note"].fields.title.pattern',
  ],
  [
    "a pattern over 256 characters",
    titleRule({ type: "string", pattern: "a".repeat(257) }),
    "pattern_too_long",
    'types["notes.note"].fields.title.pattern',
  ],
  [
    "a pattern that does not compile",
    titleRule({ type: "string", pattern: "[a-" }),
    "invalid_pattern",
    'types["notes.note"].fields.title.pattern',
  ],
  [
    "a pattern that would escape its anchors",
    titleRule({ type: "string", pattern: "a)|(b" }),
    "invalid_pattern",
    'types["notes.note"].fields.title.pattern',
  ],
  ["an empty enum", titleRule({ type: "string", enum: [] }), "invalid_enum", 'types["notes.note"].fields.title.enum'],
  ["an enum that is not an array", titleRule({ type: "string", enum: "a" }), "invalid_enum", 'types["notes.note"].fields.title.enum'],
  [
    "an enum member of another type",
    titleRule({ type: "string", enum: ["a", 1] }),
    "invalid_enum",
    'types["notes.note"].fields.title.enum[1]',
  ],
  ["an enum member twice", titleRule({ type: "integer", enum: [1, 2, 1] }), "invalid_enum", 'types["notes.note"].fields.title.enum[2]'],
  [
    "a fractional member of an integer enum",
    titleRule({ type: "integer", enum: [1.5] }),
    "invalid_enum",
    'types["notes.note"].fields.title.enum[0]',
  ],
  ["an unknown format", titleRule({ type: "string", format: "email" }), "unknown_format", 'types["notes.note"].fields.title.format'],
  [
    "rules nested 9 deep",
    titleRule(nested(9)),
    "too_deep",
    'types["notes.note"].fields.title.items.items.items.items.items.items.items.items',
  ],
  [
    "objects nested 9 deep",
    (d) => {
      let rule: any = { type: "object", fields: {} };
      for (let i = 1; i < 8; i++) rule = { type: "object", fields: { inner: rule } };
      note(d).fields.title = rule;
      return d;
    },
    "too_deep",
    'types["notes.note"].fields.title.fields.inner.fields.inner.fields.inner.fields.inner.fields.inner.fields.inner.fields.inner.fields',
  ],
  // domains
  ["domains that are an array", (d) => ({ ...d, domains: [] }), "expected_object", "domains"],
  ["no domains", (d) => ({ ...d, domains: {} }), "empty_list", "domains"],
  [
    "more than 128 domains",
    (d) => ({
      ...d,
      domains: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`d${i}`, { types: ["notes.note"], mode: "sync" }])),
    }),
    "too_many_domains",
    "domains",
  ],
  [
    "a domain name with a dot",
    (d) => ((d.domains["notes.all"] = d.domains.notes), delete d.domains.notes, d),
    "invalid_domain_name",
    'domains["notes.all"]',
  ],
  ["a domain without mode", (d) => (delete d.domains.notes.mode, d), "missing_field", "domains.notes.mode"],
  ["an unknown domain key", (d) => ((d.domains.notes.peers = []), d), "unknown_field", "domains.notes.peers"],
  ["an unknown mode", (d) => ((d.domains.notes.mode = "allow_update"), d), "unknown_mode", "domains.notes.mode"],
  ["a domain without types", (d) => ((d.domains.stars.types = []), d), "empty_list", "domains.stars.types"],
  // relations and membership
  [
    "an attr on an undeclared type",
    (d) => ((d.types["notes.tag"].parents = ["notes.folder"]), d),
    "undeclared_type",
    'types["notes.tag"].parents[0]',
  ],
  [
    "an edge to another app's type",
    (d) => ((d.types["notes.link"].to = ["system.identity"]), d),
    "undeclared_type",
    'types["notes.link"].to[0]',
  ],
  ["an attr on an attr", (d) => ((d.types["notes.tag"].parents = ["notes.tag"]), d), "kind_mismatch", 'types["notes.tag"].parents[0]'],
  ["an edge from an attr", (d) => ((d.types["notes.link"].from = ["notes.tag"]), d), "kind_mismatch", 'types["notes.link"].from[0]'],
  ["an edge to an edge", (d) => ((d.types["notes.link"].to = ["notes.link"]), d), "kind_mismatch", 'types["notes.link"].to[0]'],
  ["a rating of a rating", (d) => ((d.types["notes.star"].targets = ["notes.star"]), d), "kind_mismatch", 'types["notes.star"].targets[0]'],
  [
    "a domain listing an undeclared type",
    (d) => (d.domains.stars.types.push("notes.folder"), d),
    "undeclared_type",
    "domains.stars.types[1]",
  ],
  ["a type in two domains", (d) => (d.domains.stars.types.push("notes.note"), d), "type_in_two_domains", "domains.stars.types[1]"],
  [
    "a type in no domain",
    (d) => ((d.domains.stars.types = ["notes.note"]), delete d.domains.notes, d),
    "type_without_domain",
    'types["notes.link"]',
  ],
];

describe("compileSchema", () => {
  it.each([SYSTEM_SCHEMA, ...BUILT_IN_APP_SCHEMAS].map((d) => [d.app, d] as const))("accepts the built-in %s schema", (_app, document) => {
    const result = compileSchema(document);
    expect(result.ok ? result.value.app : result.error).toBe(document.app);
  });

  it("accepts the small base document", () => {
    expect(compileSchema(base()).ok).toBe(true);
  });

  it.each(cases.map(([name, mutate, reason, path]) => [name, reason, mutate, path] as const))(
    "rejects %s (ERR_MNG_SCHEMA_VALIDATION_FAILED, %s)",
    (_name, reason, mutate, path) => {
      const result = compileSchema(mutate(base()));
      expect(result.ok ? undefined : result.error).toMatchObject({
        code: "ERR_MNG_SCHEMA_VALIDATION_FAILED",
        category: "schema",
        data: { reason, path },
      });
    },
  );

  it("accepts limits exactly at their bounds (1024 types, 256 fields, 128 domains, depth 8)", () => {
    const many = Object.fromEntries(Array.from({ length: 1024 }, (_, i) => [`t.t${i}`, { kind: "parent", fields: {} }]));
    expect(compileSchema({ ...base(), types: many, domains: { all: { types: Object.keys(many), mode: "sync" } } }).ok).toBe(true);
    const wide = base();
    note(wide).fields = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`f${i}`, { type: "any" }]));
    expect(compileSchema(wide).ok).toBe(true);
    const domains = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`d${i}`, { types: [`t.t${i}`], mode: "sync" }]));
    const types128 = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`t.t${i}`, { kind: "parent", fields: {} }]));
    expect(compileSchema({ ...base(), types: types128, domains }).ok).toBe(true);
    expect(compileSchema(titleRule(nested(8))(base())).ok).toBe(true);
  });

  it("measures the 64 KiB limit on the canonical UTF-8 bytes (too_large)", () => {
    const doc = base();
    doc.types["notes.note"].fields.title.pattern = "";
    const fill = SCHEMA_LIMITS.maxDocumentBytes - utf8(canonicalize(doc)).length;
    doc.types["notes.note"].fields.title.pattern = "x".repeat(fill);
    // At the byte limit, the size check passes and the pattern length check speaks instead.
    expect(compileSchema(doc)).toMatchObject({ ok: false, error: { data: { reason: "pattern_too_long" } } });
    doc.types["notes.note"].fields.title.pattern = "x".repeat(fill + 1);
    expect(compileSchema(doc)).toMatchObject({ ok: false, error: { data: { reason: "too_large" } } });
    // Bytes, not UTF-16 units: half as many two-byte characters are just as large.
    doc.types["notes.note"].fields.title.pattern = "é".repeat(Math.ceil((fill + 1) / 2));
    expect(compileSchema(doc)).toMatchObject({ ok: false, error: { data: { reason: "too_large" } } });
  });

  it("compiles types with their domain, kind, relations and mutability", () => {
    const result = compileSchema({
      ...base(),
      types: { ...base().types, "notes.star": { ...base().types["notes.star"], immutable: true } },
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.types["notes.star"]).toMatchObject({ kind: "rating", domain: "stars", immutable: true, targets: ["notes.note"] });
    expect(result.value.types["notes.link"]).toMatchObject({
      kind: "edge",
      domain: "notes",
      immutable: false,
      from: ["notes.note"],
      to: ["notes.note", "notes.tag"],
    });
    expect(result.value.domains["stars"]).toEqual({ name: "stars", mode: "local", types: ["notes.star"] });
    // Null-prototype records: no inherited member can pass for a declared type.
    expect("toString" in result.value.types).toBe(false);
  });

  it("returns a deep-frozen schema that shares nothing with the caller's document", () => {
    const doc = base();
    const result = compileSchema(doc);
    if (!result.ok) throw new Error(result.error.message);
    const schema = result.value;
    expect(Object.isFrozen(schema)).toBe(true);
    expect(Object.isFrozen(schema.types["notes.note"]!.value.fields!["title"])).toBe(true);
    expect(Object.isFrozen(schema.document.types)).toBe(true);
    doc.types["notes.note"].fields.title.max_length = 1;
    expect(schema.types["notes.note"]!.value.fields!["title"]!.maxLength).toBe(120);
    expect(schema.document).toEqual(base());
  });

  it("freezes SYSTEM_SCHEMA", () => {
    expect(Object.isFrozen(SYSTEM_SCHEMA.types["system.identity"].fields)).toBe(true);
  });
});
