// A headless node in Node.js (issue 18, first step): the same core, its node database in SQLite
// under a data directory (ADR 0022). No transport yet; the key and log databases are still in memory
// (fake-indexeddb), so a restart over a non-empty history finds no node key and is refused
// (ERR_MNG_KEY_DATABASE_LOST, ADR 0018) until the key database is on disk too.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { createNode, type Result, type TwoWayNode } from "../core/index.ts";
import { SqliteStorage } from "./storage/index.ts";

export type PeerOptions = {
  /** Holds node.sqlite (and its -wal, -shm); made if missing. */
  readonly dataDir: string;
  readonly name?: string;
};

export const NODE_DATABASE_FILE = "node.sqlite";

export async function startPeer(options: PeerOptions): Promise<Result<TwoWayNode>> {
  mkdirSync(options.dataDir, { recursive: true });
  return createNode({
    name: options.name ?? "peer",
    idb: { indexedDB: new IDBFactory(), IDBKeyRange },
    storage: new SqliteStorage(join(options.dataDir, NODE_DATABASE_FILE)),
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
