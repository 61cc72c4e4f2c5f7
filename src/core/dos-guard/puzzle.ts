// The puzzle's pure arithmetic (ADR 0007): the context binding, the bytes hashed, the work test and
// the shape check of an untrusted solution. No state, no clock; the guard and the solver share it.
import { fromBase64url, toBase64url } from "../shared/bytes.ts";
import { canonicalBytes } from "../shared/canonical-json.ts";
import { isJsonObject } from "../shared/json.ts";
import { sha256 } from "../crypto/index.ts";
import { PUZZLE_ALGORITHM, type Challenge, type Solution } from "./types.ts";

export const BINDING_BYTES = 32;
export const PUZZLE_INPUT_BYTES = BINDING_BYTES + 8;
const SOLUTION_KEYS = ["algorithm", "challenge_id", "context_binding", "counter", "payload"] as const;
/** Far above any text the guard issues (ids 22 chars, payload and binding 43): a cheap size bound. */
const MAX_FIELD_CHARS = 128;

/**
 * protocol 09 §4.1 `context_binding`: SHA-256 of the JCS of every challenge field plus the connection
 * id, so a solution is bound to this challenge, this difficulty and this connection alike.
 */
export function contextBinding(fields: Omit<Challenge, "context_binding">, connectionId: string): string {
  const { algorithm, challenge_id, difficulty, expires_at, payload } = fields;
  return toBase64url(sha256(canonicalBytes({ algorithm, challenge_id, connection_id: connectionId, difficulty, expires_at, payload })));
}

/** The 40 hashed bytes: the 32 binding bytes, then the counter as an unsigned 64-bit big-endian integer. */
export function puzzleInput(binding: Uint8Array, counter: number): Uint8Array {
  const input = new Uint8Array(PUZZLE_INPUT_BYTES);
  input.set(binding);
  writeCounter(input, counter);
  return input;
}

/** Writes the counter into the last 8 bytes in place (the solver's hot loop reuses one buffer). */
export function writeCounter(input: Uint8Array, counter: number): void {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  view.setUint32(BINDING_BYTES, Math.floor(counter / 0x1_0000_0000));
  view.setUint32(BINDING_BYTES + 4, counter >>> 0);
}

export function puzzleHash(binding: Uint8Array, counter: number): Uint8Array {
  return sha256(puzzleInput(binding, counter));
}

export function leadingZeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/** The binding's raw bytes, or undefined when it is not base64url of exactly 32 bytes. */
export function bindingBytes(binding: string): Uint8Array | undefined {
  const bytes = fromBase64url(binding);
  return bytes?.length === BINDING_BYTES ? bytes : undefined;
}

export function isCounter(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The structural check of an untrusted solution (DESIGN D6: structure before anything else): a plain
 * object with exactly the five fields, bounded strings and a safe non-negative integer counter.
 */
export function parseSolution(value: unknown): Solution | undefined {
  if (!isJsonObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== SOLUTION_KEYS.length || !SOLUTION_KEYS.every((key) => Object.hasOwn(value, key))) return undefined;
  const { algorithm, challenge_id, context_binding, counter, payload } = value;
  if (!isField(algorithm) || !isField(challenge_id) || !isField(context_binding) || !isField(payload) || !isCounter(counter))
    return undefined;
  return { challenge_id, algorithm, payload, context_binding, counter };
}

function isField(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_FIELD_CHARS;
}

export function isPuzzleAlgorithm(value: unknown): value is typeof PUZZLE_ALGORITHM {
  return value === PUZZLE_ALGORITHM;
}
