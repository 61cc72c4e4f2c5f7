// The worker side of a link whose real channel lives in another realm (DESIGN §1: the page keeps
// WebRTC, the node gets raw frames over a MessagePort). It speaks the port protocol below, checks
// every host message as untrusted input, and never touches the channel itself.
import { ok, type Result } from "../../shared/result.ts";
import {
  CLOSE_REASONS,
  DEFAULT_TRANSPORT_LIMITS,
  checkTransportLimits,
  sendRefusals,
  type Transport,
  type TransportLimits,
  type TransportState,
} from "./transport.ts";
import { emit, TransportEvents } from "./listeners.ts";

/** Host (channel owner) → node. Plain structured-clone data. */
export type PortHostMessage =
  | { readonly t: "open" }
  | { readonly t: "message"; readonly data: ArrayBuffer }
  /** `bytes` the host has handed to the channel, released from the node's buffered amount. */
  | { readonly t: "ack"; readonly bytes: number }
  /** The channel is gone: CLOSE_REASONS.peer, CLOSE_REASONS.lost or another snake_case reason. */
  | { readonly t: "closed"; readonly reason: string };

/** Node → host. `data` is transferred: a copy the caller's buffer does not share. */
export type PortNodeMessage = { readonly t: "send"; readonly data: ArrayBuffer } | { readonly t: "close"; readonly reason: string };

/** The reason a node closes with when the host breaks the port protocol. */
export const PORT_PROTOCOL_ERROR = "port_protocol_error";

const REASON = /^[a-z][a-z0-9_]{0,63}$/;

/** True for a snake_case reason of at most 64 characters, the form every close reason takes on the port. */
export function isPortReason(reason: unknown): reason is string {
  return typeof reason === "string" && REASON.test(reason);
}

/** The host message, or undefined when it is not one (wrong shape, extra fields are ignored). */
function parseHostMessage(data: unknown): PortHostMessage | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const message = data as Record<string, unknown>;
  switch (message.t) {
    case "open":
      return { t: "open" };
    case "message":
      return message.data instanceof ArrayBuffer ? { t: "message", data: message.data } : undefined;
    case "ack": {
      const bytes = message.bytes;
      return typeof bytes === "number" && Number.isSafeInteger(bytes) && bytes >= 0 ? { t: "ack", bytes } : undefined;
    }
    case "closed":
      return isPortReason(message.reason) ? { t: "closed", reason: message.reason } : undefined;
    default:
      return undefined;
  }
}

export type PortTransportOptions = {
  /** A local handle for logs; never an identity. */
  readonly id: string;
  readonly limits?: TransportLimits;
};

class PortTransport extends TransportEvents implements Transport {
  private status: TransportState = "connecting";
  private buffered = 0;
  private readonly onPortMessage = (event: MessageEvent<unknown>): void => this.receive(event.data);
  private readonly onPortMessageError = (): void => this.broken();

  constructor(
    private readonly port: MessagePort,
    readonly id: string,
    readonly limits: TransportLimits,
  ) {
    super();
    port.addEventListener("message", this.onPortMessage);
    port.addEventListener("messageerror", this.onPortMessageError);
    port.start();
  }

  get state(): TransportState {
    return this.status;
  }

  send(message: Uint8Array): Result<void> {
    const { limits } = this;
    if (this.status !== "open") return sendRefusals.notOpen(this.status);
    if (message.length > limits.maxMessageBytes) return sendRefusals.tooLarge(message.length, limits.maxMessageBytes);
    if (this.buffered + message.length > limits.maxBufferedBytes)
      return sendRefusals.bufferFull(message.length, this.buffered, limits.maxBufferedBytes);
    this.buffered += message.length;
    // slice(): a copy of exactly the message, so the caller may reuse its buffer and we may transfer ours.
    const data = message.slice().buffer;
    this.post({ t: "send", data }, [data]);
    return ok(undefined);
  }

  bufferedAmount(): number {
    return this.buffered;
  }

  close(reason?: string): void {
    if (this.status === "closed") return;
    // Port order: the close follows every send already posted, so the host delivers those first.
    this.post({ t: "close", reason: isPortReason(reason) ? reason : CLOSE_REASONS.local });
    this.shut(reason ?? CLOSE_REASONS.local);
  }

  private post(message: PortNodeMessage, transfer: Transferable[] = []): void {
    this.port.postMessage(message, transfer);
  }

  private receive(data: unknown): void {
    if (this.status === "closed") return;
    const message = parseHostMessage(data);
    if (message === undefined) return this.broken();
    switch (message.t) {
      case "open":
        if (this.status !== "connecting") return this.broken();
        this.status = "open";
        emit(this.opens);
        return;
      case "message":
        if (this.status !== "open" || message.data.byteLength > this.limits.maxMessageBytes) return this.broken();
        emit(this.messages, new Uint8Array(message.data));
        return;
      case "ack": {
        // The host can release only what we sent; more means it lost count.
        if (message.bytes > this.buffered) return this.broken();
        const before = this.buffered;
        this.buffered -= message.bytes;
        const { lowWaterMark } = this.limits;
        if (before > lowWaterMark && this.buffered <= lowWaterMark) emit(this.drains);
        return;
      }
      case "closed":
        this.shut(message.reason);
        return;
    }
  }

  /** The host broke the port protocol: a broken link. Tell the host to drop the channel, then close. */
  private broken(): void {
    if (this.status === "closed") return;
    this.post({ t: "close", reason: PORT_PROTOCOL_ERROR });
    this.shut(PORT_PROTOCOL_ERROR);
  }

  /** Marks the transport closed, releases the port and tells the listeners, once. */
  private shut(reason: string): void {
    if (this.status === "closed") return;
    this.status = "closed";
    this.port.removeEventListener("message", this.onPortMessage);
    this.port.removeEventListener("messageerror", this.onPortMessageError);
    // Messages already posted still reach the host (the port's queue is drained before it disentangles).
    this.port.close();
    emit(this.closes, reason);
  }
}

/**
 * The node's Transport over a MessagePort to the host that owns the real channel. It starts
 * `connecting` and opens on the host's `open`; `bufferedAmount` counts bytes sent and not yet acked.
 */
export function createPortTransport(port: MessagePort, options: PortTransportOptions): Transport {
  const limits = checkTransportLimits(options.limits ?? DEFAULT_TRANSPORT_LIMITS);
  return new PortTransport(port, options.id, limits);
}
