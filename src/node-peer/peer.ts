// A headless node in Node.js (issue 18): the same core, its three databases in SQLite files under a
// data directory (ADR 0022, ADR 0028): the node database, the keys and the audit log, each its own
// file as DESIGN D5 asks, so a restart is the same node with the same audit chain. Keys use the noble
// engine: a seed can be written to a file (mode 0600), a non-extractable CryptoKey cannot. A history
// whose key file is gone is still refused (ERR_MNG_KEY_DATABASE_LOST, ADR 0018), never re-keyed.
import { createReadStream, mkdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { createNode, err, fromBase64url, ok, type JsonValue, type Result, type TwoWayNode } from "../core/index.ts";
import { BUILT_IN_PACKAGES } from "../../workers/built-in-packages.generated.ts";
import { createSqliteKeyDatabase, createSqliteLogDatabase, SqliteStorage } from "./storage/index.ts";

export type PeerOptions = {
  /** Holds node.sqlite (and its -wal, -shm); made if missing. */
  readonly dataDir: string;
  readonly name?: string;
  /** Ephemeral config values above the persisted ones (tests: low puzzle difficulty). */
  readonly config?: Readonly<Record<string, JsonValue>>;
  /** The node database's budgets (the node's own `storage.budget.*` keys, checked by its config manager). */
  readonly budget?: StorageBudget;
  /** The node database to use (default: node.sqlite in dataDir); the caller keeps it to read its usage. */
  readonly storage?: SqliteStorage;
};

export type StorageBudget = { readonly maxBytes?: number | undefined; readonly maxEnvelopes?: number | undefined };

/** What the node database holds against its budgets, for the status report (counts only). */
export type StorageUsage = { readonly envelopes: number; readonly maxEnvelopes: number; readonly bytes: number; readonly maxBytes: number };

export const NODE_DATABASE_FILE = "node.sqlite";
export const KEY_DATABASE_FILE = "keys.sqlite";
export const LOG_DATABASE_FILE = "log.sqlite";

/** The peer's node database file in `dataDir`, not opened yet (startPeer opens it). */
export function peerStorage(dataDir: string): SqliteStorage {
  return new SqliteStorage(join(dataDir, NODE_DATABASE_FILE));
}

/**
 * The budgets are the browser's own (ADR 0032): `storage.budget.max_bytes` and `max_envelopes`, which
 * every commit checks (ERR_MNG_STORAGE_BUDGET_EXCEEDED, nothing of the refused envelope written).
 */
function budgetConfig(budget: StorageBudget | undefined): Record<string, JsonValue> {
  return {
    ...(budget?.maxBytes === undefined ? {} : { "storage.budget.max_bytes": budget.maxBytes }),
    ...(budget?.maxEnvelopes === undefined ? {} : { "storage.budget.max_envelopes": budget.maxEnvelopes }),
  };
}

export function storageUsage(node: TwoWayNode, storage: SqliteStorage): StorageUsage {
  const values = node.config.snapshot().values;
  return {
    envelopes: storage.globalSeq,
    maxEnvelopes: values["storage.budget.max_envelopes"],
    bytes: storage.storedBytes,
    maxBytes: values["storage.budget.max_bytes"],
  };
}

export async function startPeer(options: PeerOptions): Promise<Result<TwoWayNode>> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const config = { ...options.config, ...budgetConfig(options.budget) };
  return createNode({
    name: options.name ?? "peer",
    idb: { indexedDB: new IDBFactory(), IDBKeyRange },
    storage: options.storage ?? peerStorage(options.dataDir),
    keyDatabase: () => createSqliteKeyDatabase(join(options.dataDir, KEY_DATABASE_FILE)),
    logDatabase: () => createSqliteLogDatabase(join(options.dataDir, LOG_DATABASE_FILE)),
    engine: "noble",
    // The built-in apps of this release, trusted by digest as in the browser (ADR 0015): the peer
    // validates their envelopes by the same schemas, so it can hold and serve them.
    pinnedPackageDigests: BUILT_IN_PACKAGES.map((pkg) => pkg.digest),
    ...(Object.keys(config).length === 0 ? {} : { config }),
  });
}

/**
 * Ingests envelope texts (an array, or the lines of a file as they are read) in batches, one write
 * transaction each, holding one batch at a time; blank lines are skipped. Counts outcomes by status,
 * errors as "refused".
 */
export async function ingestAll(
  node: TwoWayNode,
  texts: Iterable<string> | AsyncIterable<string>,
  batchSize = 100,
): Promise<Readonly<Record<string, number>>> {
  const counts: Record<string, number> = {};
  let batch: string[] = [];
  const flush = async () => {
    for (const outcome of await node.ingestMany(batch)) {
      const key = outcome.ok ? outcome.value.status : "refused";
      counts[key] = (counts[key] ?? 0) + 1;
    }
    batch = [];
  };
  for await (const text of texts) {
    if (text.trim() === "") continue;
    batch.push(text);
    if (batch.length === batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return counts;
}

/** The lines of a file, read as a stream (a file of 100k envelopes is never in memory at once). */
export function fileLines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
}

/** Installs the built-in apps the node lacks (not those removed on purpose); returns how many it installed. */
export async function installBuiltIns(node: TwoWayNode): Promise<Result<number>> {
  const installed = new Set((await node.apps.list()).map((app) => app.slug));
  let count = 0;
  for (const pkg of BUILT_IN_PACKAGES) {
    if (installed.has(pkg.slug)) continue;
    const result = await node.apps.installPackage(fromBase64url(pkg.zip)!, pkg.signature);
    if (!result.ok) return err(result.error);
    count += 1;
  }
  return ok(count);
}
