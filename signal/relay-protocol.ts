// The signaling relay's wire contract: frame shapes, name patterns and the default limits, shared by
// the Node relay (relay-server.ts) and the page's client (src/peering/relay-client.ts). Pure data and
// guards: no Node built-ins and no DOM, so both realms may import it.
import type { JsonValue } from "../src/core/shared/json.ts";

/** Room names: short, URL- and log-safe. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Member ids the relay assigns (base64url); the client rejects anything else from the relay. */
export const MEMBER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Error codes and reasons are ASCII identifiers; anything else from the relay is dropped. */
export const RELAY_ERROR_CODE_PATTERN = /^ERR_[A-Z0-9_]{1,60}$/;
export const RELAY_REASON_PATTERN = /^[a-z0-9_]{1,60}$/;

export type RelayLimits = {
  /** Largest client frame, in UTF-8 bytes, that is parsed; larger ones get an error frame. */
  readonly maxMessageBytes: number;
  /** ws `maxPayload`: frames above it close the socket (1009) before they are buffered. */
  readonly maxFrameBytes: number;
  /** Most nested containers in a client frame (`{"type":"post","body":{}}` is 2); refused while parsing, never recursed into. */
  readonly maxDepth: number;
  /** Token bucket per socket: refill rate per second and bucket size. */
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** Rejections (malformed, rate-limited, refused) a socket may collect before it is closed with 1008. */
  readonly maxViolations: number;
  readonly maxMembersPerRoom: number;
  readonly maxRooms: number;
  /** Open sockets, joined or not; more are closed at once with 1013 (try again later). */
  readonly maxSockets: number;
  /** Open sockets from one address (an IPv4 address, an IPv6 /64); more are closed with 1013. */
  readonly maxSocketsPerAddress: number;
  /** Distinct rooms one address has members in; a join into one more is refused. */
  readonly maxRoomsPerAddress: number;
  /** Members of one room from one address, so one address cannot fill a room it knows. */
  readonly maxMembersPerAddressInRoom: number;
  /** A socket that has not joined a room this long after it opened is closed (1008 join_timeout). */
  readonly handshakeTimeoutMs: number;
  /** A socket silent this long (no frame, no pong to the relay's pings) is closed (1001 idle_timeout). */
  readonly idleTimeoutMs: number;
  /** Messages a room keeps for late joiners; the oldest is dropped first. */
  readonly roomLogSize: number;
  /** Bytes (UTF-8 of the bodies) a room keeps for late joiners; the oldest is dropped first. */
  readonly roomLogBytes: number;
  /** Bytes all rooms together keep; past it the largest room's oldest messages go first. */
  readonly totalLogBytes: number;
  /** Outbound bytes queued to one socket; a slower reader is closed. At least one full replay. */
  readonly maxBufferedBytes: number;
};

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  // A 16 KiB SDP (webrtc-peer's DEFAULT_MAX_SIGNAL_BYTES) still fits once JSON-escaped and wrapped.
  maxMessageBytes: 32_768,
  maxFrameBytes: 65_536,
  // A rendezvous signal is frame > body > data > candidate: 4. Room to grow, nothing to recurse on.
  maxDepth: 16,
  messagesPerSecond: 20,
  messageBurst: 40,
  maxViolations: 16,
  maxMembersPerRoom: 16,
  maxRooms: 1000,
  maxSockets: 1024,
  maxSocketsPerAddress: 32,
  maxRoomsPerAddress: 8,
  maxMembersPerAddressInRoom: 8,
  // The client gives up joining after 10 s (relay-client joinTimeoutMs); the relay waits as long.
  handshakeTimeoutMs: 10_000,
  // Pings go out at half of it; browsers answer them even in a throttled background tab.
  idleTimeoutMs: 60_000,
  roomLogSize: 64,
  roomLogBytes: 262_144,
  totalLogBytes: 33_554_432,
  // One full replay (roomLogBytes) plus headroom for live frames.
  maxBufferedBytes: 1_048_576,
};

/** Client → relay. */
export type ClientFrame = { readonly type: "join"; readonly room: string } | { readonly type: "post"; readonly body: JsonValue };

/** Relay → client. */
export type ServerFrame =
  | { readonly type: "joined"; readonly room: string; readonly member: string; readonly members: number }
  | { readonly type: "message"; readonly from: string; readonly body: JsonValue; readonly replay: boolean }
  | { readonly type: "left"; readonly member: string }
  | { readonly type: "error"; readonly code: string; readonly reason: string; readonly message: string };

/** Close codes the relay uses (RFC 6455 §7.4.1). */
export const RELAY_CLOSE_CODES = {
  goingAway: 1001,
  policyViolation: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
} as const;
