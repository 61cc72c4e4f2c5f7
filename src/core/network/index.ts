// Network manager: sync sessions over a transport (DESIGN §3, D7), and the transport port.
export type { SyncNodePorts } from "./ports.ts";
export {
  startSession,
  type SessionOptions,
  type SessionState,
  type SessionStatus,
  type SyncSession,
} from "./session.ts";
export { createSyncPorts, syncRejectionEntry, type SyncPortsDeps } from "./sync-ports.ts";
export * from "./transport/index.ts";
