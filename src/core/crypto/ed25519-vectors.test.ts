// The vector set itself: derived cases rebuild from their recipes with noble Point arithmetic, and the
// speccheck cases have the shape their names claim. Runs in Node and Chromium (no node:*, no Buffer).
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { concatBytes, fromHex, toHex, utf8 } from "../shared/bytes.ts";
import { L, bigintFromLittleEndian } from "./ed25519-precheck.ts";
import { ED25519_VECTORS, type Ed25519Vector } from "./ed25519-vectors.ts";
import "./noble-ed25519.ts"; // wires noble's synchronous SHA-512

const P = ed.Point.CURVE().p;

function vector(namePrefix: string): Ed25519Vector {
  const found = ED25519_VECTORS.find((v) => v.name.startsWith(namePrefix));
  if (found === undefined) throw new Error(`no vector named ${namePrefix}`);
  return found;
}

function littleEndian32(n: bigint): string {
  let hex = "";
  for (let i = 0; i < 32; i++)
    hex += Number((n >> BigInt(8 * i)) & 0xffn)
      .toString(16)
      .padStart(2, "0");
  return hex;
}

function flipBit(hex: string, bit: number): string {
  const bytes = fromHex(hex);
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return toHex(bytes);
}

type Shape = "small" | "mixed" | "prime" | "non-canonical" | "invalid";

function shape(hex: string): Shape {
  let point: ed.Point;
  try {
    point = ed.Point.fromHex(hex, false);
  } catch {
    return decodesLoosely(hex) ? "non-canonical" : "invalid";
  }
  if (point.isSmallOrder()) return "small";
  return point.isTorsionFree() ? "prime" : "mixed";
}

function decodesLoosely(hex: string): boolean {
  try {
    ed.Point.fromHex(hex, true);
    return true;
  } catch {
    return false;
  }
}

it("has unique names and the expected size", () => {
  expect(new Set(ED25519_VECTORS.map((v) => v.name)).size).toBe(ED25519_VECTORS.length);
  expect(ED25519_VECTORS.length).toBe(30);
});

it("RFC 8032 TEST 1024 has its 1023-byte message", () => {
  expect(fromHex(vector("RFC 8032 TEST 1024").message).length).toBe(1023);
});

describe("derived vectors rebuild from their recipes", () => {
  const test1 = vector("RFC 8032 TEST 1 ");
  const test2 = vector("RFC 8032 TEST 2 ");
  const identity = ed.Point.ZERO.toHex();
  const identityYPlusP = littleEndian32(P + 1n);

  it("identity keys and the identity R", () => {
    expect(vector("identity A").publicKey).toBe(identity);
    expect(vector("identity A").signature).toBe(identity + littleEndian32(0n));
    expect(vector("non-canonical A: identity").publicKey).toBe(identityYPlusP);
    expect(toHex(ed.Point.fromHex(identityYPlusP, true).toBytes())).toBe(identity); // same point, other bytes
  });

  it("A not on the curve", () => {
    expect(shape(vector("A not on the curve").publicKey)).toBe("invalid");
  });

  it("non-canonical R with S = k·a", () => {
    const v = vector("non-canonical R: identity");
    const { scalar } = ed.utils.getExtendedPublicKey(fromHex(test1.secretKey!));
    const k = bigintFromLittleEndian(sha512(concatBytes(fromHex(identityYPlusP), fromHex(v.publicKey), utf8("2WAY")))) % L;
    expect(v.publicKey).toBe(test1.publicKey);
    expect(v.message).toBe(toHex(utf8("2WAY")));
    expect(v.signature).toBe(identityYPlusP + littleEndian32((k * scalar) % L));
    // A cofactored verifier that decodes R accepts it; the rule (byte comparison) does not.
    expect(ed.verify(fromHex(v.signature), fromHex(v.message), fromHex(v.publicKey))).toBe(true);
  });

  it("S = L and the length cases", () => {
    expect(vector("S = L").signature).toBe(test1.signature.slice(0, 64) + littleEndian32(L));
    expect(fromHex(vector("31-byte").publicKey).length).toBe(31);
    expect(fromHex(vector("33-byte").publicKey).length).toBe(33);
    expect(fromHex(vector("63-byte").signature).length).toBe(63);
    expect(fromHex(vector("65-byte").signature).length).toBe(65);
  });

  it("single bit flips of TEST 2", () => {
    expect(vector("TEST 2 with bit 0 of the message").message).toBe(flipBit(test2.message, 0));
    expect(vector("TEST 2 with bit 0 of R").signature).toBe(flipBit(test2.signature, 0));
    expect(vector("TEST 2 with bit 0 of S").signature).toBe(flipBit(test2.signature, 256));
    const flippedKey = vector("TEST 2 with bit 0 of A").publicKey;
    expect(flippedKey).toBe(flipBit(test2.publicKey, 0));
    expect(shape(flippedKey)).not.toBe("invalid");
  });
});

describe("speccheck cases have the shape their names claim", () => {
  // [A shape, R shape, S range] per case, as in the paper's Table 5.
  const shapes: readonly [Shape, Shape, "zero" | "canonical" | ">= L" | ">= 2^253"][] = [
    ["small", "small", "zero"],
    ["small", "mixed", "canonical"],
    ["mixed", "small", "canonical"],
    ["mixed", "mixed", "canonical"],
    ["mixed", "mixed", "canonical"],
    ["mixed", "prime", "canonical"],
    ["prime", "prime", ">= L"],
    ["prime", "prime", ">= 2^253"],
    ["mixed", "non-canonical", "canonical"],
    ["mixed", "non-canonical", "canonical"],
    ["non-canonical", "mixed", "canonical"],
    ["non-canonical", "mixed", "canonical"],
  ];
  const cases = ED25519_VECTORS.filter((v) => v.source === "ed25519-speccheck");

  it.each(cases.map((v, i) => [v.name, v, shapes[i]!] as const))("%s", (_name, v, [a, r, s]) => {
    const sValue = bigintFromLittleEndian(fromHex(v.signature).subarray(32));
    const sRange = sValue === 0n ? "zero" : sValue >= 2n ** 253n ? ">= 2^253" : sValue >= L ? ">= L" : "canonical";
    expect([shape(v.publicKey), shape(v.signature.slice(0, 64)), sRange]).toEqual([a, r, s]);
  });

  it("noble's own cofactored ed.verify accepts cases 4 and 5, which the rule rejects", () => {
    for (const v of [cases[4]!, cases[5]!]) {
      expect(ed.verify(fromHex(v.signature), fromHex(v.message), fromHex(v.publicKey))).toBe(true);
      expect(v.valid).toBe(false);
    }
  });
});
