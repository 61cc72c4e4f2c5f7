// The error registry: every code the node can return, its category and, for protocol codes, the
// validation stage that owns it (public design 01-protocol/10, 04-interfaces/04-error-model).
// Errors are plain data `{ code, category, message, data }` (DESIGN D6); build them only with nodeError().

export const ERROR_CATEGORIES = [
  "structural",
  "schema",
  "acl",
  "storage",
  "state",
  "config",
  "auth",
  "network",
  "dos",
  "internal",
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Protocol stages in precedence order: the earliest failing stage decides the single code (D6). */
export const STAGES = {
  structural: 1,
  cryptographic: 2,
  schema: 3,
  authorization: 4,
  sync: 5,
  resource: 6,
} as const;
export type Stage = keyof typeof STAGES;

type ProtocolEntry = { readonly stage: Stage; readonly category: ErrorCategory; readonly message: string };

/** protocol 01-protocol/10 §2.2: the registry. Never invent codes outside this table and the ones below. */
export const PROTOCOL_ERRORS = {
  ERR_STRUCT_MISSING_FIELD: { stage: "structural", category: "structural", message: "A required field is missing." },
  ERR_STRUCT_INVALID_TYPE: {
    stage: "structural",
    category: "structural",
    message: "A field has the wrong type, or the structure is not supported.",
  },
  ERR_STRUCT_INVALID_ENCODING: { stage: "structural", category: "structural", message: "The input is not validly or canonically encoded." },
  ERR_STRUCT_INVALID_IDENTIFIER: {
    stage: "structural",
    category: "structural",
    message: "An identifier is malformed or breaks namespace rules.",
  },
  ERR_CRYPTO_INVALID_SIGNATURE: {
    stage: "cryptographic",
    category: "auth",
    message: "The signature does not verify over the signed bytes.",
  },
  // Wire profile v2 (ADR 0013): full content whose digest is not the one its signed link names.
  ERR_CRYPTO_DIGEST_MISMATCH: {
    stage: "cryptographic",
    category: "auth",
    message: "The content does not match the digest its signed link names.",
  },
  ERR_CRYPTO_MISSING_AUTHOR: { stage: "cryptographic", category: "auth", message: "No author or sender identity is named." },
  ERR_CRYPTO_KEY_NOT_BOUND: { stage: "cryptographic", category: "auth", message: "The signing key is not bound to the declared identity." },
  ERR_CRYPTO_AUTHOR_MISMATCH: { stage: "cryptographic", category: "auth", message: "The signing identity is not the declared author." },
  ERR_CRYPTO_KEY_REVOKED: { stage: "cryptographic", category: "auth", message: "The signing key is revoked." },
  ERR_SCHEMA_TYPE_NOT_ALLOWED: { stage: "schema", category: "schema", message: "The type is not allowed in this app or domain." },
  ERR_SCHEMA_INVALID_VALUE: { stage: "schema", category: "schema", message: "A value breaks the schema's constraints." },
  ERR_SCHEMA_EDGE_NOT_ALLOWED: { stage: "schema", category: "schema", message: "The schema does not allow this relation." },
  ERR_SCHEMA_IMMUTABLE_OBJECT: { stage: "schema", category: "schema", message: "The object is immutable." },
  ERR_SCHEMA_APPEND_ONLY_VIOLATION: { stage: "schema", category: "schema", message: "The domain is append-only." },
  ERR_AUTH_NOT_OWNER: {
    stage: "authorization",
    category: "acl",
    message: "Only the owner, or a holder of a grant, may write this object.",
  },
  ERR_AUTH_ACL_DENIED: { stage: "authorization", category: "acl", message: "Access is denied." },
  // DESIGN §4 rule 5 (ADR 0014): a revocation whose cut would withdraw its own causal past.
  ERR_AUTH_REVOCATION_CUT_INVALID: {
    stage: "authorization",
    category: "acl",
    message: "The revocation's cut reaches the revocation itself or its own causal past.",
  },
  ERR_AUTH_SCOPE_EXCEEDED: { stage: "authorization", category: "acl", message: "The key or capability is used beyond its grant." },
  ERR_AUTH_VISIBILITY_DENIED: { stage: "authorization", category: "acl", message: "The required context is not visible to the caller." },
  ERR_SYNC_RANGE_MISMATCH: { stage: "sync", category: "network", message: "The declared range does not match the package content." },
  ERR_SYNC_SEQUENCE_INVALID: {
    stage: "sync",
    category: "network",
    message: "The sequence regresses, overlaps or replays accepted history.",
  },
  ERR_SYNC_REWRITE_ATTEMPT: { stage: "sync", category: "network", message: "The package tries to rewrite accepted history." },
  ERR_SYNC_MISSING_DEPENDENCY: { stage: "sync", category: "network", message: "A required object or earlier range is missing." },
  ERR_SYNC_DOMAIN_VIOLATION: { stage: "sync", category: "network", message: "The package crosses a disallowed domain boundary." },
  ERR_RESOURCE_RATE_LIMIT: { stage: "resource", category: "dos", message: "A rate limit was exceeded." },
  ERR_RESOURCE_PEER_LIMIT: { stage: "resource", category: "dos", message: "A per-peer limit was exceeded." },
  ERR_RESOURCE_PUZZLE_FAILED: { stage: "resource", category: "dos", message: "The client puzzle is missing, invalid or stale." },
} as const satisfies Record<string, ProtocolEntry>;
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

type InterfaceEntry = { readonly category: ErrorCategory; readonly message: string };

/** Manager codes normalize to the interface code of their category (04-error-model). */
const MANAGER_TO_INTERFACE: Readonly<Record<ErrorCategory, InterfaceErrorCode>> = {
  structural: "object_invalid",
  schema: "schema_validation_failed",
  acl: "acl_denied",
  storage: "storage_error",
  state: "app_not_found",
  config: "config_invalid",
  auth: "auth_invalid",
  network: "network_rejected",
  dos: "dos_challenge_required",
  internal: "internal_error",
};

/** 04-interfaces/04-error-model: canonical interface codes and the non-normalizable guard codes. */
export const INTERFACE_ERRORS = {
  envelope_invalid: { category: "structural", message: "The envelope is invalid." },
  object_invalid: { category: "structural", message: "The object is invalid." },
  identifier_invalid: { category: "structural", message: "The identifier is invalid." },
  schema_unknown_type: { category: "schema", message: "The type is unknown." },
  schema_validation_failed: { category: "schema", message: "Schema validation failed." },
  acl_denied: { category: "acl", message: "Access is denied." },
  storage_error: { category: "storage", message: "Storage failed." },
  sequence_error: { category: "storage", message: "The sequence is out of order or replayed." },
  config_invalid: { category: "config", message: "The configuration is invalid." },
  auth_required: { category: "auth", message: "Authentication is required." },
  auth_invalid: { category: "auth", message: "The credentials are invalid." },
  network_rejected: { category: "network", message: "The peer input was rejected." },
  dos_challenge_required: { category: "dos", message: "A client puzzle must be solved first." },
  app_not_found: { category: "state", message: "The app does not exist." },
  internal_error: { category: "internal", message: "An internal error occurred." },
  ERR_AUTH_SIGNATURE_INVALID: { category: "auth", message: "The request signature is invalid." },
  ERR_AUTH_REPLAY: { category: "auth", message: "The request was replayed." },
  ERR_AUTH_TOKEN_EXPIRED: { category: "auth", message: "The token has expired." },
  ERR_AUTH_TOKEN_REVOKED: { category: "auth", message: "The token was revoked." },
  ERR_CAPABILITY_REVOKED: { category: "acl", message: "The capability was revoked." },
  ERR_DEVICE_REVOKED: { category: "auth", message: "The device was revoked." },
  ERR_OBJECT_VERSION: { category: "state", message: "The object changed since it was read." },
  ERR_CONFIG_STALE: { category: "config", message: "The configuration changed since it was read." },
  ERR_SVC_APP_DISABLED: { category: "state", message: "The app is disabled." },
  // The person closed the shell's pick-a-contact dialog without choosing (DESIGN D9 consent).
  ERR_SVC_PICK_CANCELLED: { category: "state", message: "No contact was chosen." },
  // ADR 0017: the browser refused to store more (QuotaExceededError); nothing of the write was kept.
  ERR_STORAGE_QUOTA: { category: "storage", message: "This device has no room left for 2WAY's data." },
  // 04-interfaces/06-app-lifecycle register errors: checked before any app id or schema write.
  ERR_SVC_SYS_APP_SIGNATURE_INVALID: { category: "auth", message: "The app package signature is invalid." },
  ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED: { category: "auth", message: "The app publisher is not trusted on this node." },
  // ADR 0021: the recovery file (a sealed recovery key and the signed history) and restoring from it.
  ERR_RECOVERY_FILE_INVALID: { category: "structural", message: "This is not a recovery file, or it is damaged." },
  ERR_RECOVERY_PASSPHRASE_WRONG: { category: "auth", message: "The passphrase does not open this recovery file." },
  ERR_RECOVERY_PASSPHRASE_WEAK: { category: "structural", message: "The passphrase is too short." },
  ERR_RECOVERY_IDENTITY_CONFLICT: { category: "state", message: "This browser already holds another identity, or this one." },
  // ADR 0025: pairing a device (a code with its key and a one-time secret, and a confirm code).
  ERR_PAIRING_CODE_INVALID: { category: "structural", message: "This is not a pairing code, or it is damaged." },
  ERR_PAIRING_CONFIRM_MISMATCH: { category: "auth", message: "The confirm code does not match the other screen." },
  ERR_PAIRING_SECRET_USED: { category: "state", message: "This pairing code was used already." },
  // ADR 0031: a pairing code works for ten minutes.
  ERR_PAIRING_CODE_EXPIRED: { category: "state", message: "This pairing code has expired." },
} as const satisfies Record<string, InterfaceEntry>;
export type InterfaceErrorCode = keyof typeof INTERFACE_ERRORS;

/** 04-error-model manager codes `ERR_MNG_<MANAGER>_*`, by manager, with the category each surfaces as. */
const MANAGER_CODES = {
  CONFIG: ["config", ["SCHEMA_INVALID", "UPDATE_QUEUE_FULL", "PERSISTENCE_FAILED"]],
  STORAGE: ["storage", ["UNAVAILABLE", "MIGRATION_FAILED", "TX_ABORTED", "BUDGET_EXCEEDED", "INTEGRITY_VIOLATION"]],
  KEY: ["auth", ["NODE_KEY_MISSING", "SCOPE_KEY_MISSING", "BINDING_MISMATCH", "DATABASE_LOST"]],
  AUTH: ["auth", ["TOKEN_STORE_UNAVAILABLE", "ADMIN_GATE_DENIED", "CONTEXT_INCOMPLETE"]],
  SCHEMA: ["schema", ["TYPE_UNKNOWN", "VALIDATION_FAILED", "REGISTRY_UNAVAILABLE"]],
  ACL: ["acl", ["IDENTITY_MISSING", "POLICY_DENIED", "EVALUATION_UNAVAILABLE"]],
  GRAPH: ["structural", ["OPERATION_INVALID", "SEQUENCE_CONFLICT", "READ_BOUNDS_EXCEEDED", "PENDING_FULL"]],
  APP: ["state", ["SLUG_UNKNOWN", "REGISTRY_INCONSISTENT", "LOAD_REJECTED"]],
  STATE: ["storage", ["SEQUENCE_INVALID", "SYNC_CURSOR_CONFLICT", "OUTBOUND_ACL_UNAVAILABLE"]],
  NETWORK: ["network", ["ADMISSION_CLOSED", "CHALLENGE_TIMEOUT", "PEER_UNREACHABLE"]],
  EVENT: ["network", ["SUBSCRIPTION_REJECTED", "BUFFER_OVERFLOW", "RESUME_TOKEN_INVALID"]],
  LOG: ["internal", ["RECORD_INVALID", "MANDATORY_SINK_UNAVAILABLE", "BACKPRESSURE_ACTIVE", "UNAVAILABLE", "CHAIN_BROKEN"]],
  HEALTH: ["internal", ["SIGNAL_INVALID", "DEPENDENCY_DEGRADED", "SNAPSHOT_UNAVAILABLE"]],
  DOS: ["dos", ["ADMISSION_DENIED", "CHALLENGE_REQUIRED", "PUZZLE_VERIFICATION_FAILED"]],
} as const satisfies Record<string, readonly [ErrorCategory, readonly string[]]>;

type ManagerCodes = typeof MANAGER_CODES;
export type ManagerErrorCode = {
  [M in keyof ManagerCodes]: `ERR_MNG_${M & string}_${ManagerCodes[M][1][number]}`;
}[keyof ManagerCodes];

/** Codes whose category differs from their manager's: a full pending set is a resource limit. */
const MANAGER_CATEGORY_OVERRIDES: Readonly<Record<string, ErrorCategory>> = {
  ERR_MNG_GRAPH_PENDING_FULL: "dos",
  ERR_MNG_GRAPH_SEQUENCE_CONFLICT: "storage",
  // ADR 0017: the node refuses writes while its audit log cannot write (fail closed).
  ERR_MNG_LOG_UNAVAILABLE: "storage",
};

const MANAGER_ERRORS: ReadonlyMap<string, ErrorCategory> = new Map(
  Object.entries(MANAGER_CODES).flatMap(([manager, [category, names]]) =>
    names.map((n) => [`ERR_MNG_${manager}_${n}`, MANAGER_CATEGORY_OVERRIDES[`ERR_MNG_${manager}_${n}`] ?? category] as const),
  ),
);

export type ErrorCode = ProtocolErrorCode | InterfaceErrorCode | ManagerErrorCode;

export type ErrorData = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

export type NodeError = {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly message: string;
  readonly data: ErrorData;
};

export function isProtocolErrorCode(code: string): code is ProtocolErrorCode {
  return Object.hasOwn(PROTOCOL_ERRORS, code);
}

function isManagerErrorCode(code: string): code is ManagerErrorCode {
  return MANAGER_ERRORS.has(code);
}

export function isErrorCode(code: string): code is ErrorCode {
  return isProtocolErrorCode(code) || Object.hasOwn(INTERFACE_ERRORS, code) || isManagerErrorCode(code);
}

function entryFor(code: ErrorCode): InterfaceEntry {
  if (isProtocolErrorCode(code)) return PROTOCOL_ERRORS[code];
  if (isManagerErrorCode(code))
    return { category: MANAGER_ERRORS.get(code)!, message: `The ${code.split("_")[2]!.toLowerCase()} manager refused the request.` };
  return INTERFACE_ERRORS[code];
}

/** The one way to build an error. `message` must be deterministic and safe to display. */
export function nodeError(code: ErrorCode, message?: string, data: ErrorData = {}): NodeError {
  const entry = entryFor(code);
  return { code, category: entry.category, message: message ?? entry.message, data };
}

/** The stage of a protocol code, for precedence decisions; interface codes have none. */
export function stageOf(code: ErrorCode): number | undefined {
  return isProtocolErrorCode(code) ? STAGES[PROTOCOL_ERRORS[code].stage] : undefined;
}

/** 04-error-model "protocol normalization": the interface code a protocol code surfaces as locally. */
export function interfaceCodeFor(code: ErrorCode): InterfaceErrorCode {
  if (isManagerErrorCode(code)) return MANAGER_TO_INTERFACE[MANAGER_ERRORS.get(code)!];
  if (!isProtocolErrorCode(code)) return code;
  if (code === "ERR_STRUCT_INVALID_IDENTIFIER") return "identifier_invalid";
  switch (PROTOCOL_ERRORS[code].stage) {
    case "structural":
      return "envelope_invalid";
    case "cryptographic":
      return "auth_invalid";
    case "schema":
      return code === "ERR_SCHEMA_TYPE_NOT_ALLOWED" ? "schema_unknown_type" : "schema_validation_failed";
    case "authorization":
      return "acl_denied";
    case "sync":
      return "sequence_error";
    case "resource":
      return "dos_challenge_required";
  }
}
