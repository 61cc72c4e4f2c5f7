// The DoS Guard (architecture 14, protocol 09): sole admission authority for peer connections. It issues
// and verifies puzzles and adapts their difficulty; it never sees frames, graph state or identities.
import { assert } from "../shared/assert.ts";
import { toBase64url } from "../shared/bytes.ts";
import type { Clock, Random } from "../shared/clock.ts";
import { nodeError, type NodeError } from "../shared/errors.ts";
import { err, ok, type Err, type Result } from "../shared/result.ts";
import { boundedDifficulty, decayed, heldAt, loadBitsFor, NO_ABUSE, raised, recordAbuse, ZERO_LEVEL, type Level } from "./difficulty.ts";
import { contextBinding, bindingBytes, leadingZeroBits, parseSolution, puzzleHash } from "./puzzle.ts";
import { solvePuzzle } from "./solver.ts";
import {
  ABUSE_EVENTS,
  MAX_DIFFICULTY_BITS,
  PUZZLE_ALGORITHM,
  type AbuseEvent,
  type Admission,
  type AdmissionDecision,
  type Challenge,
  type Connection,
  type DosGuardConfig,
  type DosGuardStats,
  type SolveOptions,
  type Solution,
  type VerifyFailureReason,
} from "./types.ts";

export interface DosGuard {
  /** protocol 09 §5: one directive per request. A new connection is always challenged first (DESIGN D7). */
  admit(connection: Connection): AdmissionDecision;
  /** Checks an untrusted response in the order of architecture 14 §7; a solution admits once. */
  verify(connection: Connection, solution: unknown): Result<Admission>;
  /** The dialing side's solver (pure compute; see solvePuzzle). */
  solve(challenge: Challenge, options?: SolveOptions): Promise<Result<Solution>>;
  /** Behaviour telemetry. An error means the connection crossed its strike limit: close it now. */
  report(connectionId: string, event: AbuseEvent): Result<void>;
  /** The connection closed: its challenge dies with it (protocol 09 §4.4) and its records go. */
  release(connectionId: string): void;
  /** Current difficulty for a connection without strikes. */
  difficulty(): number;
  stats(): DosGuardStats;
  /** Shutdown (architecture 14 §10.2): outstanding puzzles die, nothing new is admitted. */
  stop(): void;
}

export type DosGuardOptions = { readonly clock: Clock; readonly random: Random; readonly config: DosGuardConfig };

export const DOS_GUARD_DEFAULTS = { maxAdmitted: 128, strikesToDeny: 8, violationsPerBit: 5 } as const;

const CHALLENGE_ID_BYTES = 16;
const PAYLOAD_BYTES = 32;
/** Printable ASCII, no spaces: node-local transport handles, never shown as identities. */
const CONNECTION_ID = /^[\x21-\x7e]{1,128}$/;

const FAILURE_MESSAGES: Readonly<Record<VerifyFailureReason, string>> = {
  malformed: "The puzzle response is not well formed.",
  unknown_challenge: "The puzzle response names no outstanding challenge.",
  expired: "The challenge expired before the response arrived.",
  binding_mismatch: "The response is not bound to this connection's challenge.",
  payload_mismatch: "The response does not echo the challenge payload.",
  algorithm_mismatch: "The response names another puzzle algorithm.",
  replayed: "The challenge was already used.",
  insufficient_work: "The solution hash has too few leading zero bits.",
};

type Policy = Required<DosGuardConfig>;
type Issued = { readonly challenge: Challenge; readonly connectionId: string; readonly expiresAt: number; readonly binding: Uint8Array };
type Strikes = { readonly level: Level; readonly denied: boolean };

function resolvePolicy(config: DosGuardConfig): Policy {
  const policy: Policy = { ...DOS_GUARD_DEFAULTS, minBits: config.baseBits, ...config };
  for (const [name, value] of Object.entries(policy))
    assert(Number.isSafeInteger(value) && value >= 1, `dos config ${name} must be a positive integer`);
  // protocol 09 §4.3: bounded so a puzzle is never trivial and the arithmetic never overflows.
  assert(
    policy.minBits <= policy.baseBits && policy.baseBits <= policy.maxBits && policy.maxBits <= MAX_DIFFICULTY_BITS,
    "dos config needs 1 ≤ minBits ≤ baseBits ≤ maxBits ≤ 32",
  );
  return policy;
}

function assertConnectionId(connectionId: unknown): asserts connectionId is string {
  assert(typeof connectionId === "string" && CONNECTION_ID.test(connectionId), "a connection id is 1–128 printable ASCII characters");
}

export function createDosGuard(options: DosGuardOptions): DosGuard {
  const { clock, random } = options;
  const policy = resolvePolicy(options.config);
  const levelCap = policy.maxBits - policy.baseBits;
  const maxTracked = policy.maxOutstanding + policy.maxAdmitted;

  // Every table is bounded: pending and spent by maxOutstanding, admitted by maxAdmitted, strikes by both.
  const pending = new Map<string, Issued>(); // challenge_id → issued; insertion order is expiry order
  const pendingOf = new Map<string, string>(); // connection → its one outstanding challenge_id
  const spent = new Map<string, Issued>(); // used challenges until they expire: the replay record
  const admitted = new Map<string, Admission>();
  const strikes = new Map<string, Strikes>(); // least recently struck first
  let abuse = NO_ABUSE;
  let load = ZERO_LEVEL;
  let stopped = false;
  let lastFullSweep = Number.NaN;
  const counters = { issued: 0, admissions: 0, denials: 0, verifyFailures: 0 };

  function drop(issued: Issued): void {
    pending.delete(issued.challenge.challenge_id);
    if (pendingOf.get(issued.connectionId) === issued.challenge.challenge_id) pendingOf.delete(issued.connectionId);
  }

  /** Replay protection: a challenge is used once, whatever the outcome after its binding checked. */
  function consume(issued: Issued): void {
    if (!pending.has(issued.challenge.challenge_id)) return;
    drop(issued);
    spent.set(issued.challenge.challenge_id, issued);
    if (spent.size > policy.maxOutstanding) spent.delete(spent.keys().next().value!);
  }

  /** protocol 09 §4.4: expired challenges are purged. Stops at the first live one (expiry order). */
  function sweep(now: number, full = false): void {
    for (const issued of pending.values()) {
      if (now >= issued.expiresAt) drop(issued);
      else if (!full) break;
    }
    for (const [id, issued] of spent) {
      if (now < issued.expiresAt) break;
      spent.delete(id);
    }
  }

  function refresh(now: number): void {
    sweep(now);
    const ratio = Math.max(pending.size / policy.maxOutstanding, admitted.size / policy.maxAdmitted);
    load = heldAt(load, now, policy.decayMs, Math.min(levelCap, loadBitsFor(ratio)));
  }

  function currentDifficulty(now: number, connectionId?: string): number {
    const peer = connectionId === undefined ? 0 : decayed(strikes.get(connectionId)?.level ?? ZERO_LEVEL, now, policy.decayMs).bits;
    return boundedDifficulty(policy, decayed(abuse.level, now, policy.decayMs).bits + decayed(load, now, policy.decayMs).bits + peer);
  }

  /** A strike raises the connection's own difficulty and the global abuse level; enough of them deny it. */
  function strike(connectionId: string, now: number): boolean {
    const previous = strikes.get(connectionId);
    strikes.delete(connectionId);
    const level = raised(previous?.level ?? ZERO_LEVEL, now, policy.decayMs, 1, policy.strikesToDeny);
    const denied = previous?.denied === true || level.bits >= policy.strikesToDeny;
    strikes.set(connectionId, { level, denied });
    if (strikes.size > maxTracked) strikes.delete(strikes.keys().next().value!);
    abuse = recordAbuse(abuse, now, { decayMs: policy.decayMs, violationsPerBit: policy.violationsPerBit, cap: levelCap });
    if (denied) {
      // architecture 14 §3: a denied connection is closed; it keeps neither a challenge nor an admission.
      const challengeId = pendingOf.get(connectionId);
      const issued = challengeId === undefined ? undefined : pending.get(challengeId);
      if (issued !== undefined) drop(issued);
      admitted.delete(connectionId);
    }
    return denied;
  }

  function deny(connectionId: string, error: NodeError): AdmissionDecision {
    counters.denials += 1;
    return { kind: "deny", connectionId, error };
  }

  function strikeLimit(): NodeError {
    return nodeError("ERR_RESOURCE_PEER_LIMIT", "The connection exceeded its strike limit.", {
      reason: "strikes_exceeded",
      limit: policy.strikesToDeny,
    });
  }

  // protocol 10 §3.6: a global cap is a rate limit; a per-connection one (strikes) a peer limit.
  const sessionsFull = () =>
    nodeError("ERR_RESOURCE_RATE_LIMIT", "The node admits no more connections.", { reason: "sessions_full", limit: policy.maxAdmitted });
  const stoppedError = () => nodeError("ERR_MNG_DOS_ADMISSION_DENIED", "The DoS Guard is stopped.", { reason: "stopped" });

  function issue(connectionId: string, now: number): AdmissionDecision {
    let idBytes: Uint8Array;
    let payloadBytes: Uint8Array;
    try {
      idBytes = random.bytes(CHALLENGE_ID_BYTES);
      payloadBytes = random.bytes(PAYLOAD_BYTES);
    } catch {
      idBytes = new Uint8Array(0);
      payloadBytes = new Uint8Array(0);
    }
    const challenge_id = toBase64url(idBytes);
    // protocol 09 §7 failure behaviour: a puzzle we cannot generate means deny (fail closed).
    if (
      idBytes.length !== CHALLENGE_ID_BYTES ||
      payloadBytes.length !== PAYLOAD_BYTES ||
      pending.has(challenge_id) ||
      spent.has(challenge_id)
    ) {
      return deny(connectionId, nodeError("ERR_RESOURCE_PUZZLE_FAILED", "No puzzle could be generated.", { reason: "generation_failed" }));
    }
    const expiresAt = now + policy.puzzleTtlMs;
    const fields = {
      challenge_id,
      algorithm: PUZZLE_ALGORITHM,
      difficulty: currentDifficulty(now, connectionId),
      expires_at: new Date(expiresAt).toISOString(),
      payload: toBase64url(payloadBytes),
    };
    const challenge: Challenge = Object.freeze({ ...fields, context_binding: contextBinding(fields, connectionId) });
    pending.set(challenge_id, { challenge, connectionId, expiresAt, binding: bindingBytes(challenge.context_binding)! });
    pendingOf.set(connectionId, challenge_id);
    counters.issued += 1;
    return { kind: "challenge", connectionId, challenge };
  }

  function admit(connection: Connection): AdmissionDecision {
    const connectionId = connection.connectionId;
    assertConnectionId(connectionId);
    if (stopped) return deny(connectionId, stoppedError());
    const now = clock.now();
    refresh(now);
    const admission = admitted.get(connectionId);
    if (admission !== undefined) return { kind: "allow", connectionId, admission };
    if (strikes.get(connectionId)?.denied === true) return deny(connectionId, strikeLimit());
    // One challenge per connection at a time (architecture 14 §7: bounded issuance per source).
    const outstanding = pending.get(pendingOf.get(connectionId) ?? "");
    if (outstanding !== undefined && now < outstanding.expiresAt)
      return { kind: "challenge", connectionId, challenge: outstanding.challenge };
    if (outstanding !== undefined) drop(outstanding);
    if (admitted.size >= policy.maxAdmitted) {
      return deny(connectionId, sessionsFull());
    }
    if (pending.size >= policy.maxOutstanding && now !== lastFullSweep) {
      // A clock that stepped back can leave an expired entry behind a live one; look once per instant.
      lastFullSweep = now;
      sweep(now, true);
    }
    if (pending.size >= policy.maxOutstanding) {
      // protocol 09 §7: tracking tables full and nothing expired → deny new admissions.
      return deny(
        connectionId,
        nodeError("ERR_RESOURCE_RATE_LIMIT", "Too many puzzles are outstanding.", { reason: "puzzles_full", limit: policy.maxOutstanding }),
      );
    }
    return issue(connectionId, now);
  }

  function verify(connection: Connection, input: unknown): Result<Admission> {
    const connectionId = connection.connectionId;
    assertConnectionId(connectionId);
    if (stopped) return err(stoppedError());
    const now = clock.now();
    const fail = (reason: VerifyFailureReason, isStrike: boolean, challengeId?: string): Err => {
      counters.verifyFailures += 1;
      if (isStrike) strike(connectionId, now);
      return err(
        nodeError(
          "ERR_RESOURCE_PUZZLE_FAILED",
          FAILURE_MESSAGES[reason],
          challengeId === undefined ? { reason } : { reason, challenge_id: challengeId },
        ),
      );
    };

    // DESIGN D6: structure first; nothing about an unparseable response is trusted.
    const solution = parseSolution(input);
    if (solution === undefined) return fail("malformed", true);
    const id = solution.challenge_id;
    // Looked up before the sweep, so a late response still reads `expired` rather than unknown.
    const live = pending.get(id);
    const issued = live ?? spent.get(id);
    refresh(now);
    // architecture 14 §7: id → expiry → binding → payload → algorithm → replay → difficulty.
    if (issued === undefined) return fail("unknown_challenge", true, id);
    if (now >= issued.expiresAt) {
      // An honest but slow peer lands here: no strike (architecture 14 §5 "may" increase).
      if (live !== undefined) drop(live);
      return fail("expired", false, id);
    }
    // Another connection's challenge is not consumed: a peer must not be able to burn it.
    if (issued.connectionId !== connectionId) return fail("binding_mismatch", true, id);
    consume(issued);
    if (solution.context_binding !== issued.challenge.context_binding) return fail("binding_mismatch", true, id);
    if (solution.payload !== issued.challenge.payload) return fail("payload_mismatch", true, id);
    if (solution.algorithm !== issued.challenge.algorithm) return fail("algorithm_mismatch", true, id);
    if (live === undefined) return fail("replayed", true, id);
    if (leadingZeroBits(puzzleHash(issued.binding, solution.counter)) < issued.challenge.difficulty)
      return fail("insufficient_work", true, id);
    if (admitted.size >= policy.maxAdmitted) {
      return err(sessionsFull());
    }
    const admission: Admission = Object.freeze({ connectionId, admittedAt: new Date(now).toISOString() });
    admitted.set(connectionId, admission);
    counters.admissions += 1;
    return ok(admission);
  }

  function report(connectionId: string, event: AbuseEvent): Result<void> {
    assertConnectionId(connectionId);
    assert((ABUSE_EVENTS as readonly string[]).includes(event), `unknown dos event ${String(event)}`);
    // protocol 09 §1: difficulty falls only after relief (time), never because of a good report.
    if (event === "ok") return ok(undefined);
    const now = clock.now();
    refresh(now);
    return strike(connectionId, now) ? err(strikeLimit()) : ok(undefined);
  }

  function release(connectionId: string): void {
    assertConnectionId(connectionId);
    const issued = pending.get(pendingOf.get(connectionId) ?? "");
    if (issued !== undefined) drop(issued);
    admitted.delete(connectionId);
    strikes.delete(connectionId);
  }

  function difficulty(): number {
    const now = clock.now();
    refresh(now);
    return currentDifficulty(now);
  }

  function stats(): DosGuardStats {
    const now = clock.now();
    refresh(now);
    let denied = 0;
    for (const entry of strikes.values()) if (entry.denied) denied += 1;
    return {
      difficulty: currentDifficulty(now),
      abuseBits: decayed(abuse.level, now, policy.decayMs).bits,
      loadBits: load.bits,
      outstanding: pending.size,
      admitted: admitted.size,
      denied,
      ...counters,
      tracked: pending.size + pendingOf.size + spent.size + admitted.size + strikes.size,
      stopped,
    };
  }

  function stop(): void {
    stopped = true;
    pending.clear();
    pendingOf.clear();
    spent.clear();
  }

  return { admit, verify, solve: solvePuzzle, report, release, difficulty, stats, stop };
}
