// The way in for every frame the peer sends (DESIGN D7, protocol 10 §3.6): a bounded queue, then
// rate, size, admission and order checks, before one named handler per frame kind. Refusals go
// through the session's `violation`; nothing here reads a frame's meaning.
import { nodeError } from "../shared/errors.ts";
import { deflates, type FrameKind, type FrameOf, type SessionCore } from "./session-core.ts";
import type { Result } from "../shared/result.ts";
import type { PreparedPackage } from "../state/index.ts";
import { decodeFrame, PRE_ADMISSION_KINDS, PRE_ADMISSION_MAX_FRAME_BYTES, type SessionFrame, type Transport } from "./transport/index.ts";

/** Frame kinds that carry sync work, allowed only once the hellos are done. */
const AFTER_HELLO = new Set(["domains", "cursors", "progress", "package", "want", "have"]);

export type FrameHandlers = { [K in FrameKind]: (frame: FrameOf<K>) => Promise<void> };

/** A package's checks that need no state, started before its turn (ADR 0027). */
export type EarlyPackage = Promise<Result<PreparedPackage>>;

export type FrameIntakeDeps = {
  readonly transport: Transport;
  readonly handlers: FrameHandlers;
  /**
   * The pipeline (ADR 0027): once the peer is greeted, the next `aheadOf` queued packages are decoded
   * and prepared while the one before commits; `package` then gets its preparation with it.
   */
  readonly early?: {
    readonly ready: () => boolean;
    readonly prepare: (frame: FrameOf<"package">) => EarlyPackage;
    readonly package: (frame: FrameOf<"package">, prepared: EarlyPackage) => Promise<void>;
    readonly aheadOf: number;
  };
  /** Before admission a peer may send only small puzzle frames. */
  readonly isPeerAdmitted: () => boolean;
  /** Runs each time the queue empties (the receiver's acks wait for it). */
  readonly drainedQueue: () => void;
  readonly maxRate: number;
  readonly maxFrameBytes: number;
  readonly maxQueuedFrames: number;
};

/** A received frame waiting for its turn; `early` once it is decoded (and, a package, prepared) ahead. */
type Received = { readonly bytes: Uint8Array; early?: { readonly frame: Result<SessionFrame>; readonly prepared: EarlyPackage | null } };

/** Listens on the transport; returns how many received frames wait to be handled. */
export function startFrameIntake(core: SessionCore, deps: FrameIntakeDeps): { queued: () => number } {
  const { clock } = core;
  let queuedFrames = 0;
  /** Frames received and not yet handled, oldest first; the first `ahead` of them are decoded early. */
  const waiting: Received[] = [];
  let ahead = 0;
  let dropped = 0;
  let windowStart = clock.now();
  let windowCount = 0;

  /**
   * Decodes (and prepares, a package) the next waiting frames ahead of their turn, at most `aheadOf`
   * at once: only once the peer is greeted and admitted, and only a frame within the size limit, so
   * each is decoded as its turn would (its rate and order checks still come at its turn).
   */
  function startEarly(): void {
    const early = deps.early;
    if (early === undefined) return;
    while (ahead < waiting.length && ahead < early.aheadOf && early.ready() && deps.isPeerAdmitted()) {
      const next = waiting[ahead]!;
      if (next.bytes.length > deps.maxFrameBytes) return;
      const frame = decodeFrame(next.bytes, { maxFrameBytes: deps.maxFrameBytes, deflate: deflates(core) });
      next.early = { frame, prepared: frame.ok && frame.value.kind === "package" ? early.prepare(frame.value) : null };
      ahead += 1;
    }
  }

  async function handle(received: Received): Promise<void> {
    const { bytes } = received;
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
    const decoded = received.early?.frame ?? decodeFrame(bytes, { maxFrameBytes: limit, deflate: deflates(core) });
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
    const prepared = received.early?.prepared;
    if (frame.kind === "package" && prepared !== null && prepared !== undefined) return deps.early!.package(frame, prepared);
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
    waiting.push({ bytes });
    startEarly();
    void core.enqueue(async () => {
      queuedFrames -= 1;
      const received = waiting.shift()!;
      if (received.early !== undefined) ahead -= 1;
      // The next frames decode and prepare while this one is handled (a package commits).
      startEarly();
      await handle(received);
      if (queuedFrames === 0) deps.drainedQueue();
    });
  });
  return { queued: () => queuedFrames };
}
