// A headless node in Node.js (issue 18): the same core, its three databases in SQLite files under a
// data directory (ADR 0022, ADR 0028): the node database, the keys and the audit log, each its own
// file as DESIGN D5 asks, so a restart is the same node with the same audit chain. Keys use the noble
// engine: a seed can be written to a file (mode 0600), a non-extractable CryptoKey cannot. A history
// whose key file is gone is still refused (ERR_MNG_KEY_DATABASE_LOST, ADR 0018), never re-keyed.
import { mkdirSync } from "node:fs";
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
};

export const NODE_DATABASE_FILE = "node.sqlite";
export const KEY_DATABASE_FILE = "keys.sqlite";
export const LOG_DATABASE_FILE = "log.sqlite";

export async function startPeer(options: PeerOptions): Promise<Result<TwoWayNode>> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  return createNode({
    name: options.name ?? "peer",
    idb: { indexedDB: new IDBFactory(), IDBKeyRange },
    storage: new SqliteStorage(join(options.dataDir, NODE_DATABASE_FILE)),
    keyDatabase: () => createSqliteKeyDatabase(join(options.dataDir, KEY_DATABASE_FILE)),
    logDatabase: () => createSqliteLogDatabase(join(options.dataDir, LOG_DATABASE_FILE)),
    engine: "noble",
    // The built-in apps of this release, trusted by digest as in the browser (ADR 0015): the peer
    // validates their envelopes by the same schemas, so it can hold and serve them.
    pinnedPackageDigests: BUILT_IN_PACKAGES.map((pkg) => pkg.digest),
    ...(options.config === undefined ? {} : { config: options.config }),
  });
}

/** Ingests envelope texts in batches (one write transaction each); counts outcomes by status, errors as "refused". */
export async function ingestAll(node: TwoWayNode, texts: readonly string[], batchSize = 100): Promise<Readonly<Record<string, number>>> {
  const counts: Record<string, number> = {};
  for (let start = 0; start < texts.length; start += batchSize) {
    for (const outcome of await node.ingestMany(texts.slice(start, start + batchSize))) {
      const key = outcome.ok ? outcome.value.status : "refused";
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
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
