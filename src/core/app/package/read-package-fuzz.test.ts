// Seeded fuzz: a valid package with random bytes overwritten, re-signed so the damage reaches the
// reader. openPackage must never throw and every refusal must carry a registered code and a reason.
// FUZZ_SEED replays a run; FUZZ_MAX_CASES widens it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isErrorCode } from "../../shared/errors.ts";
import { fuzzConfig } from "../../shared/test-support/fuzz-config.ts";
import { openPackage } from "./index.ts";
import { notesPackage, resign } from "./test-support/fixtures.ts";

const good = await notesPackage();
const config = fuzzConfig(300);

describe("openPackage under damage", () => {
  it("returns a coded result for any overwritten bytes and never throws", { timeout: 20_000 + config.numRuns * 50 }, async () => {
    const damage = fc.array(fc.record({ at: fc.nat({ max: good.zip.length - 1 }), byte: fc.nat({ max: 255 }) }), {
      minLength: 1,
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(damage, fc.boolean(), async (edits, truncate) => {
        let zip = good.zip.slice();
        for (const { at, byte } of edits) zip[at] = byte;
        if (truncate) zip = zip.subarray(0, edits[0]!.at);
        const { signature } = await resign(zip);
        const result = await openPackage(zip, signature);
        if (!result.ok) {
          expect(isErrorCode(result.error.code)).toBe(true);
          expect(typeof result.error.data["reason"] === "string" || result.error.code.startsWith("ERR_")).toBe(true);
        }
      }),
      { seed: config.seed, numRuns: config.numRuns },
    );
  });
});
