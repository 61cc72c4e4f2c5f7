// Stage 1 of validation (protocol 01-protocol/10): is this untrusted JSON value a well-formed
// envelope? Pure and stateless; no crypto. The first violation in a fixed walk order decides the code.
import { fail, firstViolation } from "../shared/structural-walk.ts";
import { fromBase64url, utf8 } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { parseEnvelopeId, parseIdentityId, parseObjectRef, parsePublicKeyText } from "../shared/ids.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../shared/json.ts";
import type { Result } from "../shared/result.ts";
import type { EnvelopeLimits } from "./limits.ts";
import { ENVELOPE_VERSION } from "./version.ts";
import { APP_PATTERN, DOMAIN_PATTERN, isCanonicalTimestamp, NAME_MAX, TRACE_ID_PATTERN, TYPE_KEY_MAX, TYPE_KEY_PATTERN } from "./names.ts";
import { IDENTITY_TYPE_KEY, OP_KINDS, SYSTEM_APP, type Envelope, type ObjectKind, type OpKind, type Stub } from "./types.ts";

const LINK_FIELDS = [
  "envelope_type",
  "envelope_version",
  "author_id",
  "author_key",
  "seq",
  "prev",
  "lamport",
  "content_digest",
  "signature",
];
const CONTENT_FIELDS = ["app", "domain", "trace_id", "deps", "created_at", "ops"];
const OP_FIELDS = ["op", "type_key", "owner_identity", "payload"];

const SIGNATURE_BYTES = 64;
const DIGEST_BYTES = 32;

type OpRule = {
  /** Required payload fields besides `value`, with the object kind each one references. */
  readonly refs: Readonly<Record<string, ObjectKind>>;
  /** Exactly one of these (destination or target selector) must be present, when given. */
  readonly oneOf?: Readonly<Record<string, ObjectKind>>;
  /** Whether `value` must be a JSON object (parents and edges) or may be any JSON value. */
  readonly objectValue: boolean;
};

const OP_RULES: Readonly<Record<OpKind, OpRule>> = {
  parent_create: { refs: {}, objectValue: true },
  parent_update: { refs: { parent_id: "parent" }, objectValue: true },
  attr_create: { refs: { parent_id: "parent" }, objectValue: false },
  attr_update: { refs: { attr_id: "attr" }, objectValue: false },
  edge_create: { refs: { src_parent_id: "parent" }, oneOf: { dst_parent_id: "parent", dst_attr_id: "attr" }, objectValue: true },
  edge_update: { refs: { edge_id: "edge" }, objectValue: true },
  rating_create: { refs: {}, oneOf: { target_parent_id: "parent", target_attr_id: "attr" }, objectValue: false },
  rating_update: { refs: { rating_id: "rating" }, objectValue: false },
};

/** `Array.isArray` narrows JSON to `any[]`; this keeps the element type. */
function isJsonArray(value: JsonValue | undefined): value is readonly JsonValue[] {
  return Array.isArray(value);
}

/** Required fields first (missing → MISSING_FIELD), then anything not allowed (→ INVALID_TYPE). */
function checkFields(value: JsonObject, path: string, required: readonly string[], optional: readonly string[] = []): void {
  for (const field of required) if (!Object.hasOwn(value, field)) fail("ERR_STRUCT_MISSING_FIELD", join(path, field), "missing_field");
  const unknown = Object.keys(value)
    .filter((k) => !required.includes(k) && !optional.includes(k))
    .sort();
  if (unknown.length > 0) fail("ERR_STRUCT_INVALID_TYPE", join(path, unknown[0]!), "unknown_field");
}

function join(path: string, field: string | number): string {
  return typeof field === "number" ? `${path}[${field}]` : path === "" ? field : `${path}.${field}`;
}

function object(value: JsonValue | undefined, path: string): JsonObject {
  if (!isJsonObject(value)) fail("ERR_STRUCT_INVALID_TYPE", path, "expected_object");
  return value;
}

function string(value: JsonValue | undefined, path: string): string {
  if (typeof value !== "string") fail("ERR_STRUCT_INVALID_TYPE", path, "expected_string");
  return value;
}

function integer(value: JsonValue | undefined, path: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) fail("ERR_STRUCT_INVALID_TYPE", path, "expected_integer");
  if (value < min) fail("ERR_STRUCT_INVALID_TYPE", path, "out_of_range");
  return value;
}

function name(value: JsonValue | undefined, path: string, pattern: RegExp, max: number): string {
  const text = string(value, path);
  if (text.length > max || !pattern.test(text)) fail("ERR_STRUCT_INVALID_IDENTIFIER", path, "invalid_name");
  return text;
}

function depthOf(value: JsonValue, limit: number, depth = 1): number {
  if (depth > limit || value === null || typeof value !== "object") return depth;
  let max = depth;
  for (const child of isJsonArray(value) ? value : Object.values(value)) {
    max = Math.max(max, depthOf(child, limit, depth + 1));
    if (max > limit) break;
  }
  return max;
}

function checkOp(
  raw: JsonValue | undefined,
  index: number,
  ops: readonly JsonValue[],
  authorId: string,
  limits: EnvelopeLimits,
  envelopeBytes: number,
): void {
  const path = `content.ops[${index}]`;
  const op = object(raw, path);
  checkFields(op, path, OP_FIELDS);
  const kind = string(op["op"], `${path}.op`);
  if (!(OP_KINDS as readonly string[]).includes(kind)) fail("ERR_STRUCT_INVALID_TYPE", `${path}.op`, "unknown_op");
  const rule = OP_RULES[kind as OpKind];
  name(op["type_key"], `${path}.type_key`, TYPE_KEY_PATTERN, TYPE_KEY_MAX);
  const owner = string(op["owner_identity"], `${path}.owner_identity`);
  if (parseIdentityId(owner) === undefined) fail("ERR_STRUCT_INVALID_IDENTIFIER", `${path}.owner_identity`, "invalid_identity_id");
  // DESIGN §3: every op's owner_identity equals author_id; writing for others goes through grants.
  if (owner !== authorId) fail("ERR_STRUCT_INVALID_IDENTIFIER", `${path}.owner_identity`, "owner_not_author");

  const payloadPath = `${path}.payload`;
  const payload = object(op["payload"], payloadPath);
  const selectors = Object.keys(rule.oneOf ?? {}).filter((f) => Object.hasOwn(payload, f));
  checkFields(payload, payloadPath, [...Object.keys(rule.refs), "value"], selectors);
  if (rule.oneOf !== undefined) {
    if (selectors.length === 0) fail("ERR_STRUCT_MISSING_FIELD", payloadPath, "missing_target");
    if (selectors.length > 1) fail("ERR_STRUCT_INVALID_TYPE", payloadPath, "ambiguous_target");
  }
  const refs: [string, ObjectKind][] = [...Object.entries(rule.refs), ...selectors.map((f): [string, ObjectKind] => [f, rule.oneOf![f]!])];
  for (const [field, targetKind] of refs) checkRef(payload[field], `${payloadPath}.${field}`, targetKind, index, ops);
  if (rule.objectValue) object(payload["value"], `${payloadPath}.value`);

  // Measuring an op costs a canonicalization; an envelope no larger than the op limit needs none.
  if (envelopeBytes > limits.maxOpBytes && utf8(canonicalize(op)).length > limits.maxOpBytes) {
    fail("ERR_STRUCT_INVALID_ENCODING", path, "op_too_large");
  }
  // DESIGN §3: an identity is created only as op 0 of its root key's first envelope (seq 1).
  if (op["type_key"] === IDENTITY_TYPE_KEY && (index !== 0 || kind !== "parent_create")) {
    fail("ERR_STRUCT_INVALID_TYPE", path, "misplaced_identity_genesis");
  }
}

/** A reference is a global object id, or `@i` naming an earlier op that creates an object of the right kind. */
function checkRef(value: JsonValue | undefined, path: string, kind: ObjectKind, opIndex: number, ops: readonly JsonValue[]): void {
  const ref = parseObjectRef(string(value, path));
  if (ref === undefined) fail("ERR_STRUCT_INVALID_IDENTIFIER", path, "invalid_object_ref");
  if (ref.kind === "local") {
    const target = ops[ref.index];
    if (ref.index >= opIndex || !isJsonObject(target) || target["op"] !== `${kind}_create`) {
      fail("ERR_STRUCT_INVALID_IDENTIFIER", path, "invalid_local_ref");
    }
  }
}

/** The content of a full envelope; `link` holds the already checked seq and prev it must agree with. */
function checkContent(raw: JsonValue | undefined, link: LinkFacts, limits: EnvelopeLimits, envelopeBytes: number): void {
  const content = object(raw, "content");
  checkFields(content, "content", CONTENT_FIELDS);
  const app = name(content["app"], "content.app", APP_PATTERN, NAME_MAX);
  name(content["domain"], "content.domain", DOMAIN_PATTERN, NAME_MAX);
  if (!TRACE_ID_PATTERN.test(string(content["trace_id"], "content.trace_id"))) {
    fail("ERR_STRUCT_INVALID_IDENTIFIER", "content.trace_id", "invalid_trace_id");
  }
  const deps = content["deps"];
  if (!isJsonArray(deps)) fail("ERR_STRUCT_INVALID_TYPE", "content.deps", "expected_array");
  if (deps.length > limits.maxDeps) fail("ERR_STRUCT_INVALID_TYPE", "content.deps", "too_many_deps");
  deps.forEach((dep, i) => {
    const path = `content.deps[${i}]`;
    if (parseEnvelopeId(string(dep, path)) === undefined) fail("ERR_STRUCT_INVALID_IDENTIFIER", path, "invalid_envelope_id");
    // One spelling per dependency set: strictly ascending, so no duplicates and no reordering.
    if (i > 0 && !((deps[i - 1] as string) < (dep as string))) fail("ERR_STRUCT_INVALID_ENCODING", path, "deps_not_sorted");
  });
  // DESIGN §3: lamport = 1 + max over prev and deps, or 0 when there are none.
  if ((link.lamport === 0) !== (link.prev === null && deps.length === 0))
    fail("ERR_STRUCT_INVALID_TYPE", "lamport", "lamport_inconsistent");
  if (!isCanonicalTimestamp(string(content["created_at"], "content.created_at"))) {
    fail("ERR_STRUCT_INVALID_ENCODING", "content.created_at", "invalid_timestamp");
  }

  const ops = content["ops"];
  if (!isJsonArray(ops)) fail("ERR_STRUCT_INVALID_TYPE", "content.ops", "expected_array");
  if (ops.length === 0) fail("ERR_STRUCT_MISSING_FIELD", "content.ops", "no_ops");
  if (ops.length > limits.maxOps) fail("ERR_STRUCT_INVALID_TYPE", "content.ops", "too_many_ops");
  ops.forEach((op, i) => checkOp(op, i, ops, link.authorId, limits, envelopeBytes));
  const first = ops[0] as JsonObject;
  if (first["type_key"] === IDENTITY_TYPE_KEY && (app !== SYSTEM_APP || link.seq !== 1)) {
    fail("ERR_STRUCT_INVALID_TYPE", "content.ops[0]", "misplaced_identity_genesis");
  }
}

type LinkFacts = { readonly authorId: string; readonly seq: number; readonly prev: string | null; readonly lamport: number };

/** The link fields every envelope and stub carries (DESIGN §3), in a fixed order. */
function checkLink(envelope: JsonObject): LinkFacts {
  // Profile v2 replaced v1 (DESIGN §3): another version is refused as such, before its fields are
  // read as v2's (a v1 envelope lacks `seq` at the top level, but the version is what is wrong).
  const version = envelope["envelope_version"];
  if (typeof version === "number" && version !== ENVELOPE_VERSION)
    fail("ERR_STRUCT_INVALID_TYPE", "envelope_version", "unsupported_version");
  checkFields(envelope, "", LINK_FIELDS, ["content"]);
  if (string(envelope["envelope_type"], "envelope_type") !== "graph_message") {
    fail("ERR_STRUCT_INVALID_TYPE", "envelope_type", "unsupported_envelope_type");
  }
  if (integer(envelope["envelope_version"], "envelope_version", 0) !== ENVELOPE_VERSION) {
    fail("ERR_STRUCT_INVALID_TYPE", "envelope_version", "unsupported_version");
  }
  const authorId = string(envelope["author_id"], "author_id");
  if (parseIdentityId(authorId) === undefined) fail("ERR_STRUCT_INVALID_IDENTIFIER", "author_id", "invalid_identity_id");
  if (parsePublicKeyText(string(envelope["author_key"], "author_key")) === undefined) {
    fail("ERR_STRUCT_INVALID_ENCODING", "author_key", "invalid_public_key");
  }
  const seq = integer(envelope["seq"], "seq", 1);
  const prev = envelope["prev"];
  if (prev !== null && parseEnvelopeId(string(prev, "prev")) === undefined)
    fail("ERR_STRUCT_INVALID_IDENTIFIER", "prev", "invalid_envelope_id");
  // DESIGN §3: `prev` is the same key's envelope at seq − 1, so it is null exactly at seq 1.
  if ((seq === 1) !== (prev === null)) fail("ERR_STRUCT_INVALID_IDENTIFIER", "prev", "prev_seq_mismatch");
  const lamport = integer(envelope["lamport"], "lamport", 0);
  // Whatever the hidden deps, a link after its prev is at least one past it.
  if (prev !== null && lamport === 0) fail("ERR_STRUCT_INVALID_TYPE", "lamport", "lamport_inconsistent");
  if (fromBase64url(string(envelope["content_digest"], "content_digest"))?.length !== DIGEST_BYTES) {
    fail("ERR_STRUCT_INVALID_ENCODING", "content_digest", "invalid_digest_encoding");
  }
  if (fromBase64url(string(envelope["signature"], "signature"))?.length !== SIGNATURE_BYTES) {
    fail("ERR_STRUCT_INVALID_ENCODING", "signature", "invalid_signature_encoding");
  }
  return { authorId, seq, prev: prev as string | null, lamport };
}

function checkEnvelope(value: JsonValue, limits: EnvelopeLimits, envelopeBytes: number): void {
  const envelope = object(value, "");
  const link = checkLink(envelope);
  if (Object.hasOwn(envelope, "content")) checkContent(envelope["content"], link, limits, envelopeBytes);
}

/**
 * Checks the structure of a parsed envelope or stub (a stub has no `content`): fields, types, op grammar, one app and one domain,
 * owners equal to the author, one target per edge or rating, and the size limits. `envelopeBytes`
 * (the canonical size, when the caller knows it) lets small envelopes skip measuring each op.
 */
export function checkEnvelopeStructure(
  value: JsonValue,
  limits: EnvelopeLimits,
  envelopeBytes = Number.POSITIVE_INFINITY,
): Result<Envelope | Stub> {
  return firstViolation("Envelope", () => {
    if (depthOf(value, limits.maxDepth) > limits.maxDepth) fail("ERR_STRUCT_INVALID_ENCODING", "", "too_deep");
    if (envelopeBytes > limits.maxEnvelopeBytes) fail("ERR_STRUCT_INVALID_ENCODING", "", "too_large");
    checkEnvelope(value, limits, envelopeBytes);
    return value as Envelope | Stub;
  });
}
