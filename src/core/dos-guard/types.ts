// Plain-data shapes of the DoS Guard (protocol 09 §4, architecture 14): challenges, solutions,
// admission decisions and the policy knobs. Data only; behaviour lives in the modules beside it.
import type { NodeError } from "../shared/errors.ts";

/** protocol 09 §4.1 `algorithm`: SHA-256 over the bytes of ADR 0007, counted in leading zero bits. */
export const PUZZLE_ALGORITHM = "sha256-leading-zero-bits" as const;
export type PuzzleAlgorithm = typeof PUZZLE_ALGORITHM;

/** The ceiling any policy may ask for; the `dos.difficulty.*` config keys share it. */
export const MAX_DIFFICULTY_BITS = 32;

/** protocol 09 §4.1: every field a challenge MUST carry. Binary values are base64url (DESIGN §3). */
export type Challenge = {
  readonly challenge_id: string;
  readonly algorithm: PuzzleAlgorithm;
  /** Minimum leading zero bits of the solution hash. */
  readonly difficulty: number;
  /** RFC 3339 UTC with milliseconds; the challenge is dead from this instant on. */
  readonly expires_at: string;
  /** 32 random bytes the response must echo unchanged. */
  readonly payload: string;
  /** base64url(SHA-256(JCS of the challenge fields plus the connection id)): ties it to one connection. */
  readonly context_binding: string;
};

/** The response: the challenge fields it must echo unchanged (protocol 09 §4.2) and the found counter. */
export type Solution = {
  readonly challenge_id: string;
  readonly algorithm: string;
  readonly payload: string;
  readonly context_binding: string;
  /** 0 ≤ counter ≤ 2^53 − 1, hashed as 8 bytes big-endian after the binding. */
  readonly counter: number;
};

/** The transport's handle on one connection. Node-local, never an identity (protocol 09 §3). */
export type Connection = { readonly connectionId: string };

export type Admission = { readonly connectionId: string; readonly admittedAt: string };

/**
 * protocol 09 §5 decision matrix. `allow` is only ever returned for a connection that already solved
 * a puzzle: every new connection is challenged (DESIGN D7, ADR 0007).
 */
export type AdmissionDecision =
  | { readonly kind: "challenge"; readonly connectionId: string; readonly challenge: Challenge }
  | { readonly kind: "allow"; readonly connectionId: string; readonly admission: Admission }
  | { readonly kind: "deny"; readonly connectionId: string; readonly error: NodeError };

/** What the Network manager reports about a connection's behaviour (architecture 14 §4 telemetry). */
export const ABUSE_EVENTS = ["violation", "malformed_frame", "rate_exceeded", "ok"] as const;
export type AbuseEvent = (typeof ABUSE_EVENTS)[number];

/** `data.reason` of ERR_RESOURCE_PUZZLE_FAILED from verify, in the order verify checks them. */
export const VERIFY_FAILURE_REASONS = [
  "malformed",
  "unknown_challenge",
  "expired",
  "binding_mismatch",
  "payload_mismatch",
  "algorithm_mismatch",
  "replayed",
  "insufficient_work",
] as const;
export type VerifyFailureReason = (typeof VERIFY_FAILURE_REASONS)[number];

export type DosGuardConfig = {
  /** `dos.difficulty.base_bits`: difficulty with no load and no abuse. */
  readonly baseBits: number;
  /** `dos.difficulty.max_bits`: the ceiling. */
  readonly maxBits: number;
  /** The floor (protocol 09 §4.3 "minimum cap"); defaults to baseBits. */
  readonly minBits?: number;
  /** `dos.difficulty.decay_ms`: quiet time after which a raised level steps down by one bit. */
  readonly decayMs: number;
  /** `dos.puzzle.ttl_ms`: lifetime of an issued challenge. */
  readonly puzzleTtlMs: number;
  /** `dos.global.max_puzzles`: challenges in flight; over it, new connections are denied. */
  readonly maxOutstanding: number;
  /** `dos.global.max_connections`: admitted connections; default 128 (network.admitted.max_sessions). */
  readonly maxAdmitted?: number;
  /** Strikes (failed solutions, reported violations) after which a connection is denied; default 8. */
  readonly strikesToDeny?: number;
  /** Abuse events that raise the global difficulty by one bit; default 5. */
  readonly violationsPerBit?: number;
};

export type DosGuardStats = {
  /** Current difficulty for a connection without strikes. */
  readonly difficulty: number;
  readonly abuseBits: number;
  readonly loadBits: number;
  readonly outstanding: number;
  readonly admitted: number;
  /** Connections currently refused for their strikes. */
  readonly denied: number;
  readonly issued: number;
  readonly admissions: number;
  readonly denials: number;
  readonly verifyFailures: number;
  /** Entries held across every internal table: what bounds the guard's memory. */
  readonly tracked: number;
  readonly stopped: boolean;
};

export type SolveOptions = {
  /** Hashes to try before giving up; default 16 × 2^difficulty, at most 2^32. */
  readonly maxIterations?: number;
  readonly signal?: AbortSignal;
  /** Hashes between cooperative pauses; default 4096. */
  readonly yieldEvery?: number;
  /** The pause; default a resolved promise. A worker host may pass a macrotask yield. */
  readonly pause?: () => Promise<void>;
};
