// What the peer is told to do (ADR 0028): its command line and an optional small JSON config file,
// checked as untrusted input before anything starts, and the rooms it keeps in its data directory so
// a restart joins them again. A relay URL is ws:// or wss:// and nothing else; a refused input starts nothing.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { err, nodeError, ok, type Result } from "../core/index.ts";
import type { RoomSpec } from "./peer-network.ts";

export type PeerConfig = {
  readonly dataDir: string;
  readonly name: string | undefined;
  readonly ingest: string | undefined;
  readonly rooms: readonly RoomSpec[];
  readonly invites: readonly string[];
  /** Loopback HTTP port of the status report; 0 picks a free one; undefined serves none. */
  readonly statusPort: number | undefined;
  /** Only 127.0.0.1 ICE candidates, either way. */
  readonly loopbackOnly: boolean;
  /** `--status`: print the running peer's report and exit, start nothing. */
  readonly statusOnly: boolean;
  /** The node database's budgets; undefined keeps the node's configured ones. */
  readonly maxBytes: number | undefined;
  readonly maxEnvelopes: number | undefined;
  /** `--pair <ws-url>#<room>`: become a device of a person's identity, met in that room (ADR 0032). */
  readonly pair: RoomSpec | undefined;
  /** The device label the pairing proposes. */
  readonly label: string | undefined;
};

export const USAGE =
  "npm run peer -- --data <dir> [--name <name>] [--ingest <file>] [--room <ws-url>#<room>]... [--invite <code>]... " +
  "[--config <file.json>] [--status-port <port>] [--max-bytes <n>] [--max-envelopes <n>] [--pair <ws-url>#<room> [--label <text>]] " +
  "[--loopback-only] | --data <dir> --status";

/** The file in the data directory that keeps the rooms the peer was told to join. */
export const ROOMS_FILE = "rooms.json";
const MAX_ROOM_NAME = 128;
const MAX_CONFIG_BYTES = 65_536;
const MAX_LABEL = 64;

function invalid(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_TYPE", message, { reason }));
}

/** `ws://host:port/#room` or `{url, room}`: a ws(s) URL and a bounded room name. */
export function parseRoom(value: unknown): Result<RoomSpec> {
  let url: string;
  let room: unknown;
  if (typeof value === "string") {
    const hash = value.lastIndexOf("#");
    if (hash < 0) return invalid("room_invalid", `A room is <ws-url>#<room>; got ${JSON.stringify(value)}.`);
    [url, room] = [value.slice(0, hash), value.slice(hash + 1)];
  } else if (typeof value === "object" && value !== null && typeof (value as { url?: unknown }).url === "string") {
    ({ url, room } = value as { url: string; room: unknown });
  } else return invalid("room_invalid", 'A room is <ws-url>#<room> or {"url", "room"}.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid("relay_url_invalid", `${JSON.stringify(url)} is not a URL.`);
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:")
    return invalid("relay_url_invalid", "A relay URL starts with ws:// or wss://.");
  if (typeof room !== "string" || room.length === 0 || room.length > MAX_ROOM_NAME || [...room].some((c) => c.charCodeAt(0) < 0x20))
    return invalid("room_invalid", `A room name is 1 to ${MAX_ROOM_NAME} printable characters.`);
  return ok({ url, room });
}

type FileConfig = {
  rooms: RoomSpec[];
  invites: string[];
  statusPort: number | undefined;
  maxBytes: number | undefined;
  maxEnvelopes: number | undefined;
};

const NO_FILE: FileConfig = { rooms: [], invites: [], statusPort: undefined, maxBytes: undefined, maxEnvelopes: undefined };

function parseConfigFile(path: string): Result<FileConfig> {
  let value: unknown;
  try {
    const text = readFileSync(path, "utf8");
    if (text.length > MAX_CONFIG_BYTES) return invalid("config_too_large", `${path} is larger than ${MAX_CONFIG_BYTES} bytes.`);
    value = JSON.parse(text);
  } catch (cause) {
    return invalid("config_unreadable", `${path} is not readable JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return invalid("config_invalid", "The config file is one JSON object.");
  const { rooms = [], invites = [], statusPort, maxBytes, maxEnvelopes, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return invalid("config_unknown_field", `Unknown config field(s): ${unknown.join(", ")}.`);
  if (!Array.isArray(rooms) || !Array.isArray(invites) || !invites.every((code) => typeof code === "string"))
    return invalid("config_invalid", "`rooms` and `invites` are arrays.");
  const parsedRooms: RoomSpec[] = [];
  for (const room of rooms) {
    const parsed = parseRoom(room);
    if (!parsed.ok) return parsed;
    parsedRooms.push(parsed.value);
  }
  const port = statusPort === undefined ? ok(undefined) : parsePort(statusPort);
  if (!port.ok) return port;
  const bytes = parseBudget(maxBytes, "max_bytes_invalid");
  if (!bytes.ok) return bytes;
  const envelopes = parseBudget(maxEnvelopes, "max_envelopes_invalid");
  if (!envelopes.ok) return envelopes;
  return ok({ rooms: parsedRooms, invites, statusPort: port.value, maxBytes: bytes.value, maxEnvelopes: envelopes.value });
}

/** A budget is a positive integer here; its bounds are the node's config keys' (its config manager checks them). */
function parseBudget(value: unknown, reason: string): Result<number | undefined> {
  if (value === undefined) return ok(undefined);
  const n = typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0
    ? ok(n)
    : invalid(reason, "A storage budget is a positive integer (bytes or envelopes).");
}

function parsePort(value: unknown): Result<number> {
  const port = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof port === "number" && Number.isSafeInteger(port) && port >= 0 && port <= 65_535
    ? ok(port)
    : invalid("status_port_invalid", "The status port is an integer from 0 to 65535.");
}

/** The command line (and the config file it names), checked; any refusal names its reason. */
export function parsePeerArgs(argv: readonly string[]): Result<PeerConfig> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: "string" },
        name: { type: "string" },
        ingest: { type: "string" },
        room: { type: "string", multiple: true },
        invite: { type: "string", multiple: true },
        config: { type: "string" },
        "status-port": { type: "string" },
        "loopback-only": { type: "boolean" },
        status: { type: "boolean" },
        "max-bytes": { type: "string" },
        "max-envelopes": { type: "string" },
        pair: { type: "string" },
        label: { type: "string" },
      },
    }));
  } catch (cause) {
    return invalid("usage", cause instanceof Error ? cause.message : String(cause));
  }
  if (typeof values.data !== "string") return invalid("usage", "--data <dir> is required");
  const file = typeof values.config === "string" ? parseConfigFile(values.config) : ok(NO_FILE);
  if (!file.ok) return file;
  const rooms = [...file.value.rooms];
  for (const room of (values.room as string[] | undefined) ?? []) {
    const parsed = parseRoom(room);
    if (!parsed.ok) return parsed;
    rooms.push(parsed.value);
  }
  const port = values["status-port"] === undefined ? ok(file.value.statusPort) : parsePort(values["status-port"]);
  if (!port.ok) return port;
  const maxBytes = values["max-bytes"] === undefined ? ok(file.value.maxBytes) : parseBudget(values["max-bytes"], "max_bytes_invalid");
  if (!maxBytes.ok) return maxBytes;
  const maxEnvelopes =
    values["max-envelopes"] === undefined ? ok(file.value.maxEnvelopes) : parseBudget(values["max-envelopes"], "max_envelopes_invalid");
  if (!maxEnvelopes.ok) return maxEnvelopes;
  const pair = typeof values.pair === "string" ? parseRoom(values.pair) : ok(undefined);
  if (!pair.ok) return pair;
  const label = typeof values.label === "string" ? values.label : undefined;
  if (label !== undefined && (label.length === 0 || label.length > MAX_LABEL || [...label].some((c) => c.charCodeAt(0) < 0x20)))
    return invalid("label_invalid", `A device label is 1 to ${MAX_LABEL} printable characters.`);
  return ok({
    dataDir: values.data,
    name: typeof values.name === "string" ? values.name : undefined,
    ingest: typeof values.ingest === "string" ? values.ingest : undefined,
    rooms,
    invites: [...file.value.invites, ...((values.invite as string[] | undefined) ?? [])],
    statusPort: port.value,
    loopbackOnly: values["loopback-only"] === true,
    statusOnly: values.status === true,
    maxBytes: maxBytes.value,
    maxEnvelopes: maxEnvelopes.value,
    pair: pair.value,
    label,
  });
}

const roomKey = (room: RoomSpec) => `${room.url}#${room.room}`;

/**
 * The rooms to join: those kept from earlier runs, then the new ones, without repeats; the union is
 * written back (atomically: a temporary file renamed over the old) so the next start keeps them.
 * A kept file that no longer parses is refused, never silently replaced.
 */
export function keepRooms(dataDir: string, rooms: readonly RoomSpec[]): Result<readonly RoomSpec[]> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, ROOMS_FILE);
  const kept: RoomSpec[] = [];
  if (existsSync(path)) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return invalid("rooms_file_invalid", `${path} is not JSON; fix or remove it.`);
    }
    if (!Array.isArray(value)) return invalid("rooms_file_invalid", `${path} is not a list of rooms; fix or remove it.`);
    for (const room of value) {
      const parsed = parseRoom(room);
      if (!parsed.ok) return parsed;
      kept.push(parsed.value);
    }
  }
  const all = new Map([...kept, ...rooms].map((room) => [roomKey(room), room]));
  const list = [...all.values()];
  if (list.length !== kept.length) {
    writeFileSync(`${path}.tmp`, `${JSON.stringify(list, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }
  return ok(list);
}
