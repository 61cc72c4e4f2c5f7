// Log manager (architecture 12): the audit log, an append-only hash chain in its own database,
// anchored by checkpoints signed with the node key (ADR 0017).
export { createLogManager, VERIFY_BATCH, type LogManager, type LogManagerOptions } from "./log-manager.ts";
export { checkAuditEntry, isAuditKind } from "./audit-entry.ts";
export { recordHash } from "./audit-chain.ts";
export { describeBreak, type ChainReport, type RepairSummary } from "./chain-repair.ts";
export type { ChainBreak, LogAnchor, SignedCheckpoint } from "./checkpoint.ts";
export { REJECTION_LIMITS } from "./rejection-counter.ts";
export { logDatabaseName, LOG_DATABASE_PREFIX } from "../storage/index.ts";
export {
  AUDIT_KINDS,
  AUDIT_LIMITS,
  DEFAULT_QUERY_LIMIT,
  GENESIS_HASH,
  MAX_QUERY_LIMIT,
  type AuditEntry,
  type AuditKind,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type ChainHead,
} from "./types.ts";
