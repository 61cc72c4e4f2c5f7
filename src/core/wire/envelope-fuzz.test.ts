// Seeded, bounded fuzzing of envelope validation (FUZZ_SEED, FUZZ_MAX_CASES): every mutant of a valid
// envelope or of its stub (wire profile v2) is either rejected with one registered structural or
// cryptographic code, or verifies to the very same signed link, as the canonical text of the original
// envelope or of its stub, and verifies again from that text. Nothing throws, nothing new ever verifies.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { bytesEqual, utf8 } from "../shared/bytes.ts";
import { PROTOCOL_ERRORS, stageOf, type ErrorCode } from "../shared/errors.ts";
import type { JsonValue } from "../shared/json.ts";
import type { Result } from "../shared/result.ts";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { stubTextOf, validateEnvelope, validateEnvelopeValue, validateLink, validateLinkValue } from "./envelope.ts";
import { build, genesisDraft, messageDraft, testIdentity } from "./test-support/fixtures.ts";
import type { VerifiedEnvelope, VerifiedLink } from "./types.ts";

let originals: VerifiedEnvelope[] = [];

/** What the fuzzer mutates: a valid envelope, or the stub derived from it. */
type Target = { readonly original: VerifiedEnvelope; readonly form: "full" | "stub"; readonly text: string };

function targetOf(which: number, form: Target["form"]): Target {
  const original = originals[which]!;
  return { original, form, text: form === "full" ? original.text : stubTextOf(original.text) };
}

beforeAll(async () => {
  const ada = await testIdentity(1);
  const device = await testIdentity(5);
  const genesis = await build(ada.signer, genesisDraft());
  const message = await build(ada.signer, messageDraft(genesis.id));
  const fromDevice = await build(
    device.signer,
    { ...messageDraft(genesis.id, 1), prev: null, deps: [genesis.id, message.id].sort(), lamport: 2 },
    ada.id,
  );
  originals = [genesis, message, fromDevice];
});

type Path = readonly (string | number)[];

/** Every path to a node of the JSON tree, root included, in a fixed order. */
function pathsOf(value: JsonValue, path: Path = []): Path[] {
  const children =
    value !== null && typeof value === "object"
      ? Array.isArray(value)
        ? value.map((v, i) => [i, v] as const)
        : Object.entries(value)
      : [];
  return [path, ...children.flatMap(([key, child]) => pathsOf(child as JsonValue, [...path, key]))];
}

function parentAndKey(root: Record<string, any>, path: Path): [Record<string, any>, string | number] | undefined {
  if (path.length === 0) return undefined;
  let node: any = root;
  for (const key of path.slice(0, -1)) node = node[key];
  return [node as Record<string, any>, path[path.length - 1]!];
}

/** Serializes with object keys in a shuffled order: same value, non-canonical text. */
function shuffledJson(value: JsonValue, random: () => number): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => shuffledJson(v, random)).join(",")}]`;
  const entries = Object.entries(value).sort(() => random() - 0.5);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${shuffledJson(v, random)}`).join(",")}}`;
}

const otherValues: JsonValue[] = [null, true, 0, -1, 1.5, 2 ** 53 - 1, "", "x", [], {}, [null], { a: 1 }, "@0", "A".repeat(43)];

type Mutant = { readonly kind: string; readonly input: string | Uint8Array | JsonValue; readonly asText: boolean };

const mutantArb = (target: Target): fc.Arbitrary<Mutant> => {
  const original = target; // the text being mutated: the full envelope's or its stub's
  const value = JSON.parse(original.text) as JsonValue;
  const paths = pathsOf(value);
  const bytes = utf8(original.text);
  const index = fc.nat({ max: bytes.length - 1 });
  const path = fc.constantFrom(...paths);
  const mutateValue = (kind: string, change: (root: Record<string, any>, p: Path) => void) =>
    path.map((p): Mutant => {
      const root = JSON.parse(original.text) as Record<string, any>;
      change(root, p);
      return { kind, input: root as JsonValue, asText: false };
    });
  // Content of any original (its own included) grafted onto this link: only its own content fits.
  const contents = originals.map((o) => (JSON.parse(o.text) as Record<string, JsonValue>)["content"]!);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...contents.keys()), fc.boolean()).map(([i, asText]): Mutant => {
      const root = { ...(JSON.parse(original.text) as Record<string, JsonValue>), content: contents[i]! };
      return { kind: "graft content", input: asText ? canonicalize(root) : root, asText };
    }),
    fc.boolean().map((asText): Mutant => {
      const { content: _content, ...stub } = JSON.parse(original.text) as Record<string, JsonValue>;
      return { kind: "strip content", input: asText ? canonicalize(stub) : stub, asText };
    }),
    fc.tuple(index, fc.integer({ min: 0, max: 7 })).map(([i, bit]): Mutant => {
      const copy = bytes.slice();
      copy[i]! ^= 1 << bit;
      return { kind: "flip bit", input: copy, asText: true };
    }),
    index.map((i): Mutant => ({
      kind: "delete byte",
      input: new Uint8Array([...bytes.subarray(0, i), ...bytes.subarray(i + 1)]),
      asText: true,
    })),
    fc.tuple(index, fc.integer({ min: 0, max: 255 })).map(([i, b]): Mutant => ({
      kind: "insert byte",
      input: new Uint8Array([...bytes.subarray(0, i), b, ...bytes.subarray(i)]),
      asText: true,
    })),
    fc.tuple(index, fc.nat({ max: 40 })).map(([i, n]): Mutant => ({
      kind: "duplicate span",
      input: new Uint8Array([...bytes.subarray(0, i + n), ...bytes.subarray(i, bytes.length)]),
      asText: true,
    })),
    mutateValue("drop field", (root, p) => {
      const at = parentAndKey(root, p);
      if (at === undefined) return;
      if (Array.isArray(at[0])) at[0].splice(at[1] as number, 1);
      else delete at[0][at[1]];
    }),
    fc.tuple(path, fc.string({ maxLength: 12 }), fc.constantFrom(...otherValues)).map(([p, key, extra]): Mutant => {
      const root = JSON.parse(original.text) as Record<string, any>;
      const at = parentAndKey(root, p);
      const target: any = at === undefined ? root : at[0][at[1]];
      if (target !== null && typeof target === "object" && !Array.isArray(target)) target[key] = extra;
      else if (Array.isArray(target)) target.push(extra);
      return { kind: "add field", input: root as JsonValue, asText: false };
    }),
    fc.tuple(path, fc.constantFrom(...otherValues)).map(([p, replacement]): Mutant => {
      const root = JSON.parse(original.text) as Record<string, any>;
      const at = parentAndKey(root, p);
      if (at !== undefined) at[0][at[1]] = replacement;
      return { kind: "change type", input: at === undefined ? replacement : (root as JsonValue), asText: false };
    }),
    fc.integer().map((seed): Mutant => {
      let state = seed >>> 0;
      const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      return { kind: "reorder keys", input: shuffledJson(value, random), asText: true };
    }),
    fc.tuple(index, fc.nat({ max: 30 })).map(([i, n]): Mutant => {
      // Repeats the member that starts at the next `"key":` after i, producing a duplicate key.
      const text = original.text;
      const start = text.indexOf(',"', i);
      const end = start < 0 ? -1 : text.indexOf(',"', start + 1 + n);
      const input = start < 0 || end < 0 ? text : text.slice(0, end) + text.slice(start, end) + text.slice(end);
      return { kind: "duplicate member", input, asText: true };
    }),
  );
};

/**
 * The invariant: a rejection carries a registered code of stage 1 or 2; an acceptance is the original's
 * very link (same id and signed bytes), as the canonical text of the original envelope or its stub,
 * and that text verifies again to the same result.
 */
async function checkOutcome(result: Result<VerifiedLink>, original: VerifiedEnvelope, mutant: Mutant): Promise<void> {
  if (!result.ok) {
    const code: ErrorCode = result.error.code;
    expect(Object.hasOwn(PROTOCOL_ERRORS, code), `${mutant.kind}: ${code}`).toBe(true);
    expect(stageOf(code), `${mutant.kind}: ${code}`).toBeLessThanOrEqual(2);
    return;
  }
  // Accepted: it must be exactly the link the author signed, byte for byte.
  expect(bytesEqual(result.value.signedBytes, original.signedBytes), mutant.kind).toBe(true);
  expect(result.value.id, mutant.kind).toBe(original.id);
  const expected = result.value.kind === "full" ? original.text : stubTextOf(original.text);
  expect(result.value.text, mutant.kind).toBe(expected);
  expect(canonicalize(result.value.envelope), mutant.kind).toBe(expected);
  if (mutant.asText)
    expect(typeof mutant.input === "string" ? mutant.input : new TextDecoder().decode(mutant.input as Uint8Array)).toBe(expected);
  const again = await validateLink(result.value.text);
  expect(again, mutant.kind).toMatchObject({ ok: true, value: { id: original.id, kind: result.value.kind, text: expected } });
}

async function validateAs(mutant: Mutant, form: "full" | "any"): Promise<Result<VerifiedLink>> {
  if (form === "full") {
    return mutant.asText ? validateEnvelope(mutant.input as string | Uint8Array) : validateEnvelopeValue(mutant.input);
  }
  return mutant.asText ? validateLink(mutant.input as string | Uint8Array) : validateLinkValue(mutant.input);
}

describe("envelope fuzzing (AC-04, AC-05)", () => {
  const { seed, numRuns } = fuzzConfig(300);

  it.each([
    [0, "full"],
    [1, "full"],
    [2, "full"],
    [0, "stub"],
    [1, "stub"],
    [2, "stub"],
  ] as const)(
    `every mutant of envelope #%i (%s form) is rejected with a code or verifies to the same signed link (seed ${seed})`,
    async (which, form) => {
      const target = targetOf(which, form);
      const outcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(mutantArb(target), async (mutant) => {
          // Both entry points: the one for full envelopes only, and the one for either form.
          for (const entry of ["full", "any"] as const) {
            const result = await validateAs(mutant, entry);
            await checkOutcome(result, target.original, mutant);
            if (entry === "full" && result.ok) expect(result.value.kind).toBe("full");
            const key = `${entry}: ${mutant.kind} → ${result.ok ? `same ${result.value.kind}` : result.error.code}`;
            outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          }
        }),
        { seed: seed + which + (form === "stub" ? 100 : 0), numRuns },
      );
      // The run must really have explored rejections, not only no-op mutants.
      expect([...outcomes.keys()].some((k) => k.includes("ERR_STRUCT_"))).toBe(true);
    },
  );

  it("a key-reordered envelope or stub given as a value verifies to the same signed link", async () => {
    for (const [which, original] of originals.entries()) {
      for (const form of ["full", "stub"] as const) {
        const random = (() => {
          let state = 7;
          return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        })();
        const reordered = JSON.parse(shuffledJson(JSON.parse(targetOf(which, form).text) as JsonValue, random)) as JsonValue;
        const result = await validateLinkValue(reordered);
        await checkOutcome(result, original, { kind: "reorder value", input: reordered, asText: false });
        expect(result).toMatchObject({ ok: true, value: { kind: form } });
      }
    }
  });

  it("a stub with its own content grafted back is its full envelope; another envelope's content never verifies", async () => {
    for (const [which, original] of originals.entries()) {
      const stub = JSON.parse(targetOf(which, "stub").text) as Record<string, JsonValue>;
      for (const [i, other] of originals.entries()) {
        const content = (JSON.parse(other.text) as Record<string, JsonValue>)["content"]!;
        const result = await validateEnvelopeValue({ ...stub, content });
        if (i === which) expect(result).toMatchObject({ ok: true, value: { id: original.id, text: original.text } });
        else expect(result.ok).toBe(false);
      }
    }
  });
});
