// Seeded property test: no random tampering of a valid solution verifies (protocol 09 §4.2), except a
// changed counter that happens to carry the work itself. FUZZ_SEED / FUZZ_MAX_CASES replay or widen a run.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { challengeFor, setup, solutionFor, workBits } from "./test-support/guard-fixtures.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const TEXT_FIELDS = ["challenge_id", "algorithm", "payload", "context_binding"] as const;
const config = fuzzConfig(300);

type Tamper =
  | { readonly kind: "edit"; readonly field: (typeof TEXT_FIELDS)[number]; readonly at: number; readonly char: number }
  | { readonly kind: "replace"; readonly field: (typeof TEXT_FIELDS)[number] | "counter"; readonly value: unknown }
  | { readonly kind: "counter"; readonly counter: number }
  | { readonly kind: "drop"; readonly field: (typeof TEXT_FIELDS)[number] | "counter" }
  | { readonly kind: "extra"; readonly key: string; readonly value: unknown }
  | { readonly kind: "elsewhere" };

const field = fc.constantFrom(...TEXT_FIELDS);
const tamper: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ kind: fc.constant("edit" as const), field, at: fc.nat(), char: fc.nat(ALPHABET.length - 1) }),
  fc.record({ kind: fc.constant("replace" as const), field: fc.constantFrom(...TEXT_FIELDS, "counter" as const), value: fc.jsonValue() }),
  fc.record({ kind: fc.constant("counter" as const), counter: fc.oneof(fc.nat(1_000_000), fc.maxSafeNat()) }),
  fc.record({ kind: fc.constant("drop" as const), field: fc.constantFrom(...TEXT_FIELDS, "counter" as const) }),
  fc.record({ kind: fc.constant("extra" as const), key: fc.string({ minLength: 1, maxLength: 12 }), value: fc.jsonValue() }),
  fc.record({ kind: fc.constant("elsewhere" as const) }),
);

describe("tampered solutions (seeded)", () => {
  it(
    "never verify, unless only the counter changed and the new counter carries the work",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(2 ** 31), tamper, async (seed, change) => {
          const { guard } = setup({}, seed);
          const challenge = challengeFor(guard, "conn-a");
          challengeFor(guard, "conn-b");
          const solution: Record<string, unknown> = { ...(await solutionFor(guard, challenge)) };
          const original = { ...solution };
          let on = "conn-a";
          if (change.kind === "edit") {
            const text = solution[change.field] as string;
            const at = change.at % text.length;
            solution[change.field] = text.slice(0, at) + ALPHABET[change.char] + text.slice(at + 1);
          } else if (change.kind === "replace") solution[change.field] = change.value;
          else if (change.kind === "counter") solution.counter = change.counter;
          else if (change.kind === "drop") delete solution[change.field];
          else if (change.kind === "extra")
            Object.defineProperty(solution, change.key, { value: change.value, enumerable: true, configurable: true, writable: true });
          else on = "conn-b";

          const verdict = guard.verify({ connectionId: on }, solution);
          const unchanged = on === "conn-a" && JSON.stringify(solution) === JSON.stringify(original) && Object.keys(solution).length === 5;
          const counterOnly =
            on === "conn-a" && TEXT_FIELDS.every((f) => solution[f] === original[f]) && Object.keys(solution).length === 5;
          if (unchanged) expect(verdict.ok).toBe(true);
          else if (counterOnly && typeof solution.counter === "number" && Number.isSafeInteger(solution.counter) && solution.counter >= 0) {
            expect(verdict.ok).toBe(workBits(challenge, solution.counter) >= challenge.difficulty);
          } else {
            expect(verdict.ok).toBe(false);
            expect(verdict.ok ? null : verdict.error.code).toBe("ERR_RESOURCE_PUZZLE_FAILED");
            expect(guard.stats().admitted).toBe(0);
          }
        }),
        config,
      );
    },
    10_000 + config.numRuns * 50,
  );
});
