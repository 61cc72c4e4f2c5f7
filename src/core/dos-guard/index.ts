// DoS Guard (architecture 14, protocol 09): admission decisions, SHA-256 leading-zero-bit puzzles,
// adaptive difficulty, and the solver a dialing node runs. The only way into this folder.
export { createDosGuard, DOS_GUARD_DEFAULTS, type DosGuard, type DosGuardOptions } from "./dos-guard.ts";
export { solvePuzzle, type SolveFailureReason } from "./solver.ts";
export { contextBinding, leadingZeroBits, puzzleHash, puzzleInput } from "./puzzle.ts";
export { LOAD_MARKS } from "./difficulty.ts";
export {
  ABUSE_EVENTS,
  MAX_DIFFICULTY_BITS,
  PUZZLE_ALGORITHM,
  VERIFY_FAILURE_REASONS,
  type AbuseEvent,
  type Admission,
  type AdmissionDecision,
  type Challenge,
  type Connection,
  type DosGuardConfig,
  type DosGuardStats,
  type PuzzleAlgorithm,
  type SolveOptions,
  type Solution,
  type VerifyFailureReason,
} from "./types.ts";
