// Network manager: sync sessions over a transport (DESIGN §3, D7), and the transport port.
export {
  startSession,
  type SessionOptions,
  type SessionState,
  type SessionStatus,
  type SyncNodePorts,
  type SyncSession,
} from "./session.ts";
export * from "./transport/index.ts";
