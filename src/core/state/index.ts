// State manager: sync cursors, package export and atomic package acceptance (public design 09).
export {
  StateManager,
  type HavePackage,
  type PreparedPackage,
  type SessionPeer,
  type StatePorts,
  type SyncPackage,
} from "./state-manager.ts";
