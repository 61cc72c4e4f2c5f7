// Health manager (architecture 13): per-manager states and the node's readiness, as frozen snapshots.
export {
  createHealthManager,
  isManagerState,
  MANAGER_STATES,
  MAX_DETAIL_CHARS,
  type HealthManager,
  type HealthSnapshot,
  type ManagerHealth,
  type ManagerState,
} from "./health-manager.ts";
