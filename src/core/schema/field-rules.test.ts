// FieldRule semantics beyond what the built-in schemas use: numbers, booleans, `any`, free-form and
// nested objects, item rules, full-match patterns and the order in which one value gets one reason.
import { describe, expect, it } from "vitest";
import { checkValue, compileRule } from "./field-rules.ts";
import type { JsonValue } from "../shared/json.ts";

function rule(raw: unknown) {
  return compileRule(raw as JsonValue, "rule", false, 1, { count: 0 });
}

const check = (raw: unknown, value: unknown) => checkValue(rule(raw), value as JsonValue, "value");

describe("checkValue", () => {
  it.each([
    ["a number within bounds", { type: "number", minimum: -1.5, maximum: 2.5 }, 2.5],
    ["an integer where a number is due", { type: "number" }, 3],
    ["a boolean from its enum", { type: "boolean", enum: [true] }, true],
    ["anything for `any`", { type: "any" }, { deep: [null, 1, "x"] }],
    ["any object when `fields` is absent", { type: "object" }, { whatever: { nested: true } }],
    ["an empty array with no min_items", { type: "array", items: { type: "string" } }, []],
    ["a number enum member", { type: "number", enum: [0.5, 1.5] }, 1.5],
    ["a string matching every alternative of a pattern", { type: "string", pattern: "ab|cd" }, "cd"],
    ["an astral character counted as two UTF-16 units", { type: "string", max_length: 2 }, "😀"],
  ])("accepts %s", (_name, raw, value) => {
    expect(check(raw, value)).toBeUndefined();
  });

  it.each([
    ["a fraction below a number minimum", { type: "number", minimum: 0 }, -0.1, "below_minimum", "value"],
    ["a number above its maximum", { type: "number", maximum: 1 }, 1.01, "above_maximum", "value"],
    ["a string where a number is due", { type: "number" }, "1", "expected_number", "value"],
    ["a boolean outside its enum", { type: "boolean", enum: [true] }, false, "not_in_enum", "value"],
    ["a number outside its enum", { type: "number", enum: [0.5] }, 1, "not_in_enum", "value"],
    ["too few items", { type: "array", min_items: 2 }, [1], "too_few_items", "value"],
    ["a bad item, naming its index", { type: "array", items: { type: "integer" } }, [1, 2, "3"], "expected_integer", "value[2]"],
    [
      "a bad member of an object inside an array",
      { type: "array", items: { type: "object", fields: { n: { type: "integer", required: true } } } },
      [{ n: 1 }, {}],
      "missing_field",
      "value[1].n",
    ],
    [
      "an unknown member of a nested object",
      { type: "object", fields: { a: { type: "object", fields: {} } } },
      { a: { b: 1 } },
      "unknown_field",
      "value.a.b",
    ],
    ["an unknown member with an odd name, quoted", { type: "object", fields: {} }, { "a-b": 1 }, "unknown_field", 'value["a-b"]'],
    ["a string matching a pattern only in part", { type: "string", pattern: "ab|cd" }, "abcd", "pattern_mismatch", "value"],
    ["a string with a matching prefix only", { type: "string", pattern: "[a-z]+" }, "abc1", "pattern_mismatch", "value"],
    ["a string with a trailing newline", { type: "string", pattern: "[a-z]+" }, "abc\n", "pattern_mismatch", "value"],
    ["an astral character over a 1-unit max_length", { type: "string", max_length: 1 }, "😀", "too_long", "value"],
    ["null where an object is due", { type: "object" }, null, "expected_object", "value"],
    ["an array where an object is due", { type: "object" }, [], "expected_object", "value"],
    ["an object id with a leading-zero index", { type: "object_id" }, `${"A".repeat(43)}:01`, "invalid_object_id", "value"],
    ["an identity id of 42 characters", { type: "identity_id" }, "A".repeat(42), "invalid_identity_id", "value"],
  ])("rejects %s (%s)", (_name, raw, value, reason, path) => {
    expect(check(raw, value)).toEqual({ reason, path });
  });

  it("gives one reason per value in a fixed order: length before pattern, pattern before enum", () => {
    expect(check({ type: "string", max_length: 2, pattern: "[0-9]+" }, "abc")).toEqual({ reason: "too_long", path: "value" });
    expect(check({ type: "string", pattern: "[0-9]+", enum: ["x"] }, "x")).toEqual({ reason: "pattern_mismatch", path: "value" });
    expect(check({ type: "integer", maximum: 3, enum: [1, 2] }, 9)).toEqual({ reason: "above_maximum", path: "value" });
  });

  it("reports missing members before unknown ones, each in sorted order", () => {
    const raw = { type: "object", fields: { b: { type: "any", required: true }, a: { type: "any", required: true } } };
    expect(check(raw, { z: 1 })).toEqual({ reason: "missing_field", path: "value.a" });
    expect(check(raw, { a: 1, b: 1, z: 1, y: 1 })).toEqual({ reason: "unknown_field", path: "value.y" });
  });

  it("never reads inherited properties as members", () => {
    const raw = { type: "object", fields: { name: { type: "string" } } };
    expect(check(raw, JSON.parse('{"__proto__": {"name": 1}}'))).toEqual({ reason: "unknown_field", path: "value.__proto__" });
    expect(check(raw, {})).toBeUndefined();
  });
});
