// The storage contract on Dexie over fake-indexeddb: in Node (and, under the browser config, inside
// Chromium too), each database on its own fresh factory. The real IndexedDB run is the .browser file.
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { describe } from "vitest";
import { uniqueName } from "../shared/test-support/idb.ts";
import { StorageManager } from "./index.ts";
import { runIntegrityContract } from "./test-support/integrity-contract.ts";
import { runStorageContract } from "./test-support/storage-contract.ts";

describe("Dexie on fake-indexeddb", () => {
  const make = () => Promise.resolve(new StorageManager(uniqueName("contract"), { indexedDB: new IDBFactory(), IDBKeyRange }));
  runStorageContract(make);
  runIntegrityContract(make);
});
