// The Health manager: sole readiness authority (architecture 13). It keeps each manager's reported
// state and publishes frozen snapshots; it persists nothing and never changes another manager's state.
import { assert } from "../shared/assert.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import { err, ok, type Result } from "../shared/result.ts";

export const MANAGER_STATES = ["starting", "healthy", "degraded", "failed", "stopped"] as const;
export type ManagerState = (typeof MANAGER_STATES)[number];

export type ManagerHealth = { readonly state: ManagerState; readonly detail: string | null; readonly since: string };

export type HealthSnapshot = {
  /** architecture 13: +1 on every change (health_seq); 0 before anything registered. */
  readonly seq: number;
  /** True only when at least one critical manager is registered and every critical one is healthy. */
  readonly ready: boolean;
  readonly managers: Readonly<Record<string, ManagerHealth & { readonly critical: boolean }>>;
};

export interface HealthManager {
  /** Adds a manager in state `starting`. Registering twice or a malformed name is a bug (throws). */
  register(manager: string, options: { readonly critical: boolean }): void;
  report(manager: string, state: ManagerState, detail?: string): Result<void>;
  snapshot(): HealthSnapshot;
}

/** Bounded signals (architecture 04 overview: "health signals bounded, no app data"). */
export const MAX_DETAIL_CHARS = 256;
const MANAGER_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

export function isManagerState(value: unknown): value is ManagerState {
  return typeof value === "string" && (MANAGER_STATES as readonly string[]).includes(value);
}

/**
 * architecture 13: a reported failure is never softened. A failed manager may only stop; a stopped
 * one may only start again (a restart).
 */
function isAllowedTransition(from: ManagerState, to: ManagerState): boolean {
  if (from === "failed") return to === "failed" || to === "stopped";
  if (from === "stopped") return to === "stopped" || to === "starting";
  return true;
}

function invalidSignal(reason: string, message: string, manager: string) {
  return err(nodeError("ERR_MNG_HEALTH_SIGNAL_INVALID", message, { reason, manager }));
}

type Entry = ManagerHealth & { readonly critical: boolean };

function publish(seq: number, entries: ReadonlyMap<string, Entry>): HealthSnapshot {
  const critical = [...entries.values()].filter((entry) => entry.critical);
  const ready = critical.length > 0 && critical.every((entry) => entry.state === "healthy");
  const managers = Object.fromEntries(
    [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, entry]) => [name, Object.freeze({ ...entry })]),
  );
  return Object.freeze({ seq, ready, managers: Object.freeze(managers) });
}

export function createHealthManager(options: { readonly clock: Clock }): HealthManager {
  const { clock } = options;
  const entries = new Map<string, Entry>();
  let current = publish(0, entries);

  function register(manager: string, { critical }: { readonly critical: boolean }): void {
    assert(typeof manager === "string" && MANAGER_NAME.test(manager), `malformed manager name ${String(manager)}`);
    assert(!entries.has(manager), `manager ${manager} registered twice`);
    assert(typeof critical === "boolean", "critical must be a boolean");
    entries.set(manager, { state: "starting", detail: null, since: isoTime(clock), critical });
    current = publish(current.seq + 1, entries);
  }

  function report(manager: string, state: ManagerState, detail?: string): Result<void> {
    const entry = typeof manager === "string" ? entries.get(manager) : undefined;
    if (entry === undefined) return invalidSignal("unknown_manager", `no manager ${String(manager)} is registered`, String(manager));
    if (!isManagerState(state)) return invalidSignal("invalid_state", `${String(state)} is not a manager state`, manager);
    if (detail !== undefined && (typeof detail !== "string" || detail.length > MAX_DETAIL_CHARS)) {
      return invalidSignal("invalid_detail", `detail must be text of at most ${MAX_DETAIL_CHARS} characters`, manager);
    }
    if (!isAllowedTransition(entry.state, state)) {
      return invalidSignal("transition_not_allowed", `${manager} cannot go from ${entry.state} to ${state}`, manager);
    }
    const nextDetail = detail ?? null;
    if (entry.state === state && entry.detail === nextDetail) return ok(undefined);
    // `since` marks when the state began: a new detail for the same state keeps it.
    const since = entry.state === state ? entry.since : isoTime(clock);
    entries.set(manager, { state, detail: nextDetail, since, critical: entry.critical });
    current = publish(current.seq + 1, entries);
    return ok(undefined);
  }

  return { register, report, snapshot: () => current };
}
