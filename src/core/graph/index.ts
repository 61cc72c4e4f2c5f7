// Graph manager: the single write path, reads, and the state digest (public design 07).
export { GraphManager, type Author, type IngestOutcome, type IngestSource, type WriteRequest } from "./graph-manager.ts";
export { checkReadRequest, readGraph, type GraphReadRequest, type GraphReadResult, type GraphRow, type ReadFilter } from "./reads.ts";
export { deviceKeyBindings } from "./device-keys.ts";
export { stateDigest, type DigestScope, type StateDigest } from "./state-digest.ts";
export type { AuditSink, CommitListener, GraphLimits, GraphPorts, GraphStorage, SchemaRegistry } from "./ports.ts";
export { IntegrityChecker, INTEGRITY_CODE, type IntegrityReport } from "./integrity-check.ts";
export { deferredCheck, type DeferredCheck } from "./deferred-check.ts";
export { acceptedIdsHash } from "./audit-entries.ts";
