// Network manager: sync sessions over a transport (DESIGN §3, D7), and the transport port.
export type { SyncNodePorts } from "./ports.ts";
export { startSession } from "./session.ts";
export type { SessionOptions, SessionState, SessionStatus, SyncSession } from "./session-types.ts";
export { createSyncPorts, syncRejectionEntry, type SyncPortsDeps } from "./sync-ports.ts";
export * from "./transport/index.ts";
