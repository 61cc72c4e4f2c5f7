// The strict wire parser: every accepted kind, every refusal reason with its offset, the limits,
// and seeded properties (round trip with canonicalize, agreement with JSON.parse, never throws).
// No node:* imports: this file also runs in Chromium.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromUtf8, utf8 } from "./bytes.ts";
import { canonicalize } from "./canonical-json.ts";
import type { JsonValue } from "./json.ts";
import type { Result } from "./result.ts";
import { fuzzConfig } from "./test-support/fuzz-config.ts";
import { DEFAULT_WIRE_JSON_LIMITS, parseWireJson, type WireJsonLimits, type WireJsonReason } from "./wire-json.ts";

const REASONS: readonly WireJsonReason[] = [
  "too_large",
  "too_deep",
  "invalid_utf8",
  "syntax",
  "duplicate_key",
  "unsafe_integer",
  "non_finite_number",
  "lone_surrogate",
  "limit_exceeded",
];

function value(result: Result<JsonValue>): JsonValue {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function failure(result: Result<JsonValue>): { reason: unknown; offset: unknown } {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  expect(result.error.code).toBe("ERR_STRUCT_INVALID_ENCODING");
  expect(result.error.category).toBe("structural");
  return { reason: result.error.data.reason, offset: result.error.data.offset };
}

function parseFails(input: string | Uint8Array, limits?: Partial<WireJsonLimits>): { reason: unknown; offset: unknown } {
  return failure(parseWireJson(input, limits));
}

describe("parseWireJson: accepted values", () => {
  it.each([
    ["null", null],
    ["true", true],
    ["false", false],
    ["0", 0],
    ["-1", -1],
    ["1.5", 1.5],
    ["-0.25e-2", -0.0025],
    ["1E3", 1000],
    ["1e+2", 100],
    ["2.5E-1", 0.25],
    ["9007199254740991", 9007199254740991],
    ["-9007199254740991", -9007199254740991],
    ["1e21", 1e21],
    ["9007199254740993.0", 9007199254740992], // not an integer literal: plain IEEE-754 rounding
    ["1e-400", 0], // underflow is finite
    ['""', ""],
    ['"plain"', "plain"],
    ["[]", []],
    ["{}", {}],
    ['[1,"a",null,true,[],{}]', [1, "a", null, true, [], {}]],
    ['{"a":{"b":[{"c":[]}]}}', { a: { b: [{ c: [] }] } }],
    [' \t\r\n{ "a" : [ 1 , 2 ] , "b" : { } } \n', { a: [1, 2], b: {} }],
  ] as const)("parses %s", (text, expected) => {
    expect(value(parseWireJson(text))).toEqual(expected);
  });

  it("keeps -0 from the text (canonicalize prints it as 0)", () => {
    expect(Object.is(value(parseWireJson("-0")), -0)).toBe(true);
  });

  it("decodes every escape", () => {
    const text = String.raw`"\" \\ \/ \b \f \n \r \t \u0000 \u001F \u00e9 \u20AC \ud83d\ude00 \uFFFF"`;
    expect(value(parseWireJson(text))).toBe('" \\ / \b \f \n \r \t \u0000 \u001f é € 😀 \uffff');
  });

  it("keeps raw non-ASCII text, U+2028 and astral characters", () => {
    expect(value(parseWireJson('"é€😀\u2028\u007f"'))).toBe("é€😀\u2028\u007f");
    expect(value(parseWireJson(utf8('{"é":"😀"}')))).toEqual({ é: "😀" });
  });

  it("reads bytes and text the same way", () => {
    const text = '{"b":[1,2.5,"x\\n"],"a":null}';
    expect(value(parseWireJson(utf8(text)))).toEqual(value(parseWireJson(text)));
  });

  it("makes a __proto__ member an own data property and never changes the prototype", () => {
    const parsed = value(parseWireJson('{"__proto__":{"polluted":true},"a":1}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value).toEqual({ polluted: true });
    expect((parsed as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(parsed)).toEqual(["__proto__", "a"]);
    expect(canonicalize(parsed as JsonValue)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it("defines members over inherited accessors and read-only properties instead of assigning", () => {
    let setterCalls = 0;
    Object.defineProperty(Object.prototype, "wireJsonTrap", { set: () => void setterCalls++, configurable: true });
    Object.defineProperty(Object.prototype, "wireJsonFrozen", { value: 0, writable: false, configurable: true });
    try {
      const parsed = value(parseWireJson('{"wireJsonTrap":1,"wireJsonFrozen":2}')) as Record<string, unknown>;
      expect(setterCalls).toBe(0);
      expect(Object.getOwnPropertyDescriptor(parsed, "wireJsonTrap")?.value).toBe(1);
      expect(Object.getOwnPropertyDescriptor(parsed, "wireJsonFrozen")?.value).toBe(2);
    } finally {
      delete (Object.prototype as Record<string, unknown>).wireJsonTrap;
      delete (Object.prototype as Record<string, unknown>).wireJsonFrozen;
    }
  });

  it("builds plain, writable objects and arrays", () => {
    const parsed = value(parseWireJson('{"constructor":1,"toString":[2]}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed, "toString")?.value).toEqual([2]);
    expect(Object.getOwnPropertyDescriptor(parsed, "constructor")).toEqual({
      value: 1,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
});

describe("parseWireJson: refusals (ERR_STRUCT_INVALID_ENCODING)", () => {
  it.each([
    ["", 0],
    ["   ", 3],
    ["{", 1],
    ["[", 1],
    ["[1,]", 3],
    ["[,1]", 1],
    ['{"a":1,}', 7],
    ['{"a" 1}', 5],
    ['{"a":}', 5],
    ["{a:1}", 1],
    ["{1:1}", 1],
    ["[1 2]", 3],
    ["[1]]", 3],
    ["1 2", 2],
    ["01", 1],
    ["-01", 2],
    ["+1", 0],
    [".5", 0],
    ["1.", 2],
    ["1.e3", 2],
    ["-", 1],
    ["-a", 1],
    ["1e", 2],
    ["1e+", 3],
    ["0x10", 1],
    ["NaN", 0],
    ["Infinity", 0],
    ["-Infinity", 1],
    ["tru", 0],
    ["True", 0],
    ["nul", 0],
    ["'a'", 0],
    ['"abc', 0],
    ['"a\tb"', 2],
    ['"a\nb"', 2],
    ['"\u0000"', 1],
    [String.raw`"\x41"`, 1],
    [String.raw`"\u12"`, 1],
    [String.raw`"\u12G4"`, 1],
    [String.raw`"\ud800\u12"`, 7],
    [String.raw`"\U0041"`, 1],
    ["\u00a01", 0], // no-break space is not JSON whitespace
    ["\f1", 0],
    ["\u20281", 0],
    ["\ufeff1", 0], // a byte order mark
    ["/* */1", 0],
    ["[1]//", 3],
  ] as const)("refuses %j as syntax at %i", (text, offset) => {
    expect(parseFails(text)).toEqual({ reason: "syntax", offset });
  });

  it("refuses a byte order mark in bytes", () => {
    expect(parseFails(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]))).toEqual({ reason: "syntax", offset: 0 });
  });

  it.each([
    ['{"a":1,"a":2}', 7],
    ['{"a":1,"b":{"c":1,"c":1}}', 18],
    ['{"a":1,"\\u0061":2}', 7], // equal once unescaped
    ['{"__proto__":1,"__proto__":2}', 15],
  ])("refuses duplicate member names in %s (duplicate_key at %i)", (text, offset) => {
    expect(parseFails(text)).toEqual({ reason: "duplicate_key", offset });
  });

  it("allows the same name in sibling objects", () => {
    expect(value(parseWireJson('[{"a":1},{"a":2}]'))).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it.each([
    ["9007199254740992", 0],
    ["-9007199254740992", 0],
    ["9007199254740993", 0],
    ["[1,18446744073709551616]", 3],
    ["1" + "0".repeat(400), 0],
  ])("refuses the integer literal %s beyond ±(2^53−1) (unsafe_integer at %i)", (text, offset) => {
    expect(parseFails(text)).toEqual({ reason: "unsafe_integer", offset });
  });

  it.each([
    ["1e400", 0],
    ["-1e400", 0],
    ['{"a":1.5E999}', 5],
  ])("refuses %s, which overflows to infinity (non_finite_number at %i)", (text, offset) => {
    expect(parseFails(text)).toEqual({ reason: "non_finite_number", offset });
  });

  it.each([
    [String.raw`"\ud800"`, 1],
    [String.raw`"\udc00"`, 1],
    [String.raw`"ab\uDBFF"`, 3],
    [String.raw`"\ud800\u0041"`, 1],
    [String.raw`"\ud800x"`, 1],
    [String.raw`"\ud800\ud800"`, 1],
    [String.raw`"\udc00\ud800"`, 1],
    [String.raw`{"\ud83d":1}`, 2],
    ['"\\ud800\udc00"', 1], // escaped high, raw low: not an escaped pair
  ])("refuses the escaped lone surrogate in %s (lone_surrogate at %i)", (text, offset) => {
    expect(parseFails(text)).toEqual({ reason: "lone_surrogate", offset });
  });

  it.each([
    [[0x22, 0xff, 0x22], 1],
    [[0x22, 0xc0, 0x80, 0x22], 1], // overlong NUL
    [[0x22, 0xe0, 0x80, 0x80, 0x22], 1], // overlong
    [[0x22, 0xed, 0xa0, 0x80, 0x22], 1], // an encoded surrogate
    [[0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], 1], // above U+10FFFF
    [[0x22, 0x61, 0xe2, 0x82, 0x22], 2], // truncated sequence
    [[0x22, 0xc3, 0xa9, 0x80, 0x22], 3], // stray continuation byte
    [[0x5b, 0x31, 0x2c, 0xf0, 0x9f, 0x98], 3], // truncated at the end
  ])("refuses ill-formed UTF-8 %j (invalid_utf8 at byte %i)", (bytes, offset) => {
    expect(parseFails(new Uint8Array(bytes))).toEqual({ reason: "invalid_utf8", offset });
  });

  it("refuses a raw lone surrogate in a string input (invalid_utf8: it has no UTF-8 form)", () => {
    expect(parseFails('"a\ud800"')).toEqual({ reason: "invalid_utf8", offset: 2 });
    expect(parseFails('"\udc00\ud83d\ude00"')).toEqual({ reason: "invalid_utf8", offset: 1 });
    expect(parseFails('"\ud800\\udc00"')).toEqual({ reason: "invalid_utf8", offset: 1 });
    expect(parseFails("\ud800")).toEqual({ reason: "syntax", offset: 0 });
  });

  it("reports byte offsets for bytes and code-unit offsets for text", () => {
    const text = '["é😀",01]';
    expect(parseFails(text)).toEqual({ reason: "syntax", offset: 8 });
    expect(parseFails(utf8(text))).toEqual({ reason: "syntax", offset: 11 });
  });

  it("never reports anything but a known reason and an integer offset", () => {
    for (const text of ["", "[", '{"a":1,"a":1}', "1e999", String.raw`"\ud800"`, "9007199254740993"]) {
      const { reason, offset } = parseFails(text);
      expect(REASONS).toContain(reason);
      expect(Number.isSafeInteger(offset)).toBe(true);
    }
  });
});

describe("parseWireJson: limits", () => {
  it("uses the documented defaults", () => {
    expect(DEFAULT_WIRE_JSON_LIMITS).toEqual({
      maxBytes: 1_048_576,
      maxDepth: 32,
      maxStringLength: 262_144,
      maxArrayLength: 10_000,
      maxObjectKeys: 1_000,
    });
  });

  it("refuses input over maxBytes as bytes or text, counting text as UTF-8 (too_large)", () => {
    const limits = { maxBytes: 10 };
    expect(value(parseWireJson('"12345678"', limits))).toBe("12345678");
    expect(parseFails('"123456789"', limits)).toEqual({ reason: "too_large", offset: 0 });
    expect(parseFails(utf8('"123456789"'), limits)).toEqual({ reason: "too_large", offset: 0 });
    // 7 code units but 12 bytes of UTF-8.
    expect(parseFails('"ééé😀"', limits)).toEqual({ reason: "too_large", offset: 0 });
    expect(value(parseWireJson('"é😀"', limits))).toBe("é😀");
  });

  it("refuses a 64 MiB string as too_large before looking at it", () => {
    const huge = " ".repeat(64 * 1024 * 1024);
    expect(parseFails(huge)).toEqual({ reason: "too_large", offset: 0 });
    expect(parseFails(new Uint8Array(64 * 1024 * 1024))).toEqual({ reason: "too_large", offset: 0 });
  });

  it("accepts nesting at maxDepth and refuses one level more (too_deep)", () => {
    const depth = DEFAULT_WIRE_JSON_LIMITS.maxDepth;
    expect(value(parseWireJson("[".repeat(depth) + "]".repeat(depth)))).toBeDefined();
    expect(parseFails("[".repeat(depth + 1) + "]".repeat(depth + 1))).toEqual({ reason: "too_deep", offset: depth });
    expect(parseFails('{"a":'.repeat(depth) + "{}" + "}".repeat(depth))).toEqual({ reason: "too_deep", offset: 5 * depth });
    expect(parseFails("[{}]", { maxDepth: 1 })).toEqual({ reason: "too_deep", offset: 1 });
    expect(parseFails("[]", { maxDepth: 0 })).toEqual({ reason: "too_deep", offset: 0 });
    expect(value(parseWireJson("1", { maxDepth: 0 }))).toBe(1);
  });

  it("refuses 100 000 levels of nesting as too_deep without overflowing the stack", () => {
    const n = 100_000;
    expect(parseFails("[".repeat(n) + "]".repeat(n))).toEqual({ reason: "too_deep", offset: 32 });
    // Even with the depth limit lifted the parser holds its stack on the heap.
    const parsed = parseWireJson("[".repeat(n) + "]".repeat(n), { maxDepth: n });
    expect(parsed.ok).toBe(true);
  });

  it("limits decoded string and member name lengths (limit_exceeded)", () => {
    const limits = { maxStringLength: 3 };
    expect(value(parseWireJson('"abc"', limits))).toBe("abc");
    expect(value(parseWireJson(String.raw`"\u0061\u0062\u0063"`, limits))).toBe("abc");
    expect(value(parseWireJson('"a😀"', limits))).toBe("a😀");
    expect(parseFails('["abcd"]', limits)).toEqual({ reason: "limit_exceeded", offset: 1 });
    expect(parseFails('{"abcd":1}', limits)).toEqual({ reason: "limit_exceeded", offset: 1 });
  });

  it("limits array items, stopping at the first extra one (limit_exceeded)", () => {
    const limits = { maxArrayLength: 2 };
    expect(value(parseWireJson("[1,2]", limits))).toEqual([1, 2]);
    expect(parseFails("[1,2,3]", limits)).toEqual({ reason: "limit_exceeded", offset: 5 });
    expect(parseFails("[[1,2,[3,4,5]]]", limits)).toEqual({ reason: "limit_exceeded", offset: 6 });
    expect(parseFails("[1]", { maxArrayLength: 0 })).toEqual({ reason: "limit_exceeded", offset: 1 });
  });

  it("limits object members, stopping at the first extra one (limit_exceeded)", () => {
    const limits = { maxObjectKeys: 2 };
    expect(value(parseWireJson('{"a":1,"b":2}', limits))).toEqual({ a: 1, b: 2 });
    expect(parseFails('{"a":1,"b":2,"c":3}', limits)).toEqual({ reason: "limit_exceeded", offset: 13 });
  });

  it("treats an invalid limit as a caller's bug", () => {
    expect(() => parseWireJson("1", { maxDepth: -1 })).toThrow();
    expect(() => parseWireJson("1", { maxBytes: Number.NaN })).toThrow();
  });
});

describe("parseWireJson: properties (seeded; FUZZ_SEED, FUZZ_MAX_CASES)", () => {
  /** The wire rules on top of JSON: no integer literal beyond 2^53−1 (JCS prints integers below 1e21 without exponent). */
  function wireSafe(v: unknown): boolean {
    if (typeof v === "number") return !(Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER && Math.abs(v) < 1e21);
    if (Array.isArray(v)) return v.every(wireSafe);
    if (typeof v === "object" && v !== null) return Object.values(v).every(wireSafe);
    return true;
  }

  function withoutNegativeZero(v: unknown): unknown {
    if (Object.is(v, -0)) return 0;
    if (Array.isArray(v)) return v.map(withoutNegativeZero);
    if (typeof v === "object" && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v))
        Object.defineProperty(out, k, { value: withoutNegativeZero(x), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  }

  it("reads back what canonicalize writes", () => {
    const json = fc.jsonValue({ maxDepth: 6, stringUnit: "binary" }).filter(wireSafe);
    fc.assert(
      fc.property(json, (v) => {
        const text = canonicalize(v as JsonValue);
        const parsed = value(parseWireJson(text));
        expect(parsed).toEqual(withoutNegativeZero(v));
        expect(canonicalize(parsed)).toBe(text);
        expect(value(parseWireJson(utf8(text)))).toEqual(parsed);
      }),
      fuzzConfig(300),
    );
  });

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const result = parseWireJson(bytes);
        if (result.ok) return;
        expect(REASONS).toContain(result.error.data.reason);
        if (result.error.data.reason === "invalid_utf8") {
          // The reported byte starts the first ill-formed sequence: everything before it decodes.
          const offset = result.error.data.offset as number;
          expect(offset).toBeLessThan(bytes.length);
          expect(fromUtf8(bytes.subarray(0, offset))).toBeDefined();
        }
      }),
      fuzzConfig(1000),
    );
  });

  // Token soup reaches deep parser states; JSON.parse is the oracle for plain syntax.
  const TOKENS = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"',
    '"a"',
    "\\",
    "\\u",
    "d800",
    "dc00",
    "0",
    "1",
    "-",
    "e",
    ".",
    "+",
    "true",
    "null",
    " ",
    "\n",
    "\u00e9",
    "\ud83d\ude00",
    "\ud800",
    "\u0001",
    "9007199254740993",
    "1e999",
  ];
  const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 }).map((parts) => parts.join(""));
  // Valid JSON with a few tokens inserted or overwritten: near misses of every grammar rule.
  const edit = fc.tuple(fc.nat(), fc.constantFrom(...TOKENS), fc.boolean());
  const mutated = fc.tuple(fc.jsonValue({ maxDepth: 3 }).filter(wireSafe), fc.array(edit, { maxLength: 3 })).map(([v, edits]) => {
    let text = JSON.stringify(v);
    for (const [at, token, overwrite] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + token + text.slice(overwrite ? i + 1 : i);
    }
    return text;
  });

  it("agrees with JSON.parse and never throws on token soup and mutated JSON", () => {
    fc.assert(
      fc.property(fc.oneof(soup, mutated), (text) => {
        const result = parseWireJson(text);
        let reference: { value: unknown } | undefined;
        try {
          reference = { value: JSON.parse(text) };
        } catch {
          reference = undefined;
        }
        if (result.ok) {
          expect(reference).toBeDefined();
          expect(result.value).toEqual(reference?.value);
        } else {
          expect(REASONS).toContain(result.error.data.reason);
          // A syntax refusal is one JSON.parse shares; our extra rules (duplicates, surrogates,
          // unsafe integers, limits) refuse text that JSON.parse accepts.
          if (result.error.data.reason === "syntax") expect(reference).toBeUndefined();
        }
      }),
      fuzzConfig(2000),
    );
  });
});
