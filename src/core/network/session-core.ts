// What every part of one session shares: its state, its peer once greeted, its serial queue, and
// the ways out (send, refuse, close). Owns no protocol step; each step lives in its own module.
import type { DosGuard } from "../dos-guard/index.ts";
import type { Clock } from "../shared/clock.ts";
import { isProtocolErrorCode, nodeError, type NodeError } from "../shared/errors.ts";
import type { SessionPeer } from "../state/index.ts";
import type { SyncNodePorts } from "./ports.ts";
import type { SessionState } from "./session-types.ts";
import { encodeFrame, speaksDeflate, type EffectiveVersion, type SessionFrame, type Transport } from "./transport/index.ts";

export type FrameKind = SessionFrame["kind"];
export type FrameOf<K extends FrameKind> = Extract<SessionFrame, { kind: K }>;

export type SessionCore = {
  state: SessionState;
  /** Bound by the first verified hello; null before. */
  peer: SessionPeer | null;
  /** The domains both hellos offered. */
  negotiated: ReadonlySet<string>;
  /** What both sides speak, from the peer's verified hello (protocol 11 §7.2); null before. */
  effectiveVersion: EffectiveVersion | null;
  /** See SessionStatus.recovered. */
  recovered: number;
  lastError: NodeError | null;
  closeReason: string | null;
  readonly node: SyncNodePorts;
  readonly clock: Clock;
  readonly connectionId: string;
  /** False when the frame did not go out (closed, too large, transport refused). */
  readonly send: (frame: SessionFrame) => boolean;
  /** Waits for the transport to drain below its low-water mark (backpressure, ADR 0008). */
  readonly drained: () => Promise<void>;
  /** Serial: frames, pumps and ticks never interleave. A failure in one step never stops the next. */
  readonly enqueue: (step: () => Promise<void>) => Promise<void>;
  /** The tail of the queue: resolves once everything queued so far has run. */
  readonly idle: () => Promise<void>;
  readonly changed: () => void;
  readonly close: (reason?: string) => void;
  /** The peer's input was refused: remember it for status and record it for audit. */
  readonly rejected: (error: NodeError) => void;
  /** A protocol violation: tell the peer the code (never the input), and let the guard decide. */
  readonly violation: (error: NodeError, event: "violation" | "malformed_frame" | "rate_exceeded") => void;
  /** Runs once the session closes, from either side. */
  readonly onClosed: (cleanup: () => void) => void;
};

/** Frames go and come deflated once the peer's hello says 2.1 or later (ADR 0035). */
export function deflates(core: SessionCore): boolean {
  return core.effectiveVersion !== null && speaksDeflate(core.effectiveVersion);
}

export type SessionCoreDeps = {
  readonly transport: Transport;
  readonly node: SyncNodePorts;
  readonly guard: DosGuard;
  readonly clock: Clock;
  readonly maxFrameBytes: number;
  readonly changed: () => void;
};

export function createSessionCore(deps: SessionCoreDeps): SessionCore {
  const { transport, guard } = deps;
  let queue: Promise<void> = Promise.resolve();
  const cleanups: (() => void)[] = [];

  function ended(reason: string): void {
    core.state = "closed";
    core.closeReason = reason;
    for (const cleanup of cleanups) cleanup();
    guard.release(core.connectionId);
  }

  const core: SessionCore = {
    state: "admitting",
    peer: null,
    negotiated: new Set<string>(),
    effectiveVersion: null,
    recovered: 0,
    lastError: null,
    closeReason: null,
    node: deps.node,
    clock: deps.clock,
    connectionId: transport.id,
    send(frame) {
      if (core.state === "closed") return false;
      const bytes = encodeFrame(frame, { maxFrameBytes: deps.maxFrameBytes, deflate: deflates(core) });
      if (!bytes.ok) {
        core.lastError = bytes.error;
        return false;
      }
      const sent = transport.send(bytes.value);
      if (!sent.ok) core.lastError = sent.error;
      return sent.ok;
    },
    drained() {
      if (transport.bufferedAmount() <= transport.limits.lowWaterMark || core.state === "closed") return Promise.resolve();
      return new Promise((resolve) => {
        const off = transport.onDrain(() => {
          off();
          resolve();
        });
        const offClose = transport.onClose(() => {
          offClose();
          resolve();
        });
      });
    },
    enqueue(step) {
      queue = queue.then(step).catch((cause: unknown) => {
        core.lastError = nodeError("internal_error", cause instanceof Error ? cause.message : String(cause));
      });
      return queue;
    },
    idle: () => queue,
    changed: deps.changed,
    close(reason = "closed_locally") {
      if (core.state === "closed") return;
      core.send({ kind: "close", reason });
      ended(reason);
      transport.close(reason);
      core.changed();
    },
    rejected(error) {
      core.lastError = error;
      deps.node.recordRejection(error, { connection: core.connectionId, peer: core.peer?.identity ?? null });
    },
    violation(error, event) {
      core.rejected(error);
      if (isProtocolErrorCode(error.code))
        core.send({ kind: "error", code: error.code, reason: String(error.data["reason"] ?? "rejected") });
      const verdict = guard.report(core.connectionId, event);
      if (!verdict.ok) core.close("peer_cut_off");
      core.changed();
    },
    onClosed(cleanup) {
      cleanups.push(cleanup);
    },
  };

  transport.onClose((reason) => {
    if (core.state === "closed") return;
    ended(reason);
    core.changed();
  });
  return core;
}
