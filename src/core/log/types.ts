// The audit log's plain-data shapes (architecture 12, DESIGN D5: logs in their own database with a
// hash chain). Types and constants only.
import type { ErrorCode } from "../shared/errors.ts";
import type { EnvelopeId, IdentityId } from "../shared/ids.ts";
import type { JsonValue } from "../shared/json.ts";

export const AUDIT_KINDS = [
  "write_accepted",
  "write_rejected",
  "ingest_accepted",
  /**
   * One committed batch of remote acceptances (ADR 0033): global_seq from..to, the count, and a SHA-256
   * over the accepted ids in seq order, so the chain still proves each acceptance (ADR 0017).
   */
  "ingest_accepted_range",
  "ingest_rejected",
  "ingest_pending",
  /** A link held without its content (wire profile v2, ADR 0013). */
  "ingest_stub",
  /** A peer's frame, package or hello refused by a sync session (ADR 0011). */
  "sync_rejected",
  "app_installed",
  "app_state_changed",
  "identity_created",
  "config_updated",
  "node_started",
  /** Stored rows disagreed with the envelopes, or an envelope's text stopped verifying (ADR 0018). */
  "integrity_repaired",
  /** Write-ahead (ADR 0017): written before a graph transaction that may commit; none commits without it. */
  "write_intent",
  /** Commits whose outcome records the log could not take, named afterwards from the graph (ADR 0017). */
  "write_reconciled",
  /** Rejections of one kind, source and code folded into one count per window (ADR 0017). */
  "rejections_counted",
  /** A signed repair: what no longer verified, and that it was kept aside rather than trusted (ADR 0017). */
  "chain_repaired",
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** What a manager submits. Nulls, not absent fields, so every record hashes the same fields. */
export type AuditEntry = {
  readonly kind: AuditKind;
  readonly traceId: string | null;
  readonly code: ErrorCode | null;
  readonly actor: IdentityId | null;
  readonly app: string | null;
  readonly envelopeId: EnvelopeId | null;
  readonly globalSeq: number | null;
  readonly message: string;
  readonly data: Readonly<Record<string, JsonValue>>;
};

/** An accepted record: immutable, never updated or deleted (architecture 12). */
export type AuditRecord = AuditEntry & {
  readonly seq: number;
  /** ISO 8601 UTC time of recording, from the injected clock. */
  readonly at: string;
  /** `hash` of the record at seq - 1, or GENESIS_HASH for seq 1. */
  readonly prevHash: string;
  /** base64url(SHA-256(JCS(record without `hash`))). */
  readonly hash: string;
};

export type AuditQuery = {
  readonly kind?: AuditKind | readonly AuditKind[];
  readonly code?: ErrorCode;
  readonly app?: string;
  readonly traceId?: string;
  /** 1..maxQueryLimit, default 100. */
  readonly limit?: number;
  /** Only records with a smaller seq: the `nextBeforeSeq` of the previous page. */
  readonly beforeSeq?: number;
};

export type AuditPage = { readonly records: readonly AuditRecord[]; readonly nextBeforeSeq: number | null };

export type ChainHead = { readonly length: number; readonly head: string };

/** The `prevHash` of seq 1: 43 `A`s, the base64url text of 32 zero bytes. */
export const GENESIS_HASH = "A".repeat(43);

/** Limits on one entry (interfaces audit/logs: data ≤ 4096 B). */
export const AUDIT_LIMITS = {
  maxMessageChars: 512,
  maxDataBytes: 4096,
  maxTraceIdChars: 128,
} as const;

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;
