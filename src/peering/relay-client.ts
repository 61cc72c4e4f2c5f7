// The page's client for the signaling relay (signal/relay-server.ts): joins one room over a WebSocket
// and hands out the room's messages. The relay is untrusted: every frame is checked and malformed ones
// are dropped. Nothing here authenticates a peer; the node's signed hello does that later.
import { nodeError, type NodeError } from "../core/shared/errors.ts";
import { isJsonObject, type JsonValue } from "../core/shared/json.ts";
import { utf8ByteLength } from "../core/shared/bytes.ts";
import { err, ok, type Result } from "../core/shared/result.ts";
import {
  DEFAULT_RELAY_LIMITS,
  MEMBER_ID_PATTERN,
  RELAY_ERROR_CODE_PATTERN,
  RELAY_REASON_PATTERN,
  ROOM_NAME_PATTERN,
  type ServerFrame,
} from "../../signal/relay-protocol.ts";

/**
 * The slice of the WHATWG WebSocket this client uses; the browser's `WebSocket` and the `ws`
 * package's both fit. Events are `unknown` on purpose: they are read as untrusted input.
 */
export interface RelaySocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: unknown) => void): void;
}
export type RelaySocketConstructor = new (url: string) => RelaySocket;

export type RelayMessage = { readonly from: string; readonly body: unknown; readonly replay: boolean };

export type RelayRoom = {
  /** This socket's member id, assigned by the relay. */
  readonly memberId: string;
  readonly room: string;
  /**
   * Posts `body` to every other member (and to later joiners, as replay). Refuses when the socket is
   * closed (ERR_MNG_NETWORK_PEER_UNREACHABLE relay_closed), when the body is not JSON
   * (ERR_STRUCT_INVALID_TYPE not_json) or too large (ERR_RESOURCE_RATE_LIMIT message_too_large).
   */
  post(body: JsonValue): Result<void>;
  /**
   * Messages from other members. What arrived while nobody listened (bounded) is delivered, in
   * order, to the listeners present one microtask after the first one subscribes.
   */
  onMessage(listener: (message: RelayMessage) => void): () => void;
  /** A member disconnected. Buffered like messages. */
  onLeft(listener: (member: string) => void): () => void;
  /** The relay refused one of our frames (rate limit, size): its code and reason, as data. Buffered like messages. */
  onError(listener: (error: NodeError) => void): () => void;
  /** Fires once: `closed_locally`, or `relay_closed_<code>`. A listener added after the close is called at once. */
  onClose(listener: (reason: string) => void): () => void;
  /** Leaves the room. Idempotent. */
  close(): void;
};

export type RelayClientLimits = {
  /** Largest outgoing frame, in UTF-8 bytes: the relay's own limit. */
  readonly maxMessageBytes: number;
  /** Largest incoming frame accepted from the relay; larger ones are dropped unread. */
  readonly maxIncomingBytes: number;
  /** Messages (and, separately, `left` events and errors) kept for a listener not yet subscribed; oldest dropped. */
  readonly maxBuffered: number;
  /** How long the connect-and-join may take. */
  readonly joinTimeoutMs: number;
};

export const DEFAULT_RELAY_CLIENT_LIMITS: RelayClientLimits = {
  maxMessageBytes: DEFAULT_RELAY_LIMITS.maxMessageBytes,
  maxIncomingBytes: DEFAULT_RELAY_LIMITS.maxFrameBytes,
  maxBuffered: 256,
  joinTimeoutMs: 10_000,
};

export type JoinRelayOptions = {
  /** `ws://` or `wss://` */
  readonly url: string;
  readonly room: string;
  /** Defaults to the realm's `WebSocket`; Node tests pass the `ws` package's. */
  readonly WebSocketImpl?: RelaySocketConstructor;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<RelayClientLimits>;
};

const OPEN = 1;
const MAX_MEMBERS_SEEN = 1_000_000;

function unreachable(reason: string, message: string, data: Record<string, string | number> = {}): Result<never> {
  return err(nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", message, { reason, ...data }));
}

function field(event: unknown, name: string): unknown {
  return typeof event === "object" && event !== null ? (event as Record<string, unknown>)[name] : undefined;
}

/** One frame from the relay, checked field by field; `undefined` for anything malformed. */
export function parseServerFrame(data: unknown, maxBytes: number): ServerFrame | undefined {
  if (typeof data !== "string" || data.length > maxBytes || utf8ByteLength(data) > maxBytes) return undefined;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isJsonObject(frame)) return undefined;
  const isMember = (v: unknown): v is string => typeof v === "string" && MEMBER_ID_PATTERN.test(v);
  switch (frame["type"]) {
    case "joined": {
      const { room, member, members } = frame;
      if (typeof room !== "string" || !ROOM_NAME_PATTERN.test(room) || !isMember(member)) return undefined;
      if (typeof members !== "number" || !Number.isSafeInteger(members) || members < 1 || members > MAX_MEMBERS_SEEN) return undefined;
      return { type: "joined", room, member, members };
    }
    case "message": {
      const { from, replay } = frame;
      if (!isMember(from) || typeof replay !== "boolean" || !Object.hasOwn(frame, "body")) return undefined;
      return { type: "message", from, body: frame["body"]!, replay };
    }
    case "left":
      return isMember(frame["member"]) ? { type: "left", member: frame["member"] } : undefined;
    case "error": {
      const { code, reason, message } = frame;
      if (typeof code !== "string" || !RELAY_ERROR_CODE_PATTERN.test(code)) return undefined;
      if (typeof reason !== "string" || !RELAY_REASON_PATTERN.test(reason) || typeof message !== "string") return undefined;
      return { type: "error", code, reason, message: message.slice(0, 200) };
    }
    default:
      return undefined;
  }
}

/** The post frame's text; `undefined` when `body` has no JSON form (undefined, a function, a cycle, a bigint). */
function postFrame(body: unknown): string | undefined {
  if (body === undefined || typeof body === "function" || typeof body === "symbol") return undefined;
  try {
    return JSON.stringify({ type: "post", body });
  } catch {
    return undefined;
  }
}

/** The relay's refusal as our error: its code and reason travel as data, never as our own code. */
function relayRefusal(frame: Extract<ServerFrame, { type: "error" }>): NodeError {
  return nodeError("ERR_MNG_NETWORK_PEER_UNREACHABLE", `The relay refused: ${frame.reason}.`, {
    reason: "relay_refused",
    relayCode: frame.code,
    relayReason: frame.reason,
  });
}

/**
 * A listener set with a bounded backlog: what arrives while nobody listens is kept (oldest dropped
 * past `maxBuffered`) and handed, in order, to the listeners present one microtask after the first
 * subscribes, so a subscriber always holds its unsubscribe handle before anything is delivered.
 */
export function createBufferedChannel<T>(maxBuffered: number) {
  const listeners = new Set<(value: T) => void>();
  const backlog: T[] = [];
  let flushing = false;
  const flush = (): void => {
    flushing = false;
    while (backlog.length > 0 && listeners.size > 0) {
      const value = backlog.shift()!;
      for (const l of [...listeners]) l(value);
    }
  };
  const schedule = (): void => {
    if (flushing || backlog.length === 0 || listeners.size === 0) return;
    flushing = true;
    queueMicrotask(flush);
  };
  return {
    emit(value: T): void {
      if (listeners.size > 0 && backlog.length === 0) {
        for (const l of [...listeners]) l(value);
        return;
      }
      backlog.push(value); // behind an undelivered backlog, or nobody listens yet
      if (backlog.length > maxBuffered) backlog.shift();
      schedule();
    },
    subscribe(listener: (value: T) => void): () => void {
      listeners.add(listener);
      schedule();
      return () => listeners.delete(listener);
    },
    drop(predicate: (value: T) => boolean): void {
      const kept = backlog.filter((v) => !predicate(v));
      backlog.splice(0, backlog.length, ...kept);
    },
  };
}

export async function joinRelayRoom(options: JoinRelayOptions): Promise<Result<RelayRoom>> {
  const limits: RelayClientLimits = { ...DEFAULT_RELAY_CLIENT_LIMITS, ...options.limits };
  const { url, room } = options;
  if (!ROOM_NAME_PATTERN.test(room))
    return err(nodeError("ERR_STRUCT_INVALID_IDENTIFIER", "Room names are 1-64 of A-Z a-z 0-9 _ -.", { reason: "invalid_room" }));
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    return err(nodeError("ERR_STRUCT_INVALID_ENCODING", "The relay address is not a URL.", { reason: "invalid_url" }));
  }
  if (parsedUrl.protocol !== "ws:" && parsedUrl.protocol !== "wss:")
    return err(nodeError("ERR_STRUCT_INVALID_ENCODING", "The relay address starts with ws:// or wss://.", { reason: "invalid_url" }));
  const Impl = options.WebSocketImpl ?? (globalThis as { WebSocket?: RelaySocketConstructor }).WebSocket;
  if (!Impl) return unreachable("no_websocket", "This realm has no WebSocket.");
  if (options.signal?.aborted) return unreachable("join_aborted", "Joining the room was cancelled.");

  let socket: RelaySocket;
  try {
    socket = new Impl(parsedUrl.href);
  } catch {
    return unreachable("relay_unreachable", "The relay could not be reached.");
  }

  const messages = createBufferedChannel<RelayMessage>(limits.maxBuffered);
  const lefts = createBufferedChannel<string>(limits.maxBuffered);
  const errors = createBufferedChannel<NodeError>(limits.maxBuffered);
  const closes = new Set<(reason: string) => void>();
  let memberId: string | undefined;
  let closeReason: string | undefined;

  function finish(reason: string): void {
    if (closeReason !== undefined) return;
    closeReason = reason;
    for (const l of [...closes]) l(reason);
    closes.clear();
  }

  const handle: RelayRoom = {
    get memberId() {
      return memberId!;
    },
    room,
    post(body) {
      if (closeReason !== undefined || socket.readyState !== OPEN) return unreachable("relay_closed", "The relay connection is closed.");
      const text = postFrame(body);
      if (text === undefined) return err(nodeError("ERR_STRUCT_INVALID_TYPE", "The body is not JSON.", { reason: "not_json" }));
      const size = utf8ByteLength(text);
      if (size > limits.maxMessageBytes)
        return err(
          nodeError("ERR_RESOURCE_RATE_LIMIT", "The message is larger than the relay carries.", {
            reason: "message_too_large",
            size,
            limit: limits.maxMessageBytes,
          }),
        );
      socket.send(text);
      return ok(undefined);
    },
    onMessage: (listener) => messages.subscribe(listener),
    onLeft: (listener) => lefts.subscribe(listener),
    onError: (listener) => errors.subscribe(listener),
    onClose(listener) {
      if (closeReason !== undefined) {
        listener(closeReason);
        return () => {};
      }
      closes.add(listener);
      return () => closes.delete(listener);
    },
    close() {
      if (closeReason !== undefined) return;
      finish("closed_locally");
      socket.close(1000);
    },
  };

  return new Promise<Result<RelayRoom>>((resolve) => {
    let settled = false;
    let opened = false;
    const settle = (result: Result<RelayRoom>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (!result.ok) {
        closeReason ??= "join_failed";
        socket.close(1000);
      }
      resolve(result);
    };
    const timer = setTimeout(() => settle(unreachable("relay_timeout", "The relay did not answer in time.")), limits.joinTimeoutMs);
    const onAbort = (): void => settle(unreachable("join_aborted", "Joining the room was cancelled."));
    options.signal?.addEventListener("abort", onAbort);

    socket.addEventListener("open", () => {
      opened = true;
      socket.send(JSON.stringify({ type: "join", room }));
    });
    socket.addEventListener("error", () => {
      if (!opened) settle(unreachable("relay_unreachable", "The relay could not be reached."));
    });
    socket.addEventListener("close", (event) => {
      const code = field(event, "code");
      if (!settled)
        settle(
          opened
            ? unreachable("relay_closed", "The relay closed the connection before the join.", {
                closeCode: typeof code === "number" ? code : 0,
              })
            : unreachable("relay_unreachable", "The relay could not be reached."),
        );
      finish(`relay_closed_${typeof code === "number" ? code : 0}`);
    });
    socket.addEventListener("message", (event) => {
      if (closeReason !== undefined) return;
      const frame = parseServerFrame(field(event, "data"), limits.maxIncomingBytes);
      if (!frame) return; // untrusted: malformed frames are dropped
      if (memberId === undefined) {
        if (frame.type === "joined" && frame.room === room) {
          memberId = frame.member;
          settle(ok(handle));
        } else if (frame.type === "error") settle(err(relayRefusal(frame)));
        return;
      }
      switch (frame.type) {
        case "message":
          if (frame.from !== memberId) messages.emit({ from: frame.from, body: frame.body, replay: frame.replay });
          return;
        case "left":
          if (frame.member === memberId) return;
          messages.drop((m) => m.from === frame.member); // a departed member's offers are stale
          lefts.emit(frame.member);
          return;
        case "error":
          errors.emit(relayRefusal(frame));
          return;
        case "joined":
          return; // only once
      }
    });
  });
}
