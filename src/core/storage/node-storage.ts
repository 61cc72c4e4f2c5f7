// The node database's port (STYLE principles 2 and 4): what the managers need from whichever adapter
// holds it. Dexie over IndexedDB here (StorageManager), SQLite in Node.js (src/node-peer/storage/, ADR
// 0022); each passes runStorageContract, so the managers cannot tell them apart.
import type { IntegrityStore } from "./integrity-store.ts";
import type { StorageManager } from "./storage-manager.ts";

/** IntegrityStore's public surface: the integrity check's scans and its one repair transaction (ADR 0018). */
export type IntegrityPort = { readonly [K in keyof IntegrityStore]: IntegrityStore[K] };

/** StorageManager's public surface, which an adapter offers with the same semantics (the contract suite). */
export type NodeStorage = { readonly [K in Exclude<keyof StorageManager, "integrity">]: StorageManager[K] } & {
  readonly integrity: IntegrityPort;
};
