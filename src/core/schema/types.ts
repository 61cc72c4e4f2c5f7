// Schema documents (ADR 0004) and their compiled form. Plain data only: the document is what travels
// as a graph value (DESIGN D8); the compiled form is what validateOps reads. No logic here.
import type { ObjectKind } from "../wire/index.ts";

/** The JSON types a FieldRule can demand; `identity_id` and `object_id` are strings with wire grammar. */
export const FIELD_TYPES = ["string", "integer", "number", "boolean", "array", "object", "identity_id", "object_id", "any"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const TYPE_KINDS = ["parent", "attr", "edge", "rating"] as const satisfies readonly ObjectKind[];

/**
 * `sync` replicates and allows updates, `local` never leaves the node (State reads it), `append_only`
 * replicates and refuses every `*_update` (ERR_SCHEMA_APPEND_ONLY_VIOLATION).
 */
export const DOMAIN_MODES = ["sync", "local", "append_only"] as const;
export type DomainMode = (typeof DOMAIN_MODES)[number];

export type JsonScalar = string | number | boolean | null;

/** One constraint on one JSON value. Which keys apply depends on `type` (ADR 0004). */
export type FieldRule = {
  readonly type: FieldType;
  /** Only inside `fields`; absent means optional. */
  readonly required?: boolean;
  /** Strings: length in UTF-16 code units (JavaScript `length`). */
  readonly min_length?: number;
  readonly max_length?: number;
  /** Strings: the source of a regular expression that must match the whole string (`u` flag). */
  readonly pattern?: string;
  /** Strings, integers, numbers, booleans: the allowed values. */
  readonly enum?: readonly JsonScalar[];
  /** Strings: `YYYY-MM-DDTHH:MM:SS.sssZ`, a real instant (the rule of an envelope's created_at). */
  readonly format?: "rfc3339";
  /** Integers and numbers, inclusive. */
  readonly minimum?: number;
  readonly maximum?: number;
  /** Arrays: the rule every item follows, and the inclusive item count bounds. */
  readonly items?: FieldRule;
  readonly min_items?: number;
  readonly max_items?: number;
  /** Objects: the allowed members; unknown members are rejected. Absent: any JSON object. */
  readonly fields?: FieldRules;
};

export type FieldRules = { readonly [name: string]: FieldRule };

export type TypeDeclaration = {
  readonly kind: ObjectKind;
  /** parent and edge: the value is an object with exactly these members. */
  readonly fields?: FieldRules;
  /** attr and rating: one rule for the whole value. */
  readonly value?: FieldRule;
  /** attr: the parent types it may attach to. */
  readonly parents?: readonly string[];
  /** edge: source parent types, and destination parent or attr types. */
  readonly from?: readonly string[];
  readonly to?: readonly string[];
  /** rating: the parent or attr types it may rate. */
  readonly targets?: readonly string[];
  /** `*_update` of this type is ERR_SCHEMA_IMMUTABLE_OBJECT. */
  readonly immutable?: boolean;
};

export type DomainDeclaration = { readonly types: readonly string[]; readonly mode: DomainMode };

export type SchemaDocument = {
  readonly app: string;
  /** Informational: one schema per app, no version negotiation. */
  readonly version: string;
  readonly types: { readonly [typeKey: string]: TypeDeclaration };
  readonly domains: { readonly [domain: string]: DomainDeclaration };
};

/** A FieldRule after compilation: every key present, the pattern compiled once. */
export type CompiledRule = {
  readonly type: FieldType;
  readonly required: boolean;
  readonly minLength: number | undefined;
  readonly maxLength: number | undefined;
  readonly pattern: RegExp | undefined;
  readonly enumValues: readonly JsonScalar[] | undefined;
  readonly format: "rfc3339" | undefined;
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly items: CompiledRule | undefined;
  readonly minItems: number | undefined;
  readonly maxItems: number | undefined;
  /** Null-prototype record: a member name can never hit an inherited property. */
  readonly fields: Readonly<Record<string, CompiledRule>> | undefined;
};

export type CompiledType = {
  readonly typeKey: string;
  readonly kind: ObjectKind;
  /** The one domain the type belongs to. */
  readonly domain: string;
  readonly immutable: boolean;
  /** The rule for the op's whole `value`; parents and edges get a strict object rule from `fields`. */
  readonly value: CompiledRule;
  /** Allowed related types: attr `parents`, edge `from`/`to`, rating `targets`; empty where n/a. */
  readonly parents: readonly string[];
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly targets: readonly string[];
};

export type CompiledDomain = { readonly name: string; readonly mode: DomainMode; readonly types: readonly string[] };

/** Deep-frozen. `types` and `domains` are null-prototype records keyed by type key and domain name. */
export type CompiledSchema = {
  readonly app: string;
  readonly version: string;
  /** A frozen copy of the document as compiled (its canonical JSON is what travels). */
  readonly document: SchemaDocument;
  readonly types: Readonly<Record<string, CompiledType>>;
  readonly domains: Readonly<Record<string, CompiledDomain>>;
};

/** Limits on one document (public design schema manager: schema.max_*); checked before compiling. */
export const SCHEMA_LIMITS = {
  maxTypes: 1024,
  /** Named members per type, nested objects included. */
  maxFieldsPerType: 256,
  maxDomains: 128,
  /** Rule nesting: a top-level field or value rule is depth 1; each `items`/`fields` adds one. */
  maxRuleDepth: 8,
  /** UTF-8 bytes of the document's canonical JSON (RFC 8785). */
  maxDocumentBytes: 65_536,
  maxPatternLength: 256,
} as const;
