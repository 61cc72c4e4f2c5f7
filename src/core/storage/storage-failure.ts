// Tells a failure of the storage layer (IndexedDB or Dexie: quota, a closed or deleted database, a
// constraint, an aborted transaction) from a bug, so managers can report the first as data (STYLE).
import Dexie from "dexie";

export function isStorageFailure(cause: unknown): cause is Error {
  return cause instanceof Dexie.DexieError || cause instanceof DOMException;
}
