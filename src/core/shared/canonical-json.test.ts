// RFC 8785 known answers, the refusals, and a pinned digest over a seeded corpus (no node:* imports:
// this file also runs in Chromium, where the digest must come out the same).
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "./bytes.ts";
import { canonicalBytes, canonicalize, MAX_CANONICAL_DEPTH, tryCanonicalize } from "./canonical-json.ts";
import type { JsonValue } from "./json.ts";

/** The IEEE-754 double whose bits are `hex` (16 hex digits, big-endian). */
function double(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, parseInt(hex.slice(0, 8), 16));
  view.setUint32(4, parseInt(hex.slice(8), 16));
  return view.getFloat64(0);
}

/** Calls canonicalize on a value the type system would refuse, as a buggy caller might. */
function canonicalizeUnchecked(value: unknown): string {
  return canonicalize(value as JsonValue);
}

describe("canonicalize: RFC 8785 known answers", () => {
  it("serializes the §3.2.2 example exactly", () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' + '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    expect(canonicalize(JSON.parse(input) as JsonValue)).toBe(expected);
  });

  it("sorts members by UTF-16 code units as in §3.2.3 (the emoji sorts before U+FB33)", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalize(input)).toBe(expected);
    // A code-point sort would put U+1F600 last; UTF-16 puts its high surrogate 0xD83D before 0xFB33.
    expect(canonicalize({ "\ufb33": 1, "\ud83d\ude00": 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  // Appendix B: IEEE-754 bits → ECMAScript Number::toString (§3.2.2.3).
  const appendixB: readonly (readonly [string, string])[] = [
    ["0000000000000000", "0"],
    ["8000000000000000", "0"], // -0
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555553", "333333333.3333332"],
    ["41b3de4355555554", "333333333.33333325"],
    ["41b3de4355555555", "333333333.3333333"],
    ["41b3de4355555556", "333333333.3333334"],
    ["41b3de4355555557", "333333333.33333343"],
    ["becbf647612f3696", "-0.0000033333333333333333"],
    ["43143ff3c1cb0959", "1424953923781206.2"],
  ];
  it.each(appendixB)("prints the double 0x%s as %s (Appendix B)", (hex, text) => {
    expect(canonicalize(double(hex))).toBe(text);
    expect(canonicalize([double(hex)])).toBe(`[${text}]`);
  });

  it.each(["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])(
    "refuses the non-finite double 0x%s (Appendix B: NaN and Infinity are errors)",
    (hex) => {
      expect(() => canonicalize(double(hex))).toThrow(TypeError);
    },
  );
});

describe("canonicalize: structure and strings", () => {
  it("sorts nested members at every level and keeps array order", () => {
    const value = { b: [3, { z: null, a: [true, false] }, "x"], a: {}, c: [], "": 0 };
    expect(canonicalize(value)).toBe('{"":0,"a":{},"b":[3,{"a":[true,false],"z":null},"x"],"c":[]}');
  });

  it("prints scalars at the top level", () => {
    expect(canonicalize(null)).toBe("null");
    expect(canonicalize(true)).toBe("true");
    expect(canonicalize(false)).toBe("false");
    expect(canonicalize("")).toBe('""');
    expect(canonicalize(-0)).toBe("0");
    expect(canonicalize(-1.5)).toBe("-1.5");
  });

  it("escapes exactly the characters of §3.2.2.2", () => {
    const shortForms: Record<number, string> = { 0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0c: "\\f", 0x0d: "\\r" };
    for (let c = 0; c < 0x20; c++) {
      const expected = shortForms[c] ?? `\\u00${c.toString(16).padStart(2, "0")}`;
      expect(canonicalize(String.fromCharCode(c))).toBe(`"${expected}"`);
    }
    expect(canonicalize("\u001f")).toBe('"\\u001f"'); // lowercase hex
    expect(canonicalize('"')).toBe('"\\""');
    expect(canonicalize("\\")).toBe('"\\\\"');
    // Emitted as is: solidus, DEL, C1 controls, U+2028/2029, non-ASCII, astral pairs, noncharacters.
    const raw = "/\u007f\u0080\u009f\u2028\u2029é€\ud83d\ude00\uffff\ufeff";
    expect(canonicalize(raw)).toBe(`"${raw}"`);
    expect(canonicalize({ "a\nb": "\u2028" })).toBe('{"a\\nb":"\u2028"}');
  });

  it("counts own enumerable string keys only and accepts null-prototype objects", () => {
    const value: Record<string | symbol, unknown> = Object.create(null) as Record<string | symbol, unknown>;
    value.b = 1;
    value[Symbol("s")] = 2;
    Object.defineProperty(value, "hidden", { value: 3, enumerable: false });
    const child = Object.create({ inherited: 4 }) as object;
    expect(canonicalizeUnchecked(value)).toBe('{"b":1}');
    // An inherited member does not count, but a non-plain prototype makes it a class instance.
    expect(() => canonicalizeUnchecked(child)).toThrow(TypeError);
    expect(canonicalize(JSON.parse('{"__proto__":1}') as JsonValue)).toBe('{"__proto__":1}');
  });

  it("accepts a value shared by two members (a DAG is not a cycle)", () => {
    const shared = { x: [1] };
    expect(canonicalize({ a: shared, b: shared, c: [shared, shared] })).toBe('{"a":{"x":[1]},"b":{"x":[1]},"c":[{"x":[1]},{"x":[1]}]}');
  });

  it("gives the UTF-8 of the text from canonicalBytes", () => {
    const value = { é: "\ud83d\ude00", a: 1 };
    expect(toHex(canonicalBytes(value))).toBe(toHex(utf8('{"a":1,"é":"😀"}')));
    expect(Array.from(canonicalBytes("é"))).toEqual([0x22, 0xc3, 0xa9, 0x22]);
  });
});

describe("canonicalize: values without a canonical form throw a TypeError (a caller's bug)", () => {
  class Point {
    x = 1;
  }
  const cyclicObject: Record<string, unknown> = { a: 1 };
  cyclicObject.self = { back: cyclicObject };
  const cyclicArray: unknown[] = [1];
  cyclicArray.push([cyclicArray]);
  let deep: unknown = 0;
  for (let i = 0; i < MAX_CANONICAL_DEPTH + 1; i++) deep = [deep];

  const cases: readonly (readonly [string, unknown, string])[] = [
    ["NaN", NaN, "non_finite_number"],
    ["Infinity", Infinity, "non_finite_number"],
    ["-Infinity inside an object", { a: -Infinity }, "non_finite_number"],
    ["a lone high surrogate", "a\ud800", "lone_surrogate"],
    ["a lone low surrogate", "\udc00b", "lone_surrogate"],
    ["a reversed pair", "\udc00\ud800", "lone_surrogate"],
    ["a lone surrogate in a key", { "\ud83d": 1 }, "lone_surrogate"],
    ["undefined", undefined, "unsupported_value"],
    ["undefined as a member", { a: undefined }, "unsupported_value"],
    ["undefined in an array", [undefined], "unsupported_value"],
    ["an array hole", [1, , 3], "unsupported_value"], // eslint-disable-line no-sparse-arrays
    ["a function", () => 1, "unsupported_value"],
    ["a symbol", Symbol("s"), "unsupported_value"],
    ["a bigint", 1n, "unsupported_value"],
    ["a Date", new Date(0), "unsupported_value"],
    ["a Map", new Map(), "unsupported_value"],
    ["a class instance", new Point(), "unsupported_value"],
    ["a typed array", new Uint8Array(2), "unsupported_value"],
    ["a boxed string", Object("s"), "unsupported_value"],
    ["a cyclic object", cyclicObject, "cycle"],
    ["a cyclic array", cyclicArray, "cycle"],
    [`nesting deeper than ${MAX_CANONICAL_DEPTH}`, deep, "too_deep"],
  ];

  it.each(cases)("throws on %s", (_name, value) => {
    expect(() => canonicalizeUnchecked(value)).toThrow(TypeError);
  });

  it.each(cases)("tryCanonicalize returns ERR_STRUCT_INVALID_ENCODING for %s", (_name, value, reason) => {
    const result = tryCanonicalize(value);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("ERR_STRUCT_INVALID_ENCODING");
    expect(result.error.data).toEqual({ reason });
  });

  it("accepts nesting at exactly the depth limit", () => {
    let value: JsonValue = 0;
    for (let i = 0; i < MAX_CANONICAL_DEPTH; i++) value = [value];
    expect(tryCanonicalize(value)).toEqual({ ok: true, value: "[".repeat(MAX_CANONICAL_DEPTH) + "0" + "]".repeat(MAX_CANONICAL_DEPTH) });
  });

  it("tryCanonicalize agrees with canonicalize on valid values", () => {
    const value = { b: [1, "two"], a: null };
    expect(tryCanonicalize(value)).toEqual({ ok: true, value: canonicalize(value) });
  });
});

// ---- Conformance: a seeded corpus whose canonical bytes are pinned by digest ----

/** mulberry32: a tiny deterministic PRNG, so the corpus is the same on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function corpus(count: number): JsonValue[] {
  const next = mulberry32(1);
  const below = (n: number): number => next() % n;
  const view = new DataView(new ArrayBuffer(8));
  const pools: readonly (() => string)[] = [
    () => String.fromCharCode(0x20 + below(0x5f)), // printable ASCII, quote and backslash included
    () => String.fromCharCode(below(0x20)), // controls
    () => String.fromCharCode(0x80 + below(0x780)), // two-byte UTF-8
    () => String.fromCharCode(0x800 + below(0xd000)), // BMP below the surrogates
    () => String.fromCharCode(0xe000 + below(0x2000)), // BMP above them
    () => String.fromCodePoint(0x10000 + below(0x100000)), // astral: a surrogate pair
    () => ["\u2028", "\u2029", "\ufeff", "\uffff", "\u007f", "/"][below(6)]!,
  ];
  const string = (): string => {
    let s = "";
    for (let n = below(10); n > 0; n--) s += pools[below(pools.length)]!();
    return s;
  };
  const number = (): number => {
    switch (below(6)) {
      case 0:
        return below(2001) - 1000;
      case 1:
        return (next() * 0x200000 + (next() >>> 11)) * (below(2) ? 1 : -1); // up to 2^53 − 1
      // Decimals built through Number(text), which is correctly rounded everywhere (`**` is only
      // implementation-approximated, so it could differ between engines).
      case 2:
        return Number(`${below(2_000_001) - 1_000_000}e-${below(12)}`);
      case 3:
        return Number(`${next()}e${below(40) - 20}`);
      default: {
        // Any finite double, from random bits.
        for (;;) {
          view.setUint32(0, next());
          view.setUint32(4, next());
          const d = view.getFloat64(0);
          if (Number.isFinite(d)) return d;
        }
      }
    }
  };
  const value = (depth: number): JsonValue => {
    const kind = below(depth >= 5 ? 5 : 8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return below(2) === 0;
      case 2:
      case 3:
        return number();
      case 4:
        return string();
      case 5: {
        const items: JsonValue[] = [];
        for (let n = below(6); n > 0; n--) items.push(value(depth + 1));
        return items;
      }
      default: {
        const members: Record<string, JsonValue> = {};
        for (let n = below(7); n > 0; n--) members[string()] = value(depth + 1);
        return members;
      }
    }
  };
  return Array.from({ length: count }, () => value(0));
}

/** A second, deliberately naive JCS writer: explicit code-unit sort and per-character escapes. */
function naiveCanonical(value: JsonValue): string {
  if (value === null || typeof value === "boolean" || typeof value === "number") return String(value === 0 ? 0 : value);
  if (typeof value === "string") {
    let out = '"';
    for (const ch of value) {
      const c = ch.charCodeAt(0);
      if (ch === '"' || ch === "\\") out += "\\" + ch;
      else if (c < 0x20)
        out +=
          ({ 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" } as Record<number, string>)[c] ?? "\\u" + c.toString(16).padStart(4, "0");
      else out += ch;
    }
    return out + '"';
  }
  if (Array.isArray(value)) return "[" + value.map(naiveCanonical).join(",") + "]";
  const object = value as Record<string, JsonValue>;
  const keys = Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return "{" + keys.map((k) => naiveCanonical(k) + ":" + naiveCanonical(object[k]!)).join(",") + "}";
}

describe("canonicalize: conformance digest", () => {
  it("gives pinned canonical bytes for the seeded corpus", () => {
    const values = corpus(2000);
    const texts = values.map((v) => canonicalize(v));
    expect(texts).toEqual(values.map(naiveCanonical));
    // Every text is JSON that reads back to the same canonical text.
    for (const text of texts) expect(canonicalize(JSON.parse(text) as JsonValue)).toBe(text);
    const digest = toHex(sha256(utf8(texts.join("\n"))));
    // Pins the canonical bytes across runs and platforms: the same test runs in Chromium and must
    // give this digest. Change it only with a deliberate, reviewed change to the canonical form.
    expect(digest).toBe("c99e1c884f431a7c014a2a6af036217fbbb7365c718bb0e0fc1cdbf915d68a9e");
  });
});
