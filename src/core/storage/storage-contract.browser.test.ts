// The storage contract on Dexie over Chromium's real IndexedDB (vitest browser mode): one database
// name per test, since the browser run shares one IndexedDB.
import { describe } from "vitest";
import { assert } from "../shared/assert.ts";
import { platformIdb } from "../shared/idb.ts";
import { uniqueName } from "../shared/test-support/idb.ts";
import { StorageManager } from "./index.ts";
import { runIntegrityContract } from "./test-support/integrity-contract.ts";
import { runStorageContract } from "./test-support/storage-contract.ts";

describe("Dexie on the browser's IndexedDB", () => {
  const make = () => {
    const idb = platformIdb();
    assert(idb !== undefined, "the browser suite runs where IndexedDB exists");
    return Promise.resolve(new StorageManager(uniqueName("contract"), idb));
  };
  runStorageContract(make);
  runIntegrityContract(make);
});
