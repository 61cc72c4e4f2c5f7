// The public shape of one sync session (DESIGN §3 "Session"): what it reports, what it takes,
// what it offers. Declares, never implements: session.ts tells the story.
import type { DosGuard } from "../dos-guard/index.ts";
import type { Clock, Random } from "../shared/clock.ts";
import type { NodeError } from "../shared/errors.ts";
import type { SessionPeer } from "../state/index.ts";
import type { SyncNodePorts } from "./ports.ts";
import type { Transport } from "./transport/index.ts";
import type { ProtocolVersion } from "../wire/index.ts";

export type SessionState = "admitting" | "greeting" | "syncing" | "closed";

export type SessionStatus = {
  readonly state: SessionState;
  readonly peer: SessionPeer | null;
  readonly negotiated: readonly string[];
  /** "major.minor" both sides speak, the peer's minor (protocol 11 §7.2), once its hello is verified; 2.1 deflates (ADR 0035). */
  readonly protocol: string | null;
  /** Per domain: how far this node has received the peer's history. */
  readonly received: Readonly<Record<string, number>>;
  /** Per domain: how far the peer says it has received ours. */
  readonly acked: Readonly<Record<string, number>>;
  readonly packagesIn: number;
  readonly packagesOut: number;
  /** True once everything this side holds in every negotiated domain has been sent: from now on, live push. */
  readonly live: boolean;
  /** Dependencies asked for with `want` and not yet received. */
  readonly wanted: number;
  /** Received frames waiting to be handled (at most `maxQueuedFrames`). */
  readonly queued: number;
  /** Packages sent and not yet acknowledged by the peer's cursors (at most `maxPackagesInFlight`). */
  readonly inFlight: number;
  /**
   * Expected protocol events this session recovered from by itself: a package lost or out of turn
   * (resync), a rewind, a late answer to a `want`. Not errors: nothing needs the person.
   */
  readonly recovered: number;
  /**
   * Changes (envelopes) received from the peer in this session, of how many it said it had for
   * this node (ADR 0026 `progress`): "done of total"; total is done once the peer has sent all.
   */
  readonly progress: { readonly done: number; readonly total: number };
  /** Converged: this side has sent all and the peer acked it, the peer says it has sent all, nothing is missing. */
  readonly upToDate: boolean;
  /** The last refusal or failure that needs attention; recovered events never land here. */
  readonly lastError: NodeError | null;
  readonly closeReason: string | null;
};

export type SessionOptions = {
  readonly transport: Transport;
  readonly node: SyncNodePorts;
  readonly guard: DosGuard;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Envelopes per package (at most 1,000). */
  readonly packageLimit?: number;
  /** Messages a peer may send per second before the guard hears of it. */
  readonly maxMessagesPerSecond?: number;
  readonly maxFrameBytes?: number;
  /** Received frames waiting to be handled; beyond it the peer's frames are dropped and reported. */
  readonly maxQueuedFrames?: number;
  /**
   * Packages sent and not yet acknowledged (ADR 0026): the sender never has more on the way, so it
   * cannot fill its peer's inbound queue however slow the peer is. Default 8.
   */
  readonly maxPackagesInFlight?: number;
  /**
   * A cursor that repeats rewinds only once the session has made no progress for this long (no ack
   * moved a cursor, nothing went out into an empty window, no rewind): packages on the way are not lost.
   */
  readonly rewindAfterMs?: number;
  /** A session not past its hellos after this long closes (`handshake_timeout`) on the next tick. */
  readonly handshakeTimeoutMs?: number;
  /**
   * The version this side's hello declares and judges the peer's by; PROTOCOL_VERSION, which a node
   * never changes (protocol 11). Tests speak an older minor with it (ADR 0035: a 2.0 peer).
   */
  readonly protocolVersion?: ProtocolVersion;
  /** Offer only these of the node's domains in this session (a device that syncs a subset). */
  readonly domains?: readonly string[];
  readonly onChange?: (status: SessionStatus) => void;
};

export type SyncSession = {
  status(): SessionStatus;
  /** Resends what the peer has not acknowledged and tells it where this side stands (call periodically). */
  tick(): Promise<void>;
  /** Resolves once every frame received so far has been handled. */
  idle(): Promise<void>;
  close(reason?: string): void;
};
