// Blocks a database the way another program would (ADR 0017 tests): a second connection opens it
// at a higher version and keeps its upgrade transaction alive, so the node's connection is closed
// and every reopen waits. release() aborts the upgrade: the database is left exactly as it was.
import type { IdbEnvironment } from "../idb.ts";

export type LogBlocker = { release(): Promise<void> };

export function blockDatabase(idb: IdbEnvironment, databaseName: string): Promise<LogBlocker> {
  return new Promise((resolve, reject) => {
    let released = false;
    let settled: (() => void) | undefined;
    // Dexie declares version 1 as IndexedDB version 10; any higher one is an upgrade.
    const request = idb.indexedDB.open(databaseName, 10_000);
    request.onupgradeneeded = () => {
      const tx = request.transaction!;
      const store = tx.objectStore("records");
      // A transaction lives while it has requests: one after another until release().
      const spin = () => {
        if (released) return tx.abort();
        store.count().onsuccess = spin;
      };
      spin();
      resolve({
        release: () => {
          released = true;
          return new Promise<void>((done) => (settled = done));
        },
      });
    };
    // The aborted upgrade ends the open with an AbortError: the blocker is gone.
    request.onerror = (event) => {
      event.preventDefault();
      if (settled !== undefined) settled();
      else reject(request.error ?? new Error("blocker failed"));
    };
    request.onsuccess = () => reject(new Error("the blocker's upgrade was not held"));
  });
}
