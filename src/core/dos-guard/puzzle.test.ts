// The puzzle's bytes (ADR 0007): known answers for the binding, the hashed input and the work count,
// and the structural check of untrusted solutions.
import { describe, expect, it } from "vitest";
import { toHex } from "../shared/bytes.ts";
import { contextBinding, leadingZeroBits, puzzleHash, puzzleInput } from "./index.ts";
import { parseSolution } from "./puzzle.ts";

const VALID = {
  challenge_id: "AAAAAAAAAAAAAAAAAAAAAA",
  algorithm: "sha256-leading-zero-bits",
  payload: "BBBB",
  context_binding: "CCCC",
  counter: 7,
};

describe("puzzle bytes (ADR 0007)", () => {
  it("binds to SHA-256 of the JCS of the challenge fields and the connection id (known answer)", () => {
    const fields = {
      challenge_id: "AAAAAAAAAAAAAAAAAAAAAA",
      algorithm: "sha256-leading-zero-bits",
      difficulty: 8,
      expires_at: "2026-11-21T10:00:30.000Z",
      payload: "BBBB",
    } as const;
    // = base64url(sha256('{"algorithm":…,"challenge_id":…,"connection_id":"conn-1","difficulty":8,"expires_at":…,"payload":"BBBB"}'))
    expect(contextBinding(fields, "conn-1")).toBe("b0dRNc6gxERmJ0Z3SOCvuQF1ebhz0OtlXzNaxymGWHY");
    expect(contextBinding(fields, "conn-2")).not.toBe(contextBinding(fields, "conn-1"));
  });

  it("hashes the 32 binding bytes then the counter as 64-bit big-endian (known answers)", () => {
    const binding = new Uint8Array(32).fill(0xaa);
    expect(toHex(puzzleInput(binding, 2 ** 32 + 5).subarray(32))).toBe("0000000100000005");
    expect(toHex(puzzleInput(binding, Number.MAX_SAFE_INTEGER).subarray(32))).toBe("001fffffffffffff");
    expect(toHex(puzzleHash(new Uint8Array(32), 0))).toBe("2c34ce1df23b838c5abf2a7f6437cca3d3067ed509ff25f11df6b11b582b51eb");
    expect(toHex(puzzleHash(binding, 2 ** 32 + 5))).toBe("99729a67eafc747107db20a996770a40309d2164041f085ddb2830237574d996");
  });

  it.each([
    [[0x80], 0],
    [[0x0f, 0xff], 4],
    [[0x01], 7],
    [[0x00, 0x00, 0x01], 23],
    [[0x00, 0x40], 9],
    [new Array<number>(32).fill(0), 256],
  ])("counts leading zero bits of %j as %i", (bytes, bits) => {
    expect(leadingZeroBits(Uint8Array.from(bytes))).toBe(bits);
  });
});

describe("solution structure", () => {
  it("accepts exactly the five fields", () => {
    expect(parseSolution(VALID)).toEqual(VALID);
  });

  it.each([
    ["not an object", "solution"],
    ["null", null],
    ["an array", [VALID]],
    ["an extra field", { ...VALID, hash: "x" }],
    ["a missing field", { challenge_id: VALID.challenge_id, algorithm: VALID.algorithm, payload: VALID.payload, counter: 7 }],
    ["an empty id", { ...VALID, challenge_id: "" }],
    ["an oversized payload", { ...VALID, payload: "B".repeat(129) }],
    ["a numeric binding", { ...VALID, context_binding: 5 }],
    ["a negative counter", { ...VALID, counter: -1 }],
    ["a fractional counter", { ...VALID, counter: 1.5 }],
    ["an unsafe counter", { ...VALID, counter: 2 ** 53 }],
    ["a string counter", { ...VALID, counter: "7" }],
    ["a class instance", Object.assign(new (class Solution {})(), VALID)],
  ])("rejects %s", (_label, value) => {
    expect(parseSolution(value)).toBeUndefined();
  });
});
