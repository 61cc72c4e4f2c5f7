// Shape checks for a submitted audit entry (architecture 12: validate before anything is written).
// Pure: returns a frozen, deep-copied entry or ERR_MNG_LOG_RECORD_INVALID with a stable reason.
import { nodeError, isErrorCode } from "../shared/errors.ts";
import { tryCanonicalize } from "../shared/canonical-json.ts";
import { utf8ByteLength } from "../shared/bytes.ts";
import { parseEnvelopeId, parseIdentityId } from "../shared/ids.ts";
import { isJsonObject, type JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isAppName, isTraceId } from "../wire/index.ts";
import { AUDIT_KINDS, AUDIT_LIMITS, type AuditEntry, type AuditKind } from "./types.ts";

const ENTRY_FIELDS = ["kind", "traceId", "code", "actor", "app", "envelopeId", "globalSeq", "message", "data"] as const;

export function isAuditKind(value: unknown): value is AuditKind {
  return typeof value === "string" && (AUDIT_KINDS as readonly string[]).includes(value);
}

function invalid(field: string, reason: string, message: string) {
  return err(nodeError("ERR_MNG_LOG_RECORD_INVALID", `audit entry ${field}: ${message}`, { reason, field }));
}

const nullOr = (value: unknown, check: (v: unknown) => boolean) => value === null || check(value);

/** Deep-freezes a JSON value that was just parsed, so nobody can edit a record after it is hashed. */
function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

export function checkAuditEntry(input: unknown): Result<AuditEntry> {
  if (!isJsonObject(input)) return invalid("entry", "expected_object", "expected a plain object");
  const entry = input as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!(ENTRY_FIELDS as readonly string[]).includes(key)) return invalid(key, "unknown_field", "is not an audit entry field");
  }
  for (const key of ENTRY_FIELDS) {
    if (!Object.hasOwn(entry, key) || entry[key] === undefined) return invalid(key, "missing_field", "is required (use null for none)");
  }
  if (!isAuditKind(entry.kind)) return invalid("kind", "invalid_kind", "is not an audit kind");
  if (!nullOr(entry.traceId, isTraceId)) return invalid("traceId", "invalid_trace_id", "must match the envelope trace_id grammar");
  if (!nullOr(entry.code, (v) => typeof v === "string" && isErrorCode(v)))
    return invalid("code", "invalid_code", "is not a registered error code");
  if (!nullOr(entry.actor, (v) => parseIdentityId(v) !== undefined)) return invalid("actor", "invalid_actor", "is not an identity id");
  if (!nullOr(entry.app, (v) => typeof v === "string" && isAppName(v))) return invalid("app", "invalid_app", "is not an app name");
  if (!nullOr(entry.envelopeId, (v) => parseEnvelopeId(v) !== undefined))
    return invalid("envelopeId", "invalid_envelope_id", "is not an envelope id");
  // 0 is the head of a node that has accepted nothing yet (e.g. node_started on a fresh node).
  if (!nullOr(entry.globalSeq, (v) => Number.isSafeInteger(v) && (v as number) >= 0)) {
    return invalid("globalSeq", "invalid_global_seq", "must be a non-negative safe integer");
  }
  const message = entry.message;
  if (typeof message !== "string" || tryCanonicalize(message).ok === false)
    return invalid("message", "invalid_message", "must be well-formed text");
  if (message.length > AUDIT_LIMITS.maxMessageChars)
    return invalid("message", "message_too_long", `is over ${AUDIT_LIMITS.maxMessageChars} characters`);
  if (!isJsonObject(entry.data)) return invalid("data", "invalid_data", "must be a plain JSON object");
  const data = tryCanonicalize(entry.data);
  if (!data.ok) return invalid("data", "invalid_data", `is not JSON (${String(data.error.data.reason)})`);
  if (utf8ByteLength(data.value) > AUDIT_LIMITS.maxDataBytes)
    return invalid("data", "data_too_large", `is over ${AUDIT_LIMITS.maxDataBytes} canonical bytes`);
  return ok(
    Object.freeze({
      kind: entry.kind,
      traceId: entry.traceId as string | null,
      code: entry.code as AuditEntry["code"],
      actor: entry.actor as AuditEntry["actor"],
      app: entry.app as string | null,
      envelopeId: entry.envelopeId as AuditEntry["envelopeId"],
      globalSeq: entry.globalSeq as number | null,
      message,
      // A copy through its canonical text: later edits by the caller cannot reach the record.
      data: deepFreeze(JSON.parse(data.value) as Readonly<Record<string, JsonValue>>),
    }),
  );
}
