// compileSchema: checks an untrusted schema document (ADR 0004) and compiles it into a frozen form.
// Pure: it reads no registry and no graph. A document must be self-contained (no cross-app types).
import { utf8ByteLength } from "../shared/bytes.ts";
import { tryCanonicalize } from "../shared/canonical-json.ts";
import { nodeError } from "../shared/errors.ts";
import type { JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isAppName, isDomainName, type ObjectKind } from "../wire/index.ts";
import { deepFreeze } from "./deep-freeze.ts";
import { DocumentViolation, checkKeys, compileFields, compileRule, expectObject, fail, isJsonArray, objectRule } from "./field-rules.ts";
import { isTypeKey, joinPath } from "./grammar.ts";
import {
  DOMAIN_MODES,
  SCHEMA_LIMITS,
  TYPE_KINDS,
  type CompiledDomain,
  type CompiledRule,
  type CompiledSchema,
  type CompiledType,
  type DomainMode,
  type SchemaDocument,
} from "./types.ts";

/** The declaration keys each kind requires, and the ones it may add; anything else is refused. */
const KIND_KEYS: Readonly<Record<ObjectKind, { readonly required: readonly string[]; readonly optional: readonly string[] }>> = {
  parent: { required: ["kind", "fields"], optional: ["immutable"] },
  attr: { required: ["kind", "value", "parents"], optional: ["immutable"] },
  edge: { required: ["kind", "fields", "from", "to"], optional: ["immutable"] },
  rating: { required: ["kind", "value", "targets"], optional: ["immutable"] },
};
const DECLARATION_KEYS = ["kind", "fields", "value", "parents", "from", "to", "targets", "immutable"];

/** Which kinds each relation list may name (ADR 0004: attrs hang on parents; edges start at parents). */
const RELATION_KINDS = {
  parents: ["parent"],
  from: ["parent"],
  to: ["parent", "attr"],
  targets: ["parent", "attr"],
} as const satisfies Record<string, readonly ObjectKind[]>;
type RelationList = keyof typeof RELATION_KINDS;

type DraftType = Omit<CompiledType, "domain"> & { readonly path: string };

function typeKeyList(value: JsonValue | undefined, path: string): readonly string[] {
  if (!isJsonArray(value)) fail(path, "expected_array");
  if (value.length === 0) fail(path, "empty_list");
  const seen = new Set<string>();
  value.forEach((entry, i) => {
    if (typeof entry !== "string") fail(joinPath(path, i), "expected_string");
    if (!isTypeKey(entry)) fail(joinPath(path, i), "invalid_type_key");
    if (seen.has(entry)) fail(joinPath(path, i), "duplicate_entry");
    seen.add(entry);
  });
  return Object.freeze([...seen]);
}

function compileType(typeKey: string, raw: JsonValue | undefined, path: string): DraftType {
  const declaration = expectObject(raw, path);
  if (!Object.hasOwn(declaration, "kind")) fail(joinPath(path, "kind"), "missing_field");
  const kind = declaration["kind"];
  if (typeof kind !== "string" || !(TYPE_KINDS as readonly string[]).includes(kind)) fail(joinPath(path, "kind"), "unknown_kind");
  const keys = KIND_KEYS[kind as ObjectKind];
  // A key of another kind (`value` on a parent, `parents` on an edge) is a misunderstanding, not a typo.
  const foreign = Object.keys(declaration)
    .filter((k) => DECLARATION_KEYS.includes(k) && !keys.required.includes(k) && !keys.optional.includes(k))
    .sort();
  if (foreign.length > 0) fail(joinPath(path, foreign[0]!), "not_allowed_for_kind");
  checkKeys(declaration, path, keys.required, keys.optional);

  const immutable = declaration["immutable"];
  if (immutable !== undefined && typeof immutable !== "boolean") fail(joinPath(path, "immutable"), "expected_boolean");
  const counter = { count: 0 };
  const value: CompiledRule =
    declaration["fields"] !== undefined
      ? objectRule(compileFields(declaration["fields"], joinPath(path, "fields"), 1, counter))
      : compileRule(declaration["value"], joinPath(path, "value"), false, 1, counter);
  const list = (name: RelationList): readonly string[] =>
    declaration[name] === undefined ? Object.freeze([]) : typeKeyList(declaration[name], joinPath(path, name));
  return {
    path,
    typeKey,
    kind: kind as ObjectKind,
    immutable: immutable === true,
    value,
    parents: list("parents"),
    from: list("from"),
    to: list("to"),
    targets: list("targets"),
  };
}

function compileDomain(name: string, raw: JsonValue | undefined, path: string): CompiledDomain {
  if (!isDomainName(name)) fail(path, "invalid_domain_name");
  const domain = expectObject(raw, path);
  checkKeys(domain, path, ["types", "mode"], []);
  const mode = domain["mode"];
  if (typeof mode !== "string" || !(DOMAIN_MODES as readonly string[]).includes(mode)) fail(joinPath(path, "mode"), "unknown_mode");
  return { name, mode: mode as DomainMode, types: typeKeyList(domain["types"], joinPath(path, "types")) };
}

/** Every related type is declared here (no cross-app types) and of a kind the relation allows. */
function checkRelations(types: ReadonlyMap<string, DraftType>): void {
  for (const type of types.values()) {
    for (const list of Object.keys(RELATION_KINDS) as RelationList[]) {
      type[list].forEach((related, i) => {
        const target = types.get(related);
        const path = joinPath(joinPath(type.path, list), i);
        if (target === undefined) fail(path, "undeclared_type");
        if (!(RELATION_KINDS[list] as readonly ObjectKind[]).includes(target.kind)) fail(path, "kind_mismatch");
      });
    }
  }
}

/** Each declared type belongs to exactly one domain, and a domain lists only declared types. */
function assignDomains(types: ReadonlyMap<string, DraftType>, domains: readonly CompiledDomain[]): Map<string, string> {
  const domainOf = new Map<string, string>();
  for (const domain of domains) {
    domain.types.forEach((typeKey, i) => {
      const path = joinPath(joinPath(joinPath("domains", domain.name), "types"), i);
      if (!types.has(typeKey)) fail(path, "undeclared_type");
      if (domainOf.has(typeKey)) fail(path, "type_in_two_domains");
      domainOf.set(typeKey, domain.name);
    });
  }
  for (const type of types.values()) if (!domainOf.has(type.typeKey)) fail(type.path, "type_without_domain");
  return domainOf;
}

function nullRecord<T>(entries: Iterable<readonly [string, T]>): Readonly<Record<string, T>> {
  const record = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) record[key] = value;
  return record;
}

function compileDocument(document: JsonValue): CompiledSchema {
  const root = expectObject(document, "");
  checkKeys(root, "", ["app", "version", "types", "domains"], []);
  const app = root["app"];
  if (typeof app !== "string" || !isAppName(app)) fail("app", "invalid_app");
  const version = root["version"];
  if (typeof version !== "string" || version.length === 0 || version.length > 64) fail("version", "invalid_version");

  const rawTypes = expectObject(root["types"], "types");
  const typeKeys = Object.keys(rawTypes).sort();
  if (typeKeys.length === 0) fail("types", "empty_list");
  if (typeKeys.length > SCHEMA_LIMITS.maxTypes) fail("types", "too_many_types");
  const types = new Map<string, DraftType>();
  for (const typeKey of typeKeys) {
    const path = joinPath("types", typeKey);
    if (!isTypeKey(typeKey)) fail(path, "invalid_type_key");
    types.set(typeKey, compileType(typeKey, rawTypes[typeKey], path));
  }

  const rawDomains = expectObject(root["domains"], "domains");
  const domainNames = Object.keys(rawDomains).sort();
  if (domainNames.length === 0) fail("domains", "empty_list");
  if (domainNames.length > SCHEMA_LIMITS.maxDomains) fail("domains", "too_many_domains");
  const domains = domainNames.map((name) => compileDomain(name, rawDomains[name], joinPath("domains", name)));

  checkRelations(types);
  const domainOf = assignDomains(types, domains);
  const compiledTypes = [...types.values()].map(({ path: _path, ...type }): readonly [string, CompiledType] => [
    type.typeKey,
    { ...type, domain: domainOf.get(type.typeKey)! },
  ]);
  return deepFreeze({
    app,
    version,
    document: document as SchemaDocument,
    types: nullRecord(compiledTypes),
    domains: nullRecord(domains.map((d) => [d.name, d] as const)),
  });
}

/**
 * Checks and compiles a schema document. Every defect is ERR_MNG_SCHEMA_VALIDATION_FAILED with
 * `data.reason` and `data.path`; the first defect in a fixed walk decides (size, top-level fields,
 * types in sorted order, domains in sorted order, relations, domain membership).
 */
export function compileSchema(doc: unknown): Result<CompiledSchema> {
  const canonical = tryCanonicalize(doc);
  if (!canonical.ok) return err(violation("", "not_json"));
  if (utf8ByteLength(canonical.value) > SCHEMA_LIMITS.maxDocumentBytes) return err(violation("", "too_large"));
  try {
    // A fresh plain copy from the canonical text: no getters, no shared references with the caller.
    return ok(compileDocument(JSON.parse(canonical.value) as JsonValue));
  } catch (caught) {
    if (!(caught instanceof DocumentViolation)) throw caught;
    return err(violation(caught.path, caught.reason));
  }
}

function violation(path: string, reason: string) {
  const where = path === "" ? "the document" : path;
  return nodeError("ERR_MNG_SCHEMA_VALIDATION_FAILED", `Schema document rejected at ${where}: ${reason}.`, { reason, path });
}
