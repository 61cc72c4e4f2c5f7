// RFC 8785 (JCS) canonical JSON: the exact text every signature and content id covers (DESIGN D1).
// It serializes valid JSON values only: it never parses (wire-json.ts does) and never repairs a value.
import { isWellFormedText, utf8 } from "./bytes.ts";
import { nodeError } from "./errors.ts";
import { isJsonObject, type JsonValue } from "./json.ts";
import { err, ok, type Result } from "./result.ts";

/** Why a value has no canonical form (`data.reason` of tryCanonicalize's error). */
export type CanonicalJsonReason = "non_finite_number" | "lone_surrogate" | "unsupported_value" | "cycle" | "too_deep";

/**
 * Deeper nesting is refused with a TypeError rather than left to overflow the stack, whose size
 * differs between engines: every platform gives the same verdict. Far above any wire limit.
 */
export const MAX_CANONICAL_DEPTH = 1000;

/** A TypeError, because a value without a canonical form is a caller's bug (STYLE: bugs throw). */
class CanonicalJsonError extends TypeError {
  override name = "CanonicalJsonError";
  readonly reason: CanonicalJsonReason;
  constructor(reason: CanonicalJsonReason, message: string) {
    super(`canonical JSON: ${message}`);
    this.reason = reason;
  }
}

/** The JCS text of `value`. Throws a TypeError when `value` is not a valid JSON value. */
export function canonicalize(value: JsonValue): string {
  return serialize(value, 0, new Set());
}

/** UTF-8 of the JCS text: the bytes that are signed and hashed. */
export function canonicalBytes(value: JsonValue): Uint8Array {
  return utf8(canonicalize(value));
}

/** canonicalize for values from local callers: a value without a canonical form is an error, not a throw. */
export function tryCanonicalize(value: unknown): Result<string> {
  try {
    return ok(serialize(value, 0, new Set()));
  } catch (e) {
    if (!(e instanceof CanonicalJsonError)) throw e;
    return err(nodeError("ERR_STRUCT_INVALID_ENCODING", e.message, { reason: e.reason }));
  }
}

function serialize(value: unknown, depth: number, open: Set<object>): string {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      // RFC 8785 §3.2.2.3: ECMAScript Number::toString, which also prints -0 as "0".
      // I-JSON (RFC 7493 §2.2) has no NaN or Infinity.
      if (!Number.isFinite(value)) throw new CanonicalJsonError("non_finite_number", "a number is not finite");
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return value === null ? "null" : serializeContainer(value, depth + 1, open);
    default:
      throw new CanonicalJsonError("unsupported_value", `a ${typeof value} is not a JSON value`);
  }
}

function serializeContainer(value: object, depth: number, open: Set<object>): string {
  if (depth > MAX_CANONICAL_DEPTH) throw new CanonicalJsonError("too_deep", "nesting is too deep");
  if (open.has(value)) throw new CanonicalJsonError("cycle", "the value contains a cycle");
  open.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    out = "[";
    for (let i = 0; i < items.length; i++) {
      // A hole reads as undefined and is refused below, where JSON.stringify would print null.
      out += (i === 0 ? "" : ",") + serialize(items[i], depth, open);
    }
    out += "]";
  } else if (isJsonObject(value)) {
    // RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names, which is exactly what
    // the default sort compares (not localeCompare, not code points). Object.keys: own enumerable
    // string keys only, as JSON.stringify.
    const keys = Object.keys(value).sort();
    out = "{";
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      out += (i === 0 ? "" : ",") + quote(key) + ":" + serialize(value[key], depth, open);
    }
    out += "}";
  } else {
    throw new CanonicalJsonError("unsupported_value", "only plain objects and arrays are JSON containers");
  }
  open.delete(value);
  return out;
}

// The characters that need an escape or a pairing check. Most strings (ids, base64url, names) hold
// none and are quoted as they are, which skips a JSON.stringify call per string.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is searched for
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  if (!NEEDS_CARE.test(text)) return `"${text}"`;
  // RFC 8785 §3.2.2.2 requires I-JSON (RFC 7493 §2.1): a lone surrogate has no UTF-8 form, so it has
  // no canonical bytes.
  if (!isWellFormedText(text)) throw new CanonicalJsonError("lone_surrogate", "a string holds a lone surrogate");
  // RFC 8785 §3.2.2.2 is ECMAScript JSON.stringify on a well-formed string: only `"`, `\` and
  // controls below 0x20 are escaped (\b \t \n \f \r short, others \u00xx in lowercase hex);
  // everything else, U+2028 and U+2029 included, is emitted as is.
  return JSON.stringify(text);
}
