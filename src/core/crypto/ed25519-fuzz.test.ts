// Seeded property tests: on random keys and messages the two engines sign alike, accept alike, and reject
// any single flipped bit alike (DESIGN D1). FUZZ_SEED / FUZZ_MAX_CASES replay or widen a run.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../shared/bytes.ts";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { createSigner, createVerifier, isWebCryptoEd25519Available } from "./index.ts";

const webCryptoAvailable = await isWebCryptoEd25519Available();
const verifiers = webCryptoAvailable ? ([await createVerifier("noble"), await createVerifier("webcrypto")] as const) : [];
const config = fuzzConfig(200);
const timeout = 10_000 + config.numRuns * 100;

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
}

// Agreement needs both engines; the vector tests already assert WebCrypto is present in Node.
describe.skipIf(!webCryptoAvailable)("noble and webcrypto engines (only where the runtime has WebCrypto Ed25519)", () => {
  it(
    "sign alike, accept alike, and reject a single flipped bit alike",
    async () => {
      const input = fc.record({
        seed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        message: fc.uint8Array({ maxLength: 200 }),
        target: fc.constantFrom("publicKey", "message", "signature"),
        bit: fc.nat(),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ seed, message, target, bit }) => {
          fc.pre(target !== "message" || message.length > 0);
          const nobleSigner = await createSigner({ seed, engine: "noble" });
          const webSigner = await createSigner({ seed, engine: "webcrypto" });
          const signature = await nobleSigner.sign(message);
          expect(toHex(await webSigner.sign(message))).toBe(toHex(signature));

          const genuine = { publicKey: nobleSigner.publicKey, message, signature };
          for (const v of verifiers) expect(await v.verify(genuine.publicKey, message, signature)).toEqual({ valid: true });

          const forged = { ...genuine, [target]: flipBit(genuine[target], bit) };
          const [byNoble, byWeb] = await Promise.all(verifiers.map((v) => v.verify(forged.publicKey, forged.message, forged.signature)));
          expect(byNoble!.valid).toBe(false);
          expect(byWeb).toEqual(byNoble);
        }),
        config,
      );
    },
    timeout,
  );

  it(
    "give one verdict on arbitrary bytes",
    async () => {
      // S is masked below 2^252 < L half the time so the equation step is reached, not only step 2.
      const input = fc.record({
        publicKey: fc.uint8Array({ minLength: 31, maxLength: 33 }),
        message: fc.uint8Array({ maxLength: 64 }),
        signature: fc.uint8Array({ minLength: 63, maxLength: 65 }),
        canonicalS: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ publicKey, message, signature, canonicalS }) => {
          if (canonicalS && signature.length === 64) signature[63]! &= 0x0f;
          const [byNoble, byWeb] = await Promise.all(verifiers.map((v) => v.verify(publicKey, message, signature)));
          expect(byWeb).toEqual(byNoble);
        }),
        config,
      );
    },
    timeout,
  );
});
