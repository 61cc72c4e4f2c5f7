// SHA-256 known answers (FIPS 180-2 appendix B) and agreement with the platform's WebCrypto digest.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { toHex, utf8 } from "../shared/bytes.ts";
import { createSha256, sha256 } from "./index.ts";

it.each([
  ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
])("hashes %j to its FIPS 180-2 known answer", (text, digest) => {
  expect(toHex(sha256(utf8(text)))).toBe(digest);
});

it("matches crypto.subtle.digest on random inputs", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (data) => {
      const platform = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      expect(toHex(sha256(data))).toBe(toHex(platform));
    }),
    fuzzConfig(100),
  );
});

describe("incremental SHA-256", () => {
  it("gives the one-shot digest for the same bytes fed in pieces", () => {
    const bytes = new TextEncoder().encode("The quick brown fox jumps over the lazy dog".repeat(50));
    const hasher = createSha256();
    for (let i = 0; i < bytes.length; i += 37) hasher.update(bytes.subarray(i, i + 37));
    expect(hasher.digest()).toEqual(sha256(bytes));
  });
});
