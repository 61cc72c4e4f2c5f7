// The signaling relay: an untrusted WebSocket room server that only carries opaque JSON bodies
// (WebRTC offers and answers) between the members of a room. It knows no identities and checks no
// signatures; nodes authenticate each other later with a signed hello. Every input is bounded before
// any work (ADR 0016): size, then depth while parsing; every handler is guarded, so a fault closes
// one socket and never the process.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import type { ErrorCode } from "../src/core/shared/errors.ts";
import { isJsonObject } from "../src/core/shared/json.ts";
import { parseWireJson } from "../src/core/shared/wire-json.ts";
import { addressKey } from "./address-key.ts";
import { createAddressBook, createTcpGate, type AddressQuota } from "./address-quota.ts";
import { DEFAULT_RELAY_LIMITS, RELAY_CLOSE_CODES, ROOM_NAME_PATTERN, type RelayLimits, type ServerFrame } from "./relay-protocol.ts";
import { createReplayLogs, type RoomLog } from "./replay-log.ts";

export type RelayOptions = {
  /** Interface to bind; loopback unless the operator asks otherwise. */
  readonly host?: string;
  /** 0 picks an ephemeral port. */
  readonly port?: number;
  readonly limits?: Partial<RelayLimits>;
  /** Milliseconds clock for the rate limiter and the timeouts; injectable so tests need no sleeps. */
  readonly now?: () => number;
  /** How often timeouts are checked against `now`; defaults to a quarter of the shorter timeout (10 ms-1 s). */
  readonly sweepIntervalMs?: number;
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
  /** Handlers that threw: each closed its socket. */
  readonly faults: number;
  /** Pongs answering the relay's keepalive pings. */
  readonly pongs: number;
  /** Bytes held in replay logs over all rooms. */
  readonly logBytes: number;
  /** Addresses with an open socket. */
  readonly addresses: number;
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
  readonly quota: AddressQuota<Room>;
  room: Room | undefined;
  tokens: number;
  refilledAt: number;
  violations: number;
  readonly openedAt: number;
  /** Last frame or pong from the client. */
  lastSeen: number;
  pingedAt: number | undefined;
  /** Set when the relay started closing it; past CLOSE_GRACE_MS it is terminated. */
  closingAt: number | undefined;
};

type Room = {
  readonly name: string;
  readonly members: Map<string, Member>;
  readonly log: RoomLog;
};

const CLOSE_GRACE_MS = 1000;
/** Raw TCP connections per address (before and after the upgrade) may exceed the socket quota by this factor. */
const TCP_PER_ADDRESS_FACTOR = 2;

function messageFrame(from: string, bodyText: string, replay: boolean): string {
  // The body is spliced in as text: serialized once per post, never once per recipient.
  return `{"type":"message","from":${JSON.stringify(from)},"body":${bodyText},"replay":${replay}}`;
}

function bytesOf(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(new Uint8Array(data));
}

export function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const host = options.host ?? "127.0.0.1";
  const limits: RelayLimits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.warn(line));
  const sweepMs =
    options.sweepIntervalMs ?? Math.max(10, Math.min(1000, Math.floor(Math.min(limits.handshakeTimeoutMs, limits.idleTimeoutMs) / 4)));

  const members = new Set<Member>();
  const rooms = new Map<string, Room>();
  const book = createAddressBook<Room>();
  const replayLogs = createReplayLogs(limits);
  /** Sockets refused at the door, terminated if they do not finish the close handshake in time. */
  const refused = new Map<WebSocket, number>();
  const counters = { posts: 0, rejections: 0, faults: 0, pongs: 0 };
  let closing: Promise<void> | undefined;

  // Timeouts bound the HTTP upgrade too: a connection that never finishes its request is cut.
  const http = createServer({
    headersTimeout: limits.handshakeTimeoutMs,
    requestTimeout: limits.handshakeTimeoutMs,
    connectionsCheckingInterval: Math.max(sweepMs, 100),
  });
  http.maxConnections = limits.maxSockets * TCP_PER_ADDRESS_FACTOR;
  // perMessageDeflate off: a compressed frame could inflate past maxPayload's intent (zip bomb).
  const server = new WebSocketServer({ server: http, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false });

  function describe(member: Member): string {
    return `member=${member.id} room=${member.room?.name ?? "-"}`;
  }

  /** Runs one handler; a throw closes that socket, is logged and counted, and goes no further. */
  function guarded(socket: WebSocket, what: string, who: () => string, run: () => void): void {
    try {
      run();
    } catch (error) {
      counters.faults++;
      try {
        log(`signal relay: fault in ${what} (${error instanceof Error ? error.name : typeof error}) ${who()}`);
      } catch {
        // a failing log must not undo the guard
      }
      socket.terminate();
    }
  }

  function send(member: Member, text: string): void {
    const socket = member.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > limits.maxBufferedBytes) {
      counters.rejections++;
      log(`signal relay: closed slow_consumer ${describe(member)}`);
      socket.terminate();
      return;
    }
    socket.send(text);
  }

  const sendFrame = (member: Member, frame: ServerFrame): void => send(member, JSON.stringify(frame));

  function closeMember(member: Member, code: number, reason: string): void {
    if (member.closingAt !== undefined) return;
    counters.rejections++;
    member.closingAt = now();
    log(`signal relay: closed ${reason} ${describe(member)}`);
    member.socket.close(code, reason);
  }

  function reject(member: Member, code: ErrorCode, reason: string, message: string): void {
    counters.rejections++;
    member.violations++;
    log(`signal relay: rejected ${code} ${reason} ${describe(member)}`);
    sendFrame(member, { type: "error", code, reason, message });
    if (member.violations > limits.maxViolations && member.socket.readyState === WebSocket.OPEN) {
      closeMember(member, RELAY_CLOSE_CODES.policyViolation, "policy_violation");
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

  /** Why `member` may not enter the room called `name`, checked before anything is created. */
  function refusal(member: Member, room: Room | undefined): [string, string] | undefined {
    const fromHere = room ? (member.quota.rooms.get(room) ?? 0) : 0;
    if (room && room.members.size >= limits.maxMembersPerRoom) return ["room_full", "The room is full."];
    if (fromHere >= limits.maxMembersPerAddressInRoom)
      return ["address_room_full", "This address has as many members in the room as it may."];
    if (fromHere === 0 && member.quota.rooms.size >= limits.maxRoomsPerAddress)
      return ["address_too_many_rooms", "This address is in as many rooms as it may."];
    if (!room && rooms.size >= limits.maxRooms) return ["too_many_rooms", "The relay holds too many rooms."];
    return undefined;
  }

  function join(member: Member, frame: Record<string, unknown>): void {
    if (member.room) return reject(member, "ERR_STRUCT_INVALID_TYPE", "already_joined", "This socket already joined a room.");
    const name = frame["room"];
    if (typeof name !== "string" || !ROOM_NAME_PATTERN.test(name))
      return reject(member, "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_room", "Room names are 1-64 of A-Z a-z 0-9 _ -.");
    let room = rooms.get(name);
    const why = refusal(member, room);
    if (why) return reject(member, "ERR_RESOURCE_PEER_LIMIT", why[0], why[1]);
    if (!room) {
      room = { name, members: new Map(), log: replayLogs.open() };
      rooms.set(name, room);
    }
    room.members.set(member.id, member);
    book.enter(member.quota, room);
    member.room = room;
    sendFrame(member, { type: "joined", room: name, member: member.id, members: room.members.size });
    for (const m of room.log.entries) send(member, messageFrame(m.from, m.body, true));
  }

  function post(member: Member, frame: Record<string, unknown>): void {
    const room = member.room;
    if (!room) return reject(member, "ERR_STRUCT_INVALID_TYPE", "not_joined", "Join a room before posting.");
    if (!Object.hasOwn(frame, "body")) return reject(member, "ERR_STRUCT_MISSING_FIELD", "missing_body", "A post needs a body.");
    const body = JSON.stringify(frame["body"]); // depth-bounded by the parser, so this cannot recurse far
    replayLogs.append(room.log, { from: member.id, body, bytes: Buffer.byteLength(body) });
    counters.posts++;
    const live = messageFrame(member.id, body, false);
    for (const other of room.members.values()) {
      if (other !== member)
        guarded(
          other.socket,
          "send",
          () => describe(other),
          () => send(other, live),
        );
    }
  }

  function receive(member: Member, data: RawData, isBinary: boolean): void {
    if (member.socket.readyState !== WebSocket.OPEN || member.closingAt !== undefined) return; // closing: nothing more is relayed
    member.lastSeen = now();
    if (!takeToken(member)) return reject(member, "ERR_RESOURCE_RATE_LIMIT", "rate_limited", "Too many messages; slow down.");
    if (isBinary) return reject(member, "ERR_STRUCT_INVALID_ENCODING", "binary_frame", "Frames are JSON text.");
    const bytes = bytesOf(data);
    if (bytes.length > limits.maxMessageBytes)
      return reject(member, "ERR_RESOURCE_RATE_LIMIT", "message_too_large", `Frames are at most ${limits.maxMessageBytes} bytes.`);
    // The wire parser keeps its stack on the heap and stops at maxDepth: deep nesting is refused, not recursed.
    const parsed = parseWireJson(bytes, { maxBytes: limits.maxMessageBytes, maxDepth: limits.maxDepth });
    if (!parsed.ok) {
      if (parsed.error.data["reason"] === "too_deep")
        return reject(member, "ERR_STRUCT_INVALID_ENCODING", "too_deep", `Frames nest at most ${limits.maxDepth} deep.`);
      return reject(member, "ERR_STRUCT_INVALID_ENCODING", "not_json", "Frames are JSON text.");
    }
    const frame = parsed.value;
    if (!isJsonObject(frame)) return reject(member, "ERR_STRUCT_INVALID_TYPE", "not_an_object", "A frame is a JSON object.");
    if (frame["type"] === "join") return join(member, frame);
    if (frame["type"] === "post") return post(member, frame);
    reject(member, "ERR_STRUCT_INVALID_TYPE", "unknown_type", 'A frame type is "join" or "post".');
  }

  function leave(member: Member): void {
    if (!members.delete(member)) return;
    const room = member.room;
    if (room) {
      member.room = undefined;
      room.members.delete(member.id);
      book.leave(member.quota, room);
      // A late joiner must never see offers from someone who is gone.
      replayLogs.dropFrom(room.log, member.id);
      if (room.members.size === 0) {
        rooms.delete(room.name);
        replayLogs.free(room.log);
      } else {
        const left = JSON.stringify({ type: "left", member: member.id } satisfies ServerFrame);
        for (const other of room.members.values())
          guarded(
            other.socket,
            "send",
            () => describe(other),
            () => send(other, left),
          );
      }
    }
    book.release(member.quota);
  }

  function refuse(socket: WebSocket, reason: string, quota: AddressQuota<Room>): void {
    const key = quota.key;
    if (quota.sockets === 0 && quota.rooms.size === 0) book.release(quota); // refused sockets hold no entry
    counters.rejections++;
    log(`signal relay: refused ${reason} address=${key}`);
    onSocketError(socket, () => `address=${key}`);
    refused.set(socket, now());
    socket.once("close", () => refused.delete(socket));
    socket.close(RELAY_CLOSE_CODES.tryAgainLater, reason);
  }

  function onSocketError(socket: WebSocket, who: () => string): void {
    socket.on("error", (error: Error & { code?: string }) => {
      // ws reports and closes by itself: oversized frames (1009), invalid UTF-8 (1007), bad framing.
      counters.rejections++;
      log(`signal relay: closed ${error.code ?? "socket_error"} ${who()}`);
    });
  }

  function admit(socket: WebSocket, request: IncomingMessage): void {
    const quota = book.quota(addressKey(request.socket.remoteAddress));
    if (closing || members.size >= limits.maxSockets) return refuse(socket, "relay_full", quota);
    if (quota.sockets >= limits.maxSocketsPerAddress) return refuse(socket, "address_full", quota);
    const t = now();
    const admitted: Member = {
      id: randomBytes(9).toString("base64url"),
      socket,
      quota,
      room: undefined,
      tokens: limits.messageBurst,
      refilledAt: t,
      violations: 0,
      openedAt: t,
      lastSeen: t,
      pingedAt: undefined,
      closingAt: undefined,
    };
    quota.sockets++;
    members.add(admitted);
    const who = (): string => describe(admitted);
    onSocketError(socket, who);
    socket.on("message", (data, isBinary) => guarded(socket, "message", who, () => receive(admitted, data, isBinary)));
    socket.on("pong", () =>
      guarded(socket, "pong", who, () => {
        admitted.lastSeen = now();
        counters.pongs++;
      }),
    );
    socket.on("close", () => guarded(socket, "close", who, () => leave(admitted)));
  }

  let sweptAt = performance.now();
  let deferred = false;

  /**
   * Timeouts: unjoined sockets past the handshake, silent ones past idle (pinged at half), closes past
   * grace. A sweep that runs late means this process was stalled and may hold unread joins and pongs
   * (I/O is read after timers): it closes nothing then, once, and the next sweep decides.
   */
  function sweep(): void {
    const t = now();
    const real = performance.now();
    const stalled = real - sweptAt > 2 * sweepMs && !deferred;
    sweptAt = real;
    deferred = stalled;
    for (const member of members) {
      guarded(
        member.socket,
        "sweep",
        () => describe(member),
        () => {
          if (member.closingAt !== undefined) {
            if (t - member.closingAt >= CLOSE_GRACE_MS) member.socket.terminate();
          } else if (stalled) {
            return;
          } else if (!member.room && t - member.openedAt >= limits.handshakeTimeoutMs) {
            closeMember(member, RELAY_CLOSE_CODES.policyViolation, "join_timeout");
          } else if (t - member.lastSeen >= limits.idleTimeoutMs) {
            closeMember(member, RELAY_CLOSE_CODES.goingAway, "idle_timeout");
          } else if (t - member.lastSeen >= limits.idleTimeoutMs / 2 && (member.pingedAt ?? -Infinity) <= member.lastSeen) {
            member.pingedAt = t;
            member.socket.ping();
          }
        },
      );
    }
    for (const [socket, since] of refused) if (t - since >= CLOSE_GRACE_MS) socket.terminate();
  }
  const sweeper = setInterval(sweep, sweepMs);
  sweeper.unref();

  const admitTcp = createTcpGate(limits.maxSocketsPerAddress * TCP_PER_ADDRESS_FACTOR, (key) => {
    counters.rejections++;
    log(`signal relay: refused tcp_flood address=${key}`);
  });
  http.on("connection", (tcp: Socket) => {
    try {
      admitTcp(tcp);
    } catch {
      counters.faults++;
      tcp.destroy();
    }
  });
  // Plain HTTP gets 426, as ws answers when it owns the server.
  http.on("request", (_request, response) => {
    response.writeHead(426, { "content-type": "text/plain", connection: "close" });
    response.end("Upgrade Required");
  });
  server.on("connection", (socket, request) =>
    guarded(
      socket,
      "connection",
      () => "-",
      () => admit(socket, request),
    ),
  );
  server.on("error", (error) => log(`signal relay: server error ${error.message}`));

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      clearInterval(sweeper);
      const sockets = [...members].map((m) => m.socket);
      let open = sockets.length;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        for (const s of sockets) s.terminate();
        for (const s of refused.keys()) s.terminate();
        server.close();
        http.close(() => resolve());
        http.closeAllConnections();
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
    return {
      sockets: members.size,
      rooms: rooms.size,
      members: memberCount,
      posts: counters.posts,
      rejections: counters.rejections,
      faults: counters.faults,
      pongs: counters.pongs,
      logBytes: replayLogs.totalBytes(),
      addresses: book.size,
    };
  }

  return new Promise<Relay>((resolve, reject) => {
    http.once("error", reject);
    http.once("listening", () => {
      http.off("error", reject);
      http.on("error", (error) => log(`signal relay: server error ${error.message}`));
      const port = (http.address() as AddressInfo).port;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolve({ url: `ws://${shownHost}:${port}`, port, close, stats });
    });
    http.listen(options.port ?? 0, host);
  });
}
