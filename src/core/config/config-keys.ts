// The config registry: every key the node knows, its type, default and bounds (architecture 01:
// "unknown keys rejected unless registered"). Data only; validation lives in validate-settings.ts.
import type { JsonValue } from "../shared/json.ts";
import { DEFAULT_ENVELOPE_LIMITS, PROTOCOL_VERSION } from "../wire/index.ts";

export type ConfigValueType = "integer" | "number" | "string" | "boolean";

export type ConfigKeySpec = {
  readonly key: string;
  readonly type: ConfigValueType;
  readonly default: JsonValue;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
  /** false: an update is persisted but takes effect only at the next open (architecture 01). */
  readonly reloadable: boolean;
  readonly description: string;
};

/** architecture 01: `node.*` is immutable; set only by the build, never updated or overridden. */
export const IMMUTABLE_NAMESPACE = "node.";

const MIB = 1_048_576;

export const CONFIG_KEYS = [
  {
    key: "node.protocol.version",
    type: "string",
    default: PROTOCOL_VERSION.join("."),
    reloadable: false,
    description: "Protocol version this node speaks, M.m.p (architecture 01 PROTOCOL_VERSION); from the build, immutable.",
  },
  {
    key: "network.envelope.max_bytes",
    type: "integer",
    default: MIB,
    // A frame must be able to carry one envelope of the largest size the wire accepts.
    minimum: DEFAULT_ENVELOPE_LIMITS.maxEnvelopeBytes,
    maximum: 16 * MIB,
    reloadable: true,
    description:
      "Largest frame accepted from a peer; bigger frames are dropped unread (architecture 10 default 1048576). Bounds chosen: one maximal envelope .. 16 MiB.",
  },
  {
    key: "network.peer.max_admitted_sessions",
    type: "integer",
    default: 2,
    minimum: 1,
    maximum: 64,
    reloadable: true,
    description: "Admitted sessions allowed per peer (architecture 10 default 2). Upper bound 64 chosen.",
  },
  {
    key: "network.buffer.inbound.max_bytes",
    type: "integer",
    default: 2 * MIB,
    minimum: 1,
    maximum: 64 * MIB,
    reloadable: true,
    description:
      "Inbound bytes buffered per session (architecture 10 default 2097152); at least network.envelope.max_bytes. Upper bound 64 MiB chosen.",
  },
  {
    key: "network.buffer.outbound.max_bytes",
    type: "integer",
    default: 2 * MIB,
    minimum: 1,
    maximum: 64 * MIB,
    reloadable: true,
    description:
      "Outbound bytes buffered per session (architecture 10 default 2097152); at least network.envelope.max_bytes. Upper bound 64 MiB chosen.",
  },
  {
    key: "network.rate.inbound.max_msgs_per_sec",
    type: "integer",
    default: 200,
    minimum: 1,
    maximum: 100_000,
    reloadable: true,
    description: "Inbound messages per second per session (architecture 10 default 200). Upper bound 100000 chosen.",
  },
  {
    key: "network.rate.outbound.max_msgs_per_sec",
    type: "integer",
    default: 200,
    minimum: 1,
    maximum: 100_000,
    reloadable: true,
    description: "Outbound messages per second per session (architecture 10 default 200). Upper bound 100000 chosen.",
  },
  {
    key: "dos.difficulty.base_bits",
    type: "integer",
    default: 12,
    minimum: 1,
    maximum: 32,
    reloadable: true,
    description:
      "Puzzle difficulty (leading zero bits of SHA-256) when there is no pressure; at most dos.difficulty.max_bits. Default chosen (architecture 14 gives none): 12 bits, about 4k hashes.",
  },
  {
    key: "dos.difficulty.max_bits",
    type: "integer",
    default: 22,
    minimum: 1,
    maximum: 32,
    reloadable: true,
    description:
      "Ceiling of the adaptive puzzle difficulty. Default chosen (architecture 14 gives none): 22 bits, about 4M hashes, seconds in a browser worker.",
  },
  {
    key: "dos.difficulty.decay_ms",
    type: "integer",
    default: 60_000,
    minimum: 1_000,
    maximum: 86_400_000,
    reloadable: true,
    description: "Quiet time after which raised difficulty steps back down. Default chosen (architecture 14 gives none): 60 s.",
  },
  {
    key: "integrity.start.delay_ms",
    type: "integer",
    default: 3_000,
    minimum: 0,
    maximum: 600_000,
    reloadable: false,
    description:
      "How long after start the integrity check at rest waits before it scans the store (ADR 0018, amended by ADR 0034), so opening costs nothing per stored envelope; anything that needs its result starts it at once. Default chosen: 3 s.",
  },
  {
    key: "dos.puzzle.ttl_ms",
    type: "integer",
    default: 30_000,
    minimum: 1_000,
    maximum: 600_000,
    reloadable: true,
    description:
      "Lifetime of an issued puzzle; later solutions fail with ERR_RESOURCE_PUZZLE_FAILED. Default chosen (architecture 14 gives none): 30 s.",
  },
  {
    key: "graph.pending.max_envelopes",
    type: "integer",
    default: 10_000,
    minimum: 1,
    maximum: 1_000_000,
    // The pending set is sized when the Graph manager starts.
    reloadable: false,
    description:
      "Envelopes waiting for a missing prev or dep (DESIGN §4 rule 2: a bounded pending set). Default 10000 chosen; applies at the next start.",
  },
  {
    key: "auth.token.ttl_ms",
    type: "integer",
    default: 86_400_000,
    minimum: 60_000,
    maximum: 2_592_000_000,
    reloadable: true,
    description: "Lifetime of a session token. Default 24 h from architecture 04.",
  },
  {
    key: "auth.registration.max_skew_ms",
    type: "integer",
    default: 300_000,
    minimum: 1_000,
    maximum: 3_600_000,
    reloadable: true,
    description: "Largest clock skew a signed registration may show. Default 5 min from architecture 04.",
  },
  {
    key: "auth.registration.nonce_ttl_ms",
    type: "integer",
    default: 600_000,
    minimum: 1_000,
    maximum: 86_400_000,
    reloadable: true,
    description: "How long a registration nonce is remembered against replay. Default 10 min from architecture 04.",
  },
  {
    key: "graph.read.max_limit",
    type: "integer",
    default: 1_000,
    minimum: 1,
    maximum: 10_000,
    reloadable: true,
    description: "Largest page a graph read may ask for. Default 1000 chosen (architecture gives no read budget).",
  },
  {
    key: "storage.budget.max_envelopes",
    type: "integer",
    default: 250_000,
    minimum: 1,
    maximum: 100_000_000,
    reloadable: true,
    description: "Envelopes the node database may hold before writes are refused (data-security D8 proposal: 250k rows).",
  },
  {
    key: "storage.budget.max_bytes",
    type: "integer",
    default: 512 * MIB,
    minimum: MIB,
    maximum: 64 * 1024 * MIB,
    reloadable: true,
    description:
      "Bytes the node database may hold before writes are refused (data-security D8 proposal: 512 MiB). Bounds chosen: 1 MiB .. 64 GiB.",
  },
  {
    key: "event.queue.per_subscriber",
    type: "integer",
    default: 256,
    minimum: 1,
    maximum: 65_536,
    reloadable: true,
    description:
      "Undelivered events held per subscriber before it is dropped with buffer_overflow (architecture 11 queue.per_connection; default 256 chosen).",
  },
  {
    key: "log.query.max_limit",
    type: "integer",
    default: 1_000,
    minimum: 1,
    maximum: 1_000,
    reloadable: true,
    description: "Largest page an audit-log query may ask for (interfaces audit/logs: limit 1-1000).",
  },
] as const satisfies readonly ConfigKeySpec[];

type Registered = (typeof CONFIG_KEYS)[number];
export type ConfigKey = Registered["key"];

type ValueOf<S extends ConfigKeySpec> = S["type"] extends "string" ? string : S["type"] extends "boolean" ? boolean : number;

/** The value type of every registered key: `get("dos.puzzle.ttl_ms")` is a number. */
export type ConfigValues = { readonly [S in Registered as S["key"]]: ValueOf<S> };

/** The keys whose value is a number (integer or not). */
export type NumericConfigKey = { [K in ConfigKey]: ConfigValues[K] extends number ? K : never }[ConfigKey];

/** Cross-key rules (architecture 10: "min<=max; bad -> startup failure"): `lesser` <= `greater`. */
export const CONFIG_RELATIONS: readonly { readonly lesser: NumericConfigKey; readonly greater: NumericConfigKey }[] = [
  { lesser: "dos.difficulty.base_bits", greater: "dos.difficulty.max_bits" },
  { lesser: "network.envelope.max_bytes", greater: "network.buffer.inbound.max_bytes" },
  { lesser: "network.envelope.max_bytes", greater: "network.buffer.outbound.max_bytes" },
];

const SPECS: ReadonlyMap<string, ConfigKeySpec> = new Map(CONFIG_KEYS.map((spec) => [spec.key, spec]));

export function configKeySpec(key: string): ConfigKeySpec | undefined {
  return SPECS.get(key);
}

export function isConfigKey(key: string): key is ConfigKey {
  return SPECS.has(key);
}

export function isImmutableKey(key: ConfigKey): boolean {
  return key.startsWith(IMMUTABLE_NAMESPACE);
}

/** The registry defaults, as one frozen record. */
export const CONFIG_DEFAULTS: ConfigValues = Object.freeze(
  Object.fromEntries(CONFIG_KEYS.map((spec) => [spec.key, spec.default])),
) as ConfigValues;
