// Ed25519 under the one verification rule (DESIGN D1): every vector, both engines, one verdict.
// Runs in Node and in Chromium (vitest browser mode), so: no node:* imports, no Buffer.
import { Point } from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import { fromHex, toHex, utf8 } from "../shared/bytes.ts";
import { ED25519_VECTORS, type Ed25519Vector } from "./ed25519-vectors.ts";
import { createSigner, createVerifier, isWebCryptoEd25519Available, type Ed25519Verifier, type VerifyVerdict } from "./index.ts";
import { createWebCryptoKey } from "./webcrypto-ed25519.ts";

const webCryptoAvailable = await isWebCryptoEd25519Available();
const inNode = typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === "string";
const noble = await createVerifier("noble");
const webcrypto = webCryptoAvailable ? await createVerifier("webcrypto") : undefined;

function expected(vector: Ed25519Vector): VerifyVerdict {
  return vector.valid ? { valid: true } : { valid: false, reason: vector.reason };
}

function verifyVector(verifier: Ed25519Verifier, vector: Ed25519Vector): Promise<VerifyVerdict> {
  return verifier.verify(fromHex(vector.publicKey), fromHex(vector.message), fromHex(vector.signature));
}

const known = ED25519_VECTORS.filter((v): v is Ed25519Vector & { secretKey: string } => v.secretKey !== undefined);

it.runIf(inNode)("WebCrypto Ed25519 is available in Node 20", () => {
  expect(webCryptoAvailable).toBe(true);
});

it("auto picks WebCrypto where it is available, noble otherwise", async () => {
  expect((await createVerifier()).engine).toBe(webCryptoAvailable ? "webcrypto" : "noble");
  expect((await createSigner()).engine).toBe(webCryptoAvailable ? "webcrypto" : "noble");
});

describe("noble engine", () => {
  it.each(ED25519_VECTORS)("gives the rule's verdict: $name", async (vector) => {
    expect(await verifyVector(noble, vector)).toEqual(expected(vector));
  });

  it.each(known)("reproduces the known answer: $name", async (vector) => {
    const signer = await createSigner({ seed: fromHex(vector.secretKey), engine: "noble" });
    expect(toHex(signer.publicKey)).toBe(vector.publicKey);
    expect(toHex(await signer.sign(fromHex(vector.message)))).toBe(vector.signature);
  });
});

// Skipped only where the runtime has no WebCrypto Ed25519 (never in Node 20: asserted above).
describe.skipIf(webcrypto === undefined)("webcrypto engine (only where the runtime has WebCrypto Ed25519)", () => {
  const verifier = webcrypto!;

  it.each(ED25519_VECTORS)("gives the rule's verdict: $name", async (vector) => {
    expect(await verifyVector(verifier, vector)).toEqual(expected(vector));
  });

  it.each(known)("reproduces the known answer: $name", async (vector) => {
    const signer = await createSigner({ seed: fromHex(vector.secretKey), engine: "webcrypto" });
    expect(toHex(signer.publicKey)).toBe(vector.publicKey);
    expect(toHex(await signer.sign(fromHex(vector.message)))).toBe(vector.signature);
  });

  it("agrees with the noble engine on every vector", async () => {
    for (const vector of ED25519_VECTORS) {
      expect(await verifyVector(verifier, vector), vector.name).toEqual(await verifyVector(noble, vector));
    }
  });

  it("rejects all 8 small-order public keys, as the noble engine does", async () => {
    const order8 = Point.fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa");
    const torsion = new Set([Point.ZERO.toHex()]);
    for (let i = 1n; i < 8n; i++) torsion.add(order8.multiplyUnsafe(i).toHex());
    expect(torsion.size).toBe(8);
    for (const key of torsion) {
      // R = identity, S = 0: without step 4 this would pass the equation for A = identity.
      const signature = fromHex(Point.ZERO.toHex() + "00".repeat(32));
      for (const v of [noble, verifier]) {
        expect(await v.verify(fromHex(key), utf8("m"), signature)).toEqual({ valid: false, reason: "small_order_key" });
      }
    }
  });

  it("verifies on each engine what the other signed", async () => {
    const message = utf8("cross-engine");
    for (const [signEngine, verifyWith] of [
      ["noble", verifier],
      ["webcrypto", noble],
    ] as const) {
      const signer = await createSigner({ engine: signEngine });
      expect(await verifyWith.verify(signer.publicKey, message, await signer.sign(message))).toEqual({ valid: true });
    }
  });

  it("signs identically on both engines from one seed (RFC 8032 signatures are deterministic)", async () => {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const message = utf8("deterministic");
    const [a, b] = await Promise.all([createSigner({ seed, engine: "noble" }), createSigner({ seed, engine: "webcrypto" })]);
    expect(toHex(b.publicKey)).toBe(toHex(a.publicKey));
    expect(toHex(await b.sign(message))).toBe(toHex(await a.sign(message)));
  });

  it("keeps generated and seeded private keys non-extractable", async () => {
    for (const seed of [undefined, crypto.getRandomValues(new Uint8Array(32))]) {
      const { privateKey } = await createWebCryptoKey(seed);
      expect(privateKey.extractable).toBe(false);
      await expect(crypto.subtle.exportKey("pkcs8", privateKey)).rejects.toThrow();
      await expect(crypto.subtle.exportKey("jwk", privateKey)).rejects.toThrow();
    }
  });
});

describe("signers", () => {
  it("round-trip: a fresh signer's signature verifies, and fails for another message", async () => {
    for (const engine of ["noble", ...(webCryptoAvailable ? ["webcrypto" as const] : [])] as const) {
      const signer = await createSigner({ engine });
      const signature = await signer.sign(utf8("hello"));
      expect(signature.length).toBe(64);
      expect(await noble.verify(signer.publicKey, utf8("hello"), signature)).toEqual({ valid: true });
      expect(await noble.verify(signer.publicKey, utf8("hellO"), signature)).toEqual({ valid: false, reason: "equation" });
    }
  });

  it("throws RangeError for a seed that is not 32 bytes (a caller bug)", async () => {
    await expect(createSigner({ seed: new Uint8Array(31) })).rejects.toThrow(RangeError);
    await expect(createSigner({ seed: new Uint8Array(33), engine: "noble" })).rejects.toThrow(RangeError);
  });

  it("does not keep a reference to the caller's seed", async () => {
    const seed = fromHex(known[0]!.secretKey);
    const signer = await createSigner({ seed, engine: "noble" });
    seed.fill(0);
    expect(toHex(await signer.sign(fromHex(known[0]!.message)))).toBe(known[0]!.signature);
  });
});
