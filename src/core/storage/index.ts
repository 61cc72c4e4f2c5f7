// Storage: every IndexedDB database the node keeps (DESIGN D5), and the only module that touches Dexie.
// The node database (StorageManager); the key and log databases, kept separate as D5 requires, whose
// rows only their managers interpret; the worker's store of installed package bytes.
export { AbortWrite, StorageManager, type Budgets, type CommitPlan, type StubPlan } from "./storage-manager.ts";
export type { IntegrityPort, NodeStorage } from "./node-storage.ts";
export type { WriteTx } from "./write-tx.ts";
export type { IntegrityRepair, IntegrityStore, SequenceRepair } from "./integrity-store.ts";
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
  QuarantineRow,
  StubRow,
  VersionRow,
  Winner,
} from "./rows.ts";
export { createKeyDatabase, keyDatabaseName, KEY_DATABASE_PREFIX, type KeyDatabase, type KeyRow } from "./key-database.ts";
export {
  createLogDatabase,
  logDatabaseName,
  LOG_DATABASE_PREFIX,
  type LogDatabase,
  type LogIndexedField,
  type LogRow,
  type NewestFirstQuery,
} from "./log-database.ts";
export { openPackageDatabase, type PackageDatabase, type StoredPackage } from "./package-database.ts";
export { isStorageFailure } from "./storage-failure.ts";
