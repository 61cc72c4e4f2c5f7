// The page's half of the port protocol (core network/transport/port-transport.ts): it owns the data
// channel, chunks the node's messages onto it under a high-water mark, acks them once handed over,
// and reassembles what arrives. The far side is untrusted; so, as another realm, is the port.

// The transport modules themselves, not network/index.ts: that index also brings the session and its
// crypto stack, which would land in the page bundle for nothing.
import { isPortReason, PORT_PROTOCOL_ERROR, type PortHostMessage, type PortNodeMessage } from "../core/network/transport/port-transport.ts";
import { CLOSE_REASONS, DEFAULT_MAX_FRAME_BYTES } from "../core/network/transport/transport.ts";
import { closeChunk, createReassembler, DEFAULT_CHUNK_BYTES, splitMessage } from "./chunking.ts";
import type { PeerChannel } from "./webrtc-peer.ts";

export type ChannelBridgeOptions = {
  /** Largest chunk on the channel, header included; default 16 KiB. */
  readonly chunkBytes?: number;
  /** Largest message either way; default DEFAULT_MAX_FRAME_BYTES (1 MiB). */
  readonly maxMessageBytes?: number;
  /** Chunks go to the channel only while its buffer is below this; default 1 MiB. Must exceed the channel's bufferedLowThreshold. */
  readonly highWaterBytes?: number;
  /**
   * Tests only (off by default): once this many bytes of messages reached the node, later ones are
   * held back and never delivered, as a channel that stalls mid-transfer; `onStall` hears the first.
   * A test cuts a sync at a known point with it, whatever the machine's speed.
   */
  readonly stallInboundAfterBytes?: number;
  readonly onStall?: () => void;
};

export type ChannelBridge = {
  /** The page ends the link: the node hears `closed` with `reason`, the far side an in-band close after what is queued. */
  close(reason?: string): void;
};

export const DEFAULT_HIGH_WATER_BYTES = 1_048_576;

/** The far side sent something the chunk framing does not allow. (A node breaking the port protocol gets PORT_PROTOCOL_ERROR.) */
export const LINK_PROTOCOL_ERROR = "link_protocol_error";

/** One chunk waiting for the channel; `ack` on a message's last chunk is the message's size. */
type Queued = { readonly chunk: Uint8Array; readonly ack: number };

function parseNodeMessage(data: unknown, maxMessageBytes: number): PortNodeMessage | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const message = data as Record<string, unknown>;
  if (message.t === "send")
    return message.data instanceof ArrayBuffer && message.data.byteLength <= maxMessageBytes
      ? { t: "send", data: message.data }
      : undefined;
  if (message.t === "close") return isPortReason(message.reason) ? { t: "close", reason: message.reason } : undefined;
  return undefined;
}

/**
 * Joins a connected channel to the host end of a node's port: posts `open` at once, then relays until
 * either side closes. A graceful close drains the queue, sends the in-band close, then closes the channel.
 */
export function bridgeChannelToPort(channel: PeerChannel, port: MessagePort, options: ChannelBridgeOptions = {}): ChannelBridge {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const highWaterBytes = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
  if (!Number.isSafeInteger(highWaterBytes) || highWaterBytes <= 0) throw new RangeError("highWaterBytes is a positive integer");
  const reassembler = createReassembler({ maxMessageBytes });
  let queue: Queued[] = [];
  let head = 0;
  let deliveredBytes = 0;
  let stalled = false;
  /** `closing`: the in-band close is queued; nothing more is taken from either side. */
  let phase: "open" | "closing" | "closed" = "open";

  const post = (message: PortHostMessage, transfer: Transferable[] = []) => port.postMessage(message, transfer);

  function pump(): void {
    let acked = 0;
    while (head < queue.length && channel.bufferedAmount() < highWaterBytes) {
      const item = queue[head++]!;
      channel.send(item.chunk);
      acked += item.ack;
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    // One ack per pump: the sum of the messages wholly handed to the channel.
    if (acked > 0 && phase === "open") post({ t: "ack", bytes: acked });
    if (phase === "closing" && head === queue.length) {
      // The close chunk is handed over; the channel's closing procedure delivers its buffer first.
      finish();
      channel.close();
    }
  }

  function enqueue(data: ArrayBuffer): void {
    const chunks = splitMessage(new Uint8Array(data), chunkBytes);
    chunks.forEach((chunk, i) => queue.push({ chunk, ack: i === chunks.length - 1 ? data.byteLength : 0 }));
  }

  function closeGracefully(reason: string): void {
    if (phase !== "open") return;
    phase = "closing";
    queue.push({ chunk: closeChunk(reason), ack: 0 });
    pump();
  }

  /** Stops relaying: listeners off, port released. Idempotent. */
  function finish(): void {
    if (phase === "closed") return;
    phase = "closed";
    stopData();
    stopLow();
    stopClose();
    port.removeEventListener("message", onPortMessage);
    port.removeEventListener("messageerror", onPortMessageError);
    // Messages already posted still reach the node (the port's queue is drained before it disentangles).
    port.close();
  }

  /** The link ends under the node: tell it why and drop the channel. */
  function abort(reason: string): void {
    if (phase === "closed") return;
    post({ t: "closed", reason });
    finish();
    channel.close();
  }

  function onPortMessage(event: MessageEvent<unknown>): void {
    if (phase !== "open") return;
    const message = parseNodeMessage(event.data, maxMessageBytes);
    if (message === undefined) return abort(PORT_PROTOCOL_ERROR);
    if (message.t === "close") return closeGracefully(message.reason);
    enqueue(message.data);
    pump();
  }

  function deliver(bytes: Uint8Array<ArrayBuffer>): void {
    if (options.stallInboundAfterBytes !== undefined && deliveredBytes >= options.stallInboundAfterBytes) {
      if (!stalled) options.onStall?.();
      stalled = true;
      return;
    }
    deliveredBytes += bytes.byteLength;
    post({ t: "message", data: bytes.buffer }, [bytes.buffer]);
  }

  function onPortMessageError(): void {
    abort(PORT_PROTOCOL_ERROR);
  }

  const stopData = channel.onData((chunk) => {
    if (phase !== "open") return;
    const result = reassembler.push(chunk);
    if (!result.ok) return abort(LINK_PROTOCOL_ERROR);
    const got = result.value;
    if (got.kind === "message") deliver(got.bytes);
    else if (got.kind === "close") abort(CLOSE_REASONS.peer);
  });
  const stopLow = channel.onBufferedLow(() => {
    if (phase !== "closed") pump();
  });
  const stopClose = channel.onClose(() => {
    // Without an in-band close first, the channel died under us.
    if (phase === "open") post({ t: "closed", reason: CLOSE_REASONS.lost });
    finish();
  });

  port.addEventListener("message", onPortMessage);
  port.addEventListener("messageerror", onPortMessageError);
  port.start();
  post({ t: "open" });

  return {
    close(reason?: string) {
      if (phase !== "open") return;
      const why = reason !== undefined && isPortReason(reason) ? reason : CLOSE_REASONS.local;
      post({ t: "closed", reason: why });
      closeGracefully(why);
    },
  };
}
