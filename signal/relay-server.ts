// The signaling relay: an untrusted WebSocket room server that only carries opaque JSON bodies
// (WebRTC offers and answers) between the members of a room. It knows no identities and checks no
// signatures; nodes authenticate each other later with a signed hello. Every input is bounded.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import type { ErrorCode } from "../src/core/shared/errors.ts";
import { isJsonObject, type JsonValue } from "../src/core/shared/json.ts";
import { DEFAULT_RELAY_LIMITS, RELAY_CLOSE_CODES, ROOM_NAME_PATTERN, type RelayLimits, type ServerFrame } from "./relay-protocol.ts";

export type RelayOptions = {
  /** Interface to bind; loopback unless the operator asks otherwise. */
  readonly host?: string;
  /** 0 picks an ephemeral port. */
  readonly port?: number;
  readonly limits?: Partial<RelayLimits>;
  /** Milliseconds clock for the rate limiter; injectable so tests need no sleeps. */
  readonly now?: () => number;
  /** One line per rejection, never a message body. */
  readonly log?: (line: string) => void;
};

export type RelayStats = {
  readonly sockets: number;
  readonly rooms: number;
  readonly members: number;
  /** Posts accepted and relayed. */
  readonly posts: number;
  /** Frames refused with an error frame, plus sockets refused or closed for a limit. */
  readonly rejections: number;
};

export type Relay = {
  /** `ws://HOST:PORT` */
  readonly url: string;
  readonly port: number;
  /** Closes every socket (1001), then the listener. Idempotent. */
  close(): Promise<void>;
  stats(): RelayStats;
};

type Member = {
  readonly id: string;
  readonly socket: WebSocket;
  room: Room | undefined;
  tokens: number;
  refilledAt: number;
  violations: number;
};

type LoggedMessage = { readonly from: string; readonly body: JsonValue };

type Room = {
  readonly name: string;
  readonly members: Map<string, Member>;
  log: LoggedMessage[];
};

const CLOSE_GRACE_MS = 1000;

export function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const host = options.host ?? "127.0.0.1";
  const limits: RelayLimits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.warn(line));

  const members = new Set<Member>();
  const rooms = new Map<string, Room>();
  const counters = { posts: 0, rejections: 0 };
  let closing: Promise<void> | undefined;

  // perMessageDeflate off: a compressed frame could inflate past maxPayload's intent (zip bomb).
  const server = new WebSocketServer({ host, port: options.port ?? 0, maxPayload: limits.maxFrameBytes, perMessageDeflate: false });

  function describe(member: Member): string {
    return `member=${member.id} room=${member.room?.name ?? "-"}`;
  }

  function send(member: Member, frame: ServerFrame): void {
    const socket = member.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > limits.maxBufferedBytes) {
      counters.rejections++;
      log(`signal relay: closed slow_consumer ${describe(member)}`);
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(frame));
  }

  function reject(member: Member, code: ErrorCode, reason: string, message: string): void {
    counters.rejections++;
    member.violations++;
    log(`signal relay: rejected ${code} ${reason} ${describe(member)}`);
    send(member, { type: "error", code, reason, message });
    if (member.violations > limits.maxViolations && member.socket.readyState === WebSocket.OPEN) {
      log(`signal relay: closed policy_violation ${describe(member)}`);
      member.socket.close(RELAY_CLOSE_CODES.policyViolation, "policy_violation");
    }
  }

  /** Token bucket: refills continuously at messagesPerSecond up to messageBurst. */
  function takeToken(member: Member): boolean {
    const t = now();
    const elapsed = Math.max(0, t - member.refilledAt);
    member.tokens = Math.min(limits.messageBurst, member.tokens + (elapsed * limits.messagesPerSecond) / 1000);
    member.refilledAt = t;
    if (member.tokens < 1) return false;
    member.tokens -= 1;
    return true;
  }

  function join(member: Member, frame: Record<string, unknown>): void {
    if (member.room) return reject(member, "ERR_STRUCT_INVALID_TYPE", "already_joined", "This socket already joined a room.");
    const name = frame["room"];
    if (typeof name !== "string" || !ROOM_NAME_PATTERN.test(name))
      return reject(member, "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_room", "Room names are 1-64 of A-Z a-z 0-9 _ -.");
    let room = rooms.get(name);
    if (room && room.members.size >= limits.maxMembersPerRoom)
      return reject(member, "ERR_RESOURCE_PEER_LIMIT", "room_full", "The room is full.");
    if (!room) {
      if (rooms.size >= limits.maxRooms)
        return reject(member, "ERR_RESOURCE_PEER_LIMIT", "too_many_rooms", "The relay holds too many rooms.");
      room = { name, members: new Map(), log: [] };
      rooms.set(name, room);
    }
    room.members.set(member.id, member);
    member.room = room;
    send(member, { type: "joined", room: name, member: member.id, members: room.members.size });
    for (const m of room.log) send(member, { type: "message", from: m.from, body: m.body, replay: true });
  }

  function post(member: Member, frame: Record<string, unknown>): void {
    const room = member.room;
    if (!room) return reject(member, "ERR_STRUCT_INVALID_TYPE", "not_joined", "Join a room before posting.");
    if (!Object.hasOwn(frame, "body")) return reject(member, "ERR_STRUCT_MISSING_FIELD", "missing_body", "A post needs a body.");
    const body = frame["body"] as JsonValue; // came out of JSON.parse, so it is JSON
    room.log.push({ from: member.id, body });
    if (room.log.length > limits.roomLogSize) room.log.splice(0, room.log.length - limits.roomLogSize);
    counters.posts++;
    for (const other of room.members.values()) {
      if (other !== member) send(other, { type: "message", from: member.id, body, replay: false });
    }
  }

  function receive(member: Member, data: RawData, isBinary: boolean): void {
    if (member.socket.readyState !== WebSocket.OPEN) return; // closing: nothing more is relayed
    if (!takeToken(member)) return reject(member, "ERR_RESOURCE_RATE_LIMIT", "rate_limited", "Too many messages; slow down.");
    if (isBinary) return reject(member, "ERR_STRUCT_INVALID_ENCODING", "binary_frame", "Frames are JSON text.");
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(new Uint8Array(data));
    if (bytes.length > limits.maxMessageBytes)
      return reject(member, "ERR_RESOURCE_RATE_LIMIT", "message_too_large", `Frames are at most ${limits.maxMessageBytes} bytes.`);
    let frame: unknown;
    try {
      frame = JSON.parse(bytes.toString("utf8"));
    } catch {
      return reject(member, "ERR_STRUCT_INVALID_ENCODING", "not_json", "Frames are JSON text.");
    }
    if (!isJsonObject(frame)) return reject(member, "ERR_STRUCT_INVALID_TYPE", "not_an_object", "A frame is a JSON object.");
    if (frame["type"] === "join") return join(member, frame);
    if (frame["type"] === "post") return post(member, frame);
    reject(member, "ERR_STRUCT_INVALID_TYPE", "unknown_type", 'A frame type is "join" or "post".');
  }

  function leave(member: Member): void {
    members.delete(member);
    const room = member.room;
    if (!room) return;
    member.room = undefined;
    room.members.delete(member.id);
    // A late joiner must never see offers from someone who is gone.
    room.log = room.log.filter((m) => m.from !== member.id);
    if (room.members.size === 0) {
      rooms.delete(room.name);
      return;
    }
    for (const other of room.members.values()) send(other, { type: "left", member: member.id });
  }

  server.on("connection", (socket) => {
    const member: Member = {
      id: randomBytes(9).toString("base64url"),
      socket,
      room: undefined,
      tokens: limits.messageBurst,
      refilledAt: now(),
      violations: 0,
    };
    socket.on("error", (error: Error & { code?: string }) => {
      // ws reports and closes by itself: oversized frames (1009), invalid UTF-8 (1007), bad framing.
      counters.rejections++;
      log(`signal relay: closed ${error.code ?? "socket_error"} ${describe(member)}`);
    });
    if (closing || members.size >= limits.maxSockets) {
      counters.rejections++;
      log(`signal relay: refused relay_full ${describe(member)}`);
      socket.close(RELAY_CLOSE_CODES.tryAgainLater, "relay_full");
      return;
    }
    members.add(member);
    socket.on("message", (data, isBinary) => receive(member, data, isBinary));
    socket.on("close", () => leave(member));
  });

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      const sockets = [...members].map((m) => m.socket);
      let open = sockets.length;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        for (const s of sockets) s.terminate();
        server.close(() => resolve());
      };
      // Clients get a clean 1001; a client that never answers the close handshake is cut after a grace.
      const timer = setTimeout(finish, CLOSE_GRACE_MS);
      if (open === 0) return finish();
      for (const s of sockets) {
        s.once("close", () => {
          if (--open === 0) finish();
        });
        s.close(RELAY_CLOSE_CODES.goingAway, "relay_closing");
      }
    });
    return closing;
  }

  function stats(): RelayStats {
    let memberCount = 0;
    for (const room of rooms.values()) memberCount += room.members.size;
    return { sockets: members.size, rooms: rooms.size, members: memberCount, posts: counters.posts, rejections: counters.rejections };
  }

  return new Promise<Relay>((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      server.on("error", (error) => log(`signal relay: server error ${error.message}`));
      const port = (server.address() as AddressInfo).port;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolve({ url: `ws://${shownHost}:${port}`, port, close, stats });
    });
  });
}
