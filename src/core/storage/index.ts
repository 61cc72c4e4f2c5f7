// Storage manager: the node database (DESIGN D5). The only module that touches its IndexedDB.
export { AbortWrite, StorageManager, type Budgets, type CommitPlan, type StubPlan } from "./storage-manager.ts";
export type { WriteTx } from "./write-tx.ts";
export type {
  AppRow,
  AppState,
  CursorRow,
  EnvelopeRow,
  EnvelopeStatus,
  ForkRow,
  IdentityRow,
  ObjectRow,
  PendingRow,
  StubRow,
  VersionRow,
  Winner,
} from "./rows.ts";
