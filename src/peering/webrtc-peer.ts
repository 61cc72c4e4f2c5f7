// The page's WebRTC link (DESIGN §1: RTCPeerConnection does not exist in workers): a thin wrapper
// over simple-peer 9 with one reliable, ordered data channel, one non-trickle offer or answer checked
// as untrusted input, and candidate filtering. It carries opaque bytes; framing lives in chunking.ts.
import SimplePeer from "simple-peer";
import { nodeError } from "../core/shared/errors.ts";
import { err, ok, type Result } from "../core/shared/result.ts";

/** The one signal each side sends: the offer (initiator) or the answer, with every candidate inline. */
export type SessionSignal = { readonly type: "offer" | "answer"; readonly sdp: string };

/** The connected data channel, as the channel bridge sees it. */
export type PeerChannel = {
  /** Hands one message to the channel; dropped once the channel is closed. */
  send(bytes: Uint8Array): void;
  /** The channel's own send buffer (RTCDataChannel.bufferedAmount). */
  bufferedAmount(): number;
  /** Each message as a fresh plain Uint8Array. Messages wait until the first listener subscribes. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** RTCDataChannel `bufferedamountlow`: the buffer fell to `bufferedLowThreshold` or below. */
  onBufferedLow(listener: () => void): () => void;
  /** Fires once when the channel is gone, with the peer's close reason. */
  onClose(listener: (reason: string) => void): () => void;
  /** Closes gracefully: the channel's closing procedure still sends what it buffered (W3C webrtc §6.2). */
  close(): void;
};

export type WebRtcPeer = {
  /** The outgoing signal, exactly once: the offer on the initiator, the answer after `signal(offer)` otherwise. */
  onSignal(listener: (signal: SessionSignal) => void): () => void;
  /** Takes the far side's signal. Refuses anything but one `{type, sdp}` of the expected type and bounded size. */
  signal(data: unknown): Result<void>;
  /** The data channel is open. Subscribe before signalling: it is not replayed. */
  onConnect(listener: (channel: PeerChannel) => void): () => void;
  /** Fires once, with a snake_case reason: PEER_CLOSE_REASONS.* */
  onClose(listener: (reason: string) => void): () => void;
  /** Tears the connection down at once. Idempotent. */
  destroy(): void;
};

export type WebRtcPeerOptions = {
  readonly initiator: boolean;
  /** Default `[]`: simple-peer's own default would ask Google's and Twilio's STUN servers. */
  readonly iceServers?: RTCIceServer[];
  /** Keeps an `a=candidate` line, outgoing and incoming; default keeps all. Tests pass `loopbackOnly`. */
  readonly allowCandidate?: (candidateLine: string) => boolean;
  /** RTCDataChannel.bufferedAmountLowThreshold; default 256 KiB. A bridge's high-water mark must exceed it. */
  readonly bufferedLowThreshold?: number;
  /** Largest `sdp` accepted from the far side, in characters; default 16 KiB. */
  readonly maxSignalBytes?: number;
  /** The RTCPeerConnection implementation where the realm has none (Node.js: @roamhq/wrtc, ADR 0028). */
  readonly wrtc?: SimplePeer.Options["wrtc"];
};

export const DEFAULT_BUFFERED_LOW_THRESHOLD = 262_144;
export const DEFAULT_MAX_SIGNAL_BYTES = 16_384;

export const PEER_CLOSE_REASONS = {
  local: "closed_locally",
  /** The channel closed or failed after it was open. */
  lost: "link_lost",
  /** It never connected: ICE or the connection failed. */
  failed: "connection_failed",
  /** The browser refused a description or candidate (ours or the far side's). */
  signalRejected: "signal_rejected",
} as const;

const CANDIDATE = /^(?:a=)?candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ \S+/;

/** True only for a candidate on 127.0.0.1: what loopback-only tests let through. */
export function loopbackOnly(candidateLine: string): boolean {
  return CANDIDATE.exec(candidateLine.trim())?.[1] === "127.0.0.1";
}

/** The SDP without the `a=candidate` lines `allow` refuses. */
export function filterCandidates(sdp: string, allow: (candidateLine: string) => boolean): string {
  return sdp
    .split("\r\n")
    .filter((line) => !line.startsWith("a=candidate:") || allow(line))
    .join("\r\n");
}

function invalidSignal(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_TYPE", message, { reason }));
}

/** The far side's signal, checked: exactly `{type, sdp}`, the expected type, a bounded SDP. */
export function parseSignal(data: unknown, expected: SessionSignal["type"], maxSignalBytes: number): Result<SessionSignal> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return invalidSignal("signal_invalid", "A signal is an object.");
  const keys = Object.keys(data);
  if (keys.length !== 2 || !keys.includes("type") || !keys.includes("sdp"))
    return invalidSignal("signal_invalid", "A signal has exactly `type` and `sdp`.");
  const { type, sdp } = data as Record<string, unknown>;
  if (type !== "offer" && type !== "answer") return invalidSignal("signal_invalid", "A signal is an offer or an answer.");
  if (typeof sdp !== "string") return invalidSignal("signal_invalid", "`sdp` is a string.");
  if (sdp.length > maxSignalBytes)
    return err(
      nodeError("ERR_RESOURCE_RATE_LIMIT", "The signal is larger than accepted.", {
        reason: "signal_too_large",
        size: sdp.length,
        limit: maxSignalBytes,
      }),
    );
  if (!sdp.startsWith("v=0\r\n")) return invalidSignal("signal_invalid", "`sdp` is not a session description.");
  if (type !== expected) return invalidSignal("signal_unexpected", `Expected an ${expected}.`);
  return ok({ type, sdp });
}

const SIGNALLING_ERRORS = new Set([
  "ERR_SET_REMOTE_DESCRIPTION",
  "ERR_SET_LOCAL_DESCRIPTION",
  "ERR_CREATE_OFFER",
  "ERR_CREATE_ANSWER",
  "ERR_ADD_ICE_CANDIDATE",
  "ERR_SIGNALING",
]);

/** A simple-peer error code (index.js `errCode`), or none, to the close reason it means. */
function reasonFor(code: string | undefined, connected: boolean): string {
  if (code !== undefined && SIGNALLING_ERRORS.has(code)) return PEER_CLOSE_REASONS.signalRejected;
  return connected ? PEER_CLOSE_REASONS.lost : PEER_CLOSE_REASONS.failed;
}

/**
 * simple-peer 9 keeps its RTCDataChannel in the undocumented `_channel` (index.js `_setupData`). This
 * is the only place we read it: for bufferedAmountLowThreshold and the `bufferedamountlow` event,
 * which simple-peer uses only for its own stream backpressure (we call `send` directly, not `write`).
 */
function rawChannelOf(peer: SimplePeer.Instance): RTCDataChannel {
  const channel = (peer as unknown as { _channel: RTCDataChannel | null })._channel;
  if (channel === null) throw new Error("simple-peer connected without a data channel");
  return channel;
}

type Listeners<T extends unknown[]> = Set<(...args: T) => void>;

function subscribe<T extends unknown[]>(set: Listeners<T>, listener: (...args: T) => void): () => void {
  const entry = (...args: T) => listener(...args);
  set.add(entry);
  return () => void set.delete(entry);
}

function emit<T extends unknown[]>(set: Listeners<T>, ...args: T): void {
  for (const listener of [...set]) listener(...args);
}

export function createWebRtcPeer(options: WebRtcPeerOptions): WebRtcPeer {
  const allow = options.allowCandidate ?? (() => true);
  const maxSignalBytes = options.maxSignalBytes ?? DEFAULT_MAX_SIGNAL_BYTES;
  const threshold = options.bufferedLowThreshold ?? DEFAULT_BUFFERED_LOW_THRESHOLD;
  const signals: Listeners<[SessionSignal]> = new Set();
  const connects: Listeners<[PeerChannel]> = new Set();
  const closes: Listeners<[string]> = new Set();
  const channelCloses: Listeners<[string]> = new Set();
  let errorCode: string | undefined;
  let localClose = false;
  let connected = false;
  let closed = false;
  let signalled = false;

  const peer = new SimplePeer({
    initiator: options.initiator,
    trickle: false,
    config: { iceServers: options.iceServers ?? [] },
    ...(options.wrtc === undefined ? {} : { wrtc: options.wrtc }),
  });

  peer.on("signal", (data: SimplePeer.SignalData) => {
    // trickle:false: one description carrying every candidate; nothing else is ever emitted.
    if ((data.type === "offer" || data.type === "answer") && typeof data.sdp === "string")
      emit(signals, { type: data.type, sdp: filterCandidates(data.sdp, allow) });
  });
  peer.on("error", (error: Error & { code?: string }) => {
    errorCode ??= error.code;
  });
  peer.on("connect", () => {
    if (closed) return;
    connected = true;
    emit(connects, openChannel());
  });
  peer.on("close", () => {
    if (closed) return;
    closed = true;
    const reason = localClose ? PEER_CLOSE_REASONS.local : reasonFor(errorCode, connected);
    if (connected) emit(channelCloses, reason);
    emit(closes, reason);
  });

  function openChannel(): PeerChannel {
    const raw = rawChannelOf(peer);
    raw.bufferedAmountLowThreshold = threshold;
    const data: Listeners<[Uint8Array]> = new Set();
    let flowing = false;
    return {
      send(bytes) {
        if (closed || raw.readyState !== "open") return;
        try {
          peer.send(bytes);
        } catch {
          // RTCDataChannel.send throws when the channel is going away or its buffer is full: the link is gone.
          peer.destroy();
        }
      },
      bufferedAmount: () => raw.bufferedAmount,
      onData(listener) {
        const stop = subscribe(data, listener);
        if (!flowing) {
          // The first 'data' listener starts the stream; until then simple-peer buffers messages.
          flowing = true;
          peer.on("data", (chunk: unknown) => {
            // simple-peer hands a Buffer (a Uint8Array subclass over the event's buffer): copy it plain.
            if (chunk instanceof Uint8Array) emit(data, new Uint8Array(chunk));
          });
        }
        return stop;
      },
      onBufferedLow(listener) {
        const handler = () => listener();
        raw.addEventListener("bufferedamountlow", handler);
        return () => raw.removeEventListener("bufferedamountlow", handler);
      },
      onClose: (listener) => subscribe(channelCloses, listener),
      close() {
        if (closed || localClose) return;
        localClose = true;
        // simple-peer destroys the connection when the channel reports `close` (index.js _onChannelClose),
        // after the closing procedure has delivered what was buffered.
        raw.close();
      },
    };
  }

  return {
    onSignal: (listener) => subscribe(signals, listener),
    signal(data) {
      if (closed || localClose) return err(nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", "The peer is closed.", { reason: "peer_closed" }));
      const parsed = parseSignal(data, options.initiator ? "answer" : "offer", maxSignalBytes);
      if (!parsed.ok) return parsed;
      if (signalled) return invalidSignal("signal_unexpected", "The far side's description was already given.");
      signalled = true;
      peer.signal({ type: parsed.value.type, sdp: filterCandidates(parsed.value.sdp, allow) });
      return ok(undefined);
    },
    onConnect: (listener) => subscribe(connects, listener),
    onClose: (listener) => subscribe(closes, listener),
    destroy() {
      if (closed) return;
      localClose = true;
      peer.destroy();
    },
  };
}
