// The Schema manager's pure core (ADR 0004): compiles app schema documents and validates envelope ops
// against them (validation stage 3). No I/O: the Graph manager loads schemas and resolves references.
export { compileSchema } from "./compile-schema.ts";
export { validateOps, type ObjectResolver, type ResolvedObject } from "./validate-ops.ts";
export { SYSTEM_SCHEMA, APP_SCHEMA_TYPE_KEY } from "./system-schema.ts";
export {
  DOMAIN_MODES,
  FIELD_TYPES,
  SCHEMA_LIMITS,
  TYPE_KINDS,
  type CompiledDomain,
  type CompiledRule,
  type CompiledSchema,
  type CompiledType,
  type DomainDeclaration,
  type DomainMode,
  type FieldRule,
  type FieldRules,
  type FieldType,
  type JsonScalar,
  type SchemaDocument,
  type TypeDeclaration,
} from "./types.ts";
