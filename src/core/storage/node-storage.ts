// The node database's port (STYLE principles 2 and 4): what the managers need from whichever adapter
// holds it. Dexie over IndexedDB here (StorageManager), SQLite in Node.js (src/node-peer/storage/, ADR
// 0022); each passes runStorageContract, so the managers cannot tell them apart.
import type { StorageManager } from "./storage-manager.ts";

/** StorageManager's public surface, which an adapter offers with the same semantics (the contract suite). */
export type NodeStorage = { readonly [K in keyof StorageManager]: StorageManager[K] };
