// Property-test knobs, read the same way in Node and in a browser (which has no `process`).
// FUZZ_SEED replays a run; FUZZ_MAX_CASES bounds it (package.json `test:fuzz` raises it).

const DEFAULT_SEED = 20261121;

export function fuzzConfig(defaultCases: number): { seed: number; numRuns: number } {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return { seed: readInteger(env?.FUZZ_SEED, DEFAULT_SEED), numRuns: readInteger(env?.FUZZ_MAX_CASES, defaultCases) };
}

function readInteger(text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`expected an integer, got ${JSON.stringify(text)}`);
  return value;
}
