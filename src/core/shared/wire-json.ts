// Strict JSON parser for untrusted wire text (RFC 8259 within I-JSON, RFC 7493): the one door from
// peer bytes to JsonValue. It bounds size, depth and counts and never throws on input; it does not
// check canonical form or schema (callers compare with canonical-json.ts and validate shapes).
import { assert } from "./assert.ts";
import { fromUtf8 } from "./bytes.ts";
import { nodeError } from "./errors.ts";
import type { JsonValue } from "./json.ts";
import { err, ok, type Result } from "./result.ts";

export type WireJsonLimits = {
  /** Largest input in UTF-8 bytes (a string input is measured as its UTF-8 encoding). */
  readonly maxBytes: number;
  /** Most nested containers: `1` and `[]` are depth 0 and 1. */
  readonly maxDepth: number;
  /** Longest decoded string or member name, in UTF-16 code units. */
  readonly maxStringLength: number;
  readonly maxArrayLength: number;
  readonly maxObjectKeys: number;
};

export const DEFAULT_WIRE_JSON_LIMITS = {
  maxBytes: 1_048_576,
  maxDepth: 32,
  maxStringLength: 262_144,
  maxArrayLength: 10_000,
  maxObjectKeys: 1_000,
} as const satisfies WireJsonLimits;

/** `data.reason` of every ERR_STRUCT_INVALID_ENCODING this parser returns. */
export type WireJsonReason =
  | "too_large"
  | "too_deep"
  | "invalid_utf8"
  | "syntax"
  | "duplicate_key"
  | "unsafe_integer"
  | "non_finite_number"
  | "lone_surrogate"
  | "limit_exceeded";

/**
 * Parses one JSON text. Failures are ERR_STRUCT_INVALID_ENCODING with `data: { reason, offset }`.
 * `offset` indexes the input as given: a byte index for a Uint8Array, a UTF-16 code unit index for
 * a string. It points at the offending token (the opening quote of a duplicate or over-long name or
 * string, the backslash of a lone-surrogate escape, the first byte of an ill-formed UTF-8 sequence),
 * and is 0 for `too_large`, which is decided before any parsing.
 */
export function parseWireJson(input: string | Uint8Array, limits?: Partial<WireJsonLimits>): Result<JsonValue> {
  const bounds: WireJsonLimits = limits === undefined ? DEFAULT_WIRE_JSON_LIMITS : checkLimits(limits);
  let text: string;
  if (typeof input === "string") {
    // Every UTF-16 code unit takes at least one UTF-8 byte and at most three, so most inputs are
    // judged by their length alone; only the band in between is measured exactly.
    if (input.length > bounds.maxBytes) return failed("too_large", 0, "the input is too large");
    if (input.length * 3 > bounds.maxBytes && utf8Length(input, input.length) > bounds.maxBytes) {
      return failed("too_large", 0, "the input is too large");
    }
    text = input;
  } else {
    if (input.length > bounds.maxBytes) return failed("too_large", 0, "the input is too large");
    const decoded = fromUtf8(input);
    // RFC 8259 §8.1: JSON text exchanged between systems MUST be UTF-8.
    if (decoded === undefined) return failed("invalid_utf8", invalidUtf8Offset(input), "the input is not well-formed UTF-8");
    text = decoded;
  }
  const result = new Parser(text, bounds).parse();
  if (!(result instanceof Failure)) return ok(result);
  const offset = typeof input === "string" ? result.offset : utf8Length(text, result.offset);
  return failed(result.reason, offset, result.message);
}

function failed(reason: WireJsonReason, offset: number, message: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_ENCODING", `wire JSON: ${message}`, { reason, offset }));
}

function checkLimits(limits: Partial<WireJsonLimits>): WireJsonLimits {
  const bounds = { ...DEFAULT_WIRE_JSON_LIMITS, ...limits };
  for (const value of Object.values(bounds)) {
    // A NaN or negative limit would silently disable the check: a caller's bug.
    assert(Number.isSafeInteger(value) && value >= 0, "wire JSON limits are non-negative integers");
  }
  return bounds;
}

/** A parse failure; `offset` is a UTF-16 index into the parsed text. */
class Failure {
  constructor(
    readonly reason: WireJsonReason,
    readonly offset: number,
    readonly message: string,
  ) {}
}

/** An open container; an object frame holds the name of the member whose value is being parsed. */
type ArrayFrame = { readonly items: JsonValue[]; readonly members: undefined };
type ObjectFrame = { readonly items: undefined; readonly members: Record<string, JsonValue>; key: string; count: number };
type Frame = ArrayFrame | ObjectFrame;

/**
 * Single pass over the text with an explicit stack of open containers instead of recursion, so
 * nesting costs heap, never call stack, and is refused the moment it passes maxDepth.
 */
class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly limits: WireJsonLimits,
  ) {}

  parse(): JsonValue | Failure {
    const text = this.text;
    const stack: Frame[] = [];
    // RFC 8259 §8.1: no byte order mark. It is not whitespace either, so this only names the fault.
    if (text.charCodeAt(0) === 0xfeff) return new Failure("syntax", 0, "a byte order mark is not allowed");
    this.skipWhitespace();
    for (;;) {
      // One scalar, or the opening of a container whose first member is parsed next.
      let value: JsonValue;
      const start = this.pos;
      const c = text.charCodeAt(start);
      if (c === 0x5b || c === 0x7b) {
        if (stack.length >= this.limits.maxDepth) return new Failure("too_deep", start, "nesting is too deep");
        this.pos++;
        this.skipWhitespace();
        if (c === 0x5b) {
          if (text.charCodeAt(this.pos) === 0x5d) {
            this.pos++;
            value = [];
          } else {
            const frame: ArrayFrame = { items: [], members: undefined };
            const full = this.beginItem(frame.items);
            if (full) return full;
            stack.push(frame);
            continue;
          }
        } else if (text.charCodeAt(this.pos) === 0x7d) {
          this.pos++;
          value = {};
        } else {
          const frame: ObjectFrame = { items: undefined, members: {}, key: "", count: 0 };
          const bad = this.parseKey(frame);
          if (bad) return bad;
          stack.push(frame);
          continue;
        }
      } else if (c === 0x22) {
        const s = this.parseString();
        if (typeof s !== "string") return s;
        value = s;
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        const n = this.parseNumber();
        if (typeof n !== "number") return n;
        value = n;
      } else if (text.startsWith("true", start)) {
        this.pos += 4;
        value = true;
      } else if (text.startsWith("false", start)) {
        this.pos += 5;
        value = false;
      } else if (text.startsWith("null", start)) {
        this.pos += 4;
        value = null;
      } else {
        return new Failure("syntax", start, start < text.length ? "unexpected character" : "unexpected end of input");
      }

      // Hand the finished value to its container, closing every container that ends right here.
      for (;;) {
        this.skipWhitespace();
        const frame = stack[stack.length - 1];
        if (frame === undefined) {
          return this.pos === text.length ? value : new Failure("syntax", this.pos, "unexpected text after the value");
        }
        if (frame.items) frame.items.push(value);
        else if (frame.key in frame.members) {
          // The name is inherited ("__proto__", "toString", ...), where assignment would run the
          // __proto__ setter or fail on a frozen prototype: define an own data property instead.
          Object.defineProperty(frame.members, frame.key, { value, enumerable: true, writable: true, configurable: true });
        } else {
          // Nothing on the prototype chain: assignment creates the same own data property, faster.
          frame.members[frame.key] = value;
        }
        const next = text.charCodeAt(this.pos);
        if (next === 0x2c) {
          this.pos++;
          this.skipWhitespace();
          const bad = frame.items ? this.beginItem(frame.items) : this.parseKey(frame);
          if (bad) return bad;
          break;
        }
        if (next !== (frame.items ? 0x5d : 0x7d)) {
          return new Failure("syntax", this.pos, frame.items ? "expected , or ]" : "expected , or }");
        }
        this.pos++;
        stack.pop();
        value = frame.items ?? frame.members;
      }
    }
  }

  /** Counts an array item before parsing it, so an over-long array stops at its first extra item. */
  private beginItem(items: readonly JsonValue[]): Failure | undefined {
    if (items.length < this.limits.maxArrayLength) return undefined;
    return new Failure("limit_exceeded", this.pos, "the array has too many items");
  }

  /** Reads `"name" :` and leaves the position at the member's value. */
  private parseKey(frame: ObjectFrame): Failure | undefined {
    const start = this.pos;
    if (this.text.charCodeAt(start) !== 0x22) return new Failure("syntax", start, "expected a member name");
    if (++frame.count > this.limits.maxObjectKeys) return new Failure("limit_exceeded", start, "the object has too many members");
    const key = this.parseString();
    if (typeof key !== "string") return key;
    // RFC 8259 §4 leaves duplicate names undefined and I-JSON (RFC 7493 §2.3) forbids them: two
    // readers could otherwise see two different objects behind one signature.
    if (Object.hasOwn(frame.members, key)) return new Failure("duplicate_key", start, "an object has a duplicate member name");
    frame.key = key;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== 0x3a) return new Failure("syntax", this.pos, "expected :");
    this.pos++;
    this.skipWhitespace();
    return undefined;
  }

  /** RFC 8259 §7. Plain runs are sliced, not copied character by character. */
  private parseString(): string | Failure {
    const text = this.text;
    const open = this.pos;
    let pos = open + 1;
    let runStart = pos;
    let out = "";
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && (c < 0xd800 || c > 0xdfff)) {
        pos++;
        continue;
      }
      if (c === 0x22) {
        out += text.slice(runStart, pos);
        if (out.length > this.limits.maxStringLength) return new Failure("limit_exceeded", open, "a string is too long");
        this.pos = pos + 1;
        return out;
      }
      if (c < 0x20) return new Failure("syntax", pos, "a control character must be escaped");
      if (c !== 0x5c) {
        // A raw surrogate: fine in a pair; alone it only reaches us in a string input, and has no UTF-8 form.
        const low = text.charCodeAt(pos + 1);
        if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          pos += 2;
          continue;
        }
        return new Failure("invalid_utf8", pos, "the text holds a lone surrogate");
      }
      out += text.slice(runStart, pos);
      const escape = ESCAPES[text.charCodeAt(pos + 1)];
      if (escape !== undefined) {
        out += escape;
        pos += 2;
      } else if (text.charCodeAt(pos + 1) === 0x75) {
        const unit = hex4(text, pos + 2);
        if (unit < 0) return new Failure("syntax", pos, "invalid \\u escape");
        if (unit < 0xd800 || unit > 0xdfff) {
          out += String.fromCharCode(unit);
          pos += 6;
        } else {
          // I-JSON (RFC 7493 §2.1): an escaped surrogate must be the high half of an escaped pair.
          if (unit > 0xdbff || text.charCodeAt(pos + 6) !== 0x5c || text.charCodeAt(pos + 7) !== 0x75) {
            return new Failure("lone_surrogate", pos, "an escape names a lone surrogate");
          }
          const low = hex4(text, pos + 8);
          if (low < 0) return new Failure("syntax", pos + 6, "invalid \\u escape");
          if (low < 0xdc00 || low > 0xdfff) return new Failure("lone_surrogate", pos, "an escape names a lone surrogate");
          out += String.fromCharCode(unit, low);
          pos += 12;
        }
      } else {
        return new Failure("syntax", pos, "invalid escape");
      }
      runStart = pos;
    }
    return new Failure("syntax", open, "unterminated string");
  }

  /** RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, valued by Number(). */
  private parseNumber(): number | Failure {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (text.charCodeAt(pos) === 0x2d) pos++;
    const first = text.charCodeAt(pos);
    if (first === 0x30) pos++;
    else if (first >= 0x31 && first <= 0x39) pos = skipDigits(text, pos + 1);
    else return new Failure("syntax", pos, "invalid number");
    let integer = true;
    if (text.charCodeAt(pos) === 0x2e) {
      if (!isDigit(text.charCodeAt(pos + 1))) return new Failure("syntax", pos + 1, "invalid number");
      pos = skipDigits(text, pos + 1);
      integer = false;
    }
    const e = text.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      pos++;
      const sign = text.charCodeAt(pos);
      if (sign === 0x2b || sign === 0x2d) pos++;
      if (!isDigit(text.charCodeAt(pos))) return new Failure("syntax", pos, "invalid number");
      pos = skipDigits(text, pos);
      integer = false;
    }
    const value = Number(text.slice(start, pos));
    // I-JSON (RFC 7493 §2.2): an integer literal beyond ±(2^53−1) would silently become a different
    // integer, and two readers could disagree on what was signed.
    if (integer && !Number.isSafeInteger(value)) return new Failure("unsafe_integer", start, "an integer is outside ±(2^53−1)");
    if (!Number.isFinite(value)) return new Failure("non_finite_number", start, "a number overflows to infinity");
    this.pos = pos;
    return value;
  }

  /** RFC 8259 §2: whitespace is space, tab, LF and CR only. */
  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }
}

/** The short escapes of RFC 8259 §7, by the code of the character after the backslash. */
const ESCAPES: Readonly<Record<number, string>> = {
  0x22: '"',
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t",
};

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function skipDigits(text: string, pos: number): number {
  while (isDigit(text.charCodeAt(pos))) pos++;
  return pos;
}

/** The value of four hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  let n = 0;
  for (let i = at; i < at + 4; i++) {
    const c = text.charCodeAt(i);
    const digit = isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (digit < 0) return -1;
    n = n * 16 + digit;
  }
  return n;
}

/** UTF-8 length of `text[0, end)`. A surrogate counts 2, so a pair counts its 4 bytes. */
function utf8Length(text: string, end: number): number {
  let n = end;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

/**
 * Byte index of the first ill-formed sequence (Unicode §3.9 D92: no overlongs, no surrogates,
 * nothing above U+10FFFF). Runs only after the strict decoder has refused the bytes.
 */
function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const extra =
      lead < 0x80 ? 0 : lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
    if (extra < 0) return i;
    let cp = lead & (0x7f >> extra);
    for (let k = 1; k <= extra; k++) {
      const b = bytes[i + k];
      if (b === undefined || (b & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (b & 0x3f);
    }
    const min = extra === 0 ? 0 : extra === 1 ? 0x80 : extra === 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += extra + 1;
  }
  return bytes.length;
}
