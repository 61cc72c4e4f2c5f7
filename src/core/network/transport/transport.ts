// The transport port: a byte-message link to one peer, as the Network manager sees it (DESIGN §1:
// the page keeps WebRTC and forwards raw frames). It moves opaque bytes; it never names an identity.
import { nodeError } from "../../shared/errors.ts";
import { err, type Result } from "../../shared/result.ts";

export type TransportState = "connecting" | "open" | "closed";

/** Sizes a transport enforces; every transport states its own (ADR 0008). */
export type TransportLimits = {
  /** Largest message `send` accepts. At least DEFAULT_MAX_FRAME_BYTES, so every legal frame fits. */
  readonly maxMessageBytes: number;
  /** Outbound bytes that may wait undelivered; `send` refuses beyond it (backpressure). */
  readonly maxBufferedBytes: number;
  /** `onDrain` fires when the buffered amount falls from above this to at or below it. */
  readonly lowWaterMark: number;
};

/**
 * One link to one peer. Best effort (public design 01-protocol/08 §4): a transport may drop,
 * delay, duplicate or reorder messages and the protocol must stay correct; it never changes,
 * splits or joins a message. Listeners must not mutate the bytes they are given.
 */
export interface Transport {
  /** A local handle for logs and connection management; never an identity (protocol 08 §8). */
  readonly id: string;
  readonly state: TransportState;
  readonly limits: TransportLimits;
  /**
   * Queues a copy of `message` and returns at once. Refuses, delivering nothing, when not open
   * (ERR_MNG_NETWORK_PEER_UNREACHABLE), when larger than `limits.maxMessageBytes` or when it would
   * take the buffered amount past `limits.maxBufferedBytes` (ERR_RESOURCE_RATE_LIMIT; wait for onDrain).
   */
  send(message: Uint8Array): Result<void>;
  /** Bytes this side sent that are not yet delivered (or lost). */
  bufferedAmount(): number;
  onMessage(listener: (message: Uint8Array) => void): () => void;
  /** Fires once, when `connecting` turns `open`. */
  onOpen(listener: () => void): () => void;
  /** Fires once per side, with CLOSE_REASONS.* or the reason given to the local `close`. */
  onClose(listener: (reason: string) => void): () => void;
  /** The buffered amount fell from above `limits.lowWaterMark` to at or below it. */
  onDrain(listener: () => void): () => void;
  /** Closes gracefully: messages already sent still arrive, then the peer sees the close. Idempotent. */
  close(reason?: string): void;
}

/** Reasons `onClose` reports when the local side did not choose one. */
export const CLOSE_REASONS = {
  /** `close()` without a reason, on the side that called it. */
  local: "closed_locally",
  /** The other side closed gracefully. */
  peer: "closed_by_peer",
  /** The link died under both sides (channel failure, `cut()` in the loopback). */
  lost: "link_lost",
} as const;

/** `network.envelope.max_bytes` (public design 02-architecture/managers/10): the session frame limit. */
export const DEFAULT_MAX_FRAME_BYTES = 1_048_576;

/** `network.buffer.outbound.max_bytes` (managers/10); a quarter of it is the low-water mark. */
export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  maxMessageBytes: DEFAULT_MAX_FRAME_BYTES,
  maxBufferedBytes: 2_097_152,
  lowWaterMark: 524_288,
};

/** The refusals every transport returns from `send`, so each adapter reports them alike. */
export const sendRefusals = {
  notOpen(state: TransportState): Result<never> {
    return err(
      nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", `The transport is ${state}.`, {
        reason: state === "closed" ? "transport_closed" : "transport_not_open",
      }),
    );
  },
  tooLarge(size: number, limit: number): Result<never> {
    return err(
      nodeError("ERR_RESOURCE_RATE_LIMIT", "The message is larger than the transport carries.", {
        reason: "message_too_large",
        size,
        limit,
      }),
    );
  },
  bufferFull(size: number, buffered: number, limit: number): Result<never> {
    return err(
      nodeError("ERR_RESOURCE_RATE_LIMIT", "The outbound buffer is full; wait for onDrain.", {
        reason: "buffer_full",
        size,
        buffered,
        limit,
      }),
    );
  },
} as const;

/** Checks a limits object an adapter was given; nonsense limits are a configuration bug. */
export function checkTransportLimits(limits: TransportLimits): TransportLimits {
  const { maxMessageBytes, maxBufferedBytes, lowWaterMark } = limits;
  for (const value of [maxMessageBytes, maxBufferedBytes, lowWaterMark]) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError("transport limits are non-negative integers");
  }
  // Otherwise a message of the full size could never be sent, or drain could never fire.
  if (maxMessageBytes > maxBufferedBytes) throw new RangeError("maxMessageBytes must not exceed maxBufferedBytes");
  if (lowWaterMark >= maxBufferedBytes) throw new RangeError("lowWaterMark must be below maxBufferedBytes");
  return limits;
}
