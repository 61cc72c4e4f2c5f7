// The way in for every frame the peer sends (DESIGN D7, protocol 10 §3.6): a bounded queue, then
// rate, size, admission and order checks, before one named handler per frame kind. Refusals go
// through the session's `violation`; nothing here reads a frame's meaning.
import { nodeError } from "../shared/errors.ts";
import type { FrameKind, FrameOf, SessionCore } from "./session-core.ts";
import { decodeFrame, PRE_ADMISSION_KINDS, PRE_ADMISSION_MAX_FRAME_BYTES, type Transport } from "./transport/index.ts";

/** Frame kinds that carry sync work, allowed only once the hellos are done. */
const AFTER_HELLO = new Set(["domains", "cursors", "progress", "package", "want", "have"]);

export type FrameHandlers = { [K in FrameKind]: (frame: FrameOf<K>) => Promise<void> };

export type FrameIntakeDeps = {
  readonly transport: Transport;
  readonly handlers: FrameHandlers;
  /** Before admission a peer may send only small puzzle frames. */
  readonly isPeerAdmitted: () => boolean;
  /** Runs each time the queue empties (the receiver's acks wait for it). */
  readonly drainedQueue: () => void;
  readonly maxRate: number;
  readonly maxFrameBytes: number;
  readonly maxQueuedFrames: number;
};

/** Listens on the transport; returns how many received frames wait to be handled. */
export function startFrameIntake(core: SessionCore, deps: FrameIntakeDeps): { queued: () => number } {
  const { clock } = core;
  let queuedFrames = 0;
  let dropped = 0;
  let windowStart = clock.now();
  let windowCount = 0;

  async function handle(bytes: Uint8Array): Promise<void> {
    if (core.state === "closed") return;
    // Rate limit per peer, before any parsing (protocol 10 §3.6).
    const now = clock.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      windowCount = 0;
    }
    if (++windowCount > deps.maxRate)
      return core.violation(nodeError("ERR_RESOURCE_RATE_LIMIT", "The peer sends too fast.", { reason: "message_rate" }), "rate_exceeded");
    // Before admission a peer may send only small puzzle frames (DESIGN D7); anything else is dropped unread.
    const limit = deps.isPeerAdmitted() ? deps.maxFrameBytes : PRE_ADMISSION_MAX_FRAME_BYTES;
    if (bytes.length > limit)
      return core.violation(
        nodeError("ERR_RESOURCE_RATE_LIMIT", "The frame is larger than allowed now.", { reason: "frame_too_large" }),
        "malformed_frame",
      );
    const decoded = decodeFrame(bytes, { maxFrameBytes: limit });
    if (!decoded.ok) return core.violation(decoded.error, "malformed_frame");
    const frame = decoded.value;
    if (!deps.isPeerAdmitted() && !PRE_ADMISSION_KINDS.includes(frame.kind)) {
      return core.violation(
        nodeError("ERR_RESOURCE_PUZZLE_FAILED", "Nothing but puzzle frames before admission.", { reason: "frame_before_admission" }),
        "violation",
      );
    }
    if (AFTER_HELLO.has(frame.kind) && core.peer === null) {
      return core.violation(
        nodeError("ERR_STRUCT_INVALID_TYPE", "Sync frames come after the hellos.", { reason: "frame_before_hello" }),
        "violation",
      );
    }
    return dispatch(frame.kind, frame);
  }

  function dispatch<K extends FrameKind>(kind: K, frame: FrameOf<K>): Promise<void> {
    return deps.handlers[kind](frame);
  }

  /** Drops beyond the queue unread; one report waits in the queue at a time, so dropping costs no memory. */
  function overflow(): void {
    if (dropped++ !== 0) return;
    void core.enqueue(() => {
      dropped = 0;
      const error = nodeError("ERR_RESOURCE_PEER_LIMIT", "The peer sends faster than this node handles.", {
        reason: "inbound_queue_full",
      });
      core.violation(error, "rate_exceeded");
      return Promise.resolve();
    });
  }

  deps.transport.onMessage((bytes) => {
    // Bounded memory under a flood (DESIGN D7): frames beyond the queue are dropped unread.
    if (core.state === "closed") return;
    if (queuedFrames >= deps.maxQueuedFrames) return overflow();
    queuedFrames += 1;
    void core.enqueue(async () => {
      queuedFrames -= 1;
      await handle(bytes);
      if (queuedFrames === 0) deps.drainedQueue();
    });
  });
  return { queued: () => queuedFrames };
}
