// The storage contract on SQLite (better-sqlite3, ADR 0022), the node database of a node in Node.js:
// one file per test in a directory of its own, removed at the end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe } from "vitest";
import { SqliteStorage } from "../../node-peer/storage/index.ts";
import { uniqueName } from "../shared/test-support/idb.ts";
import { runIntegrityContract } from "./test-support/integrity-contract.ts";
import { runStorageContract } from "./test-support/storage-contract.ts";

describe("SQLite in Node.js", () => {
  const dir = mkdtempSync(join(tmpdir(), "twoway-contract-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const make = () => Promise.resolve(new SqliteStorage(join(dir, `${uniqueName("contract")}.sqlite`)));
  runStorageContract(make);
  runIntegrityContract(make);
});
