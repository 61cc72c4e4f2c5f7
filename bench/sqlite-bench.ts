// Node-kernel ingest with the node database on SQLite (ADR 0022), as the headless peer keeps it, beside
// the same ingest on fake-indexeddb (kernel-bench.ts has its other rates). SQLite commits with an fsync.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { createNode } from "../src/core/index.ts";
import { manualClock } from "../src/core/shared/clock.ts";
import { SqliteStorage } from "../src/node-peer/storage/index.ts";
import { must, notesCorpus } from "./notes-corpus.ts";

const rate = (count: number, ms: number) => (count * 1000) / ms;

export async function runSqliteBench(count: number): Promise<string> {
  const { pkg, notes } = await notesCorpus(count, { authorSeed: 7, title: (seq) => `Note ${seq}`, body: "Remember the milk. ".repeat(8) });
  const dir = mkdtempSync(join(tmpdir(), "twoway-bench-"));
  const lines = [`\nNode kernel ingest, node database on SQLite (WAL, synchronous=FULL) vs fake-indexeddb, ${count} envelopes`];
  try {
    let counter = 0;
    const fresh = async (onSqlite: boolean) => {
      const name = `bench-${++counter}`;
      const idb = { indexedDB: new IDBFactory(), IDBKeyRange };
      const storage = onSqlite ? { storage: new SqliteStorage(join(dir, `${name}.sqlite`)) } : {};
      const node = await must(createNode({ name, idb, clock: manualClock(), ...storage }));
      await must(node.apps.install(pkg));
      return { node, file: join(dir, `${name}.sqlite`) };
    };
    for (const onSqlite of [true, false]) {
      const label = onSqlite ? "SQLite" : "fake-indexeddb";
      const one = await fresh(onSqlite);
      let t = performance.now();
      for (const e of notes) await must(one.node.ingest(e.text));
      const singleMs = performance.now() - t;
      const batched = await fresh(onSqlite);
      t = performance.now();
      for (let i = 0; i < notes.length; i += 100)
        for (const r of await batched.node.ingestMany(notes.slice(i, i + 100).map((e) => e.text))) if (!r.ok) throw new Error(r.error.code);
      const batchMs = performance.now() - t;
      lines.push(`${`remote ingest, one per commit (${label})`.padEnd(50)}${rate(count, singleMs).toFixed(0).padStart(8)} envelopes/s`);
      lines.push(`${`remote ingest, batches of 100 (${label})`.padEnd(50)}${rate(count, batchMs).toFixed(0).padStart(8)} envelopes/s`);
      if (onSqlite) {
        const bytes = statSync(batched.file).size + statSync(`${batched.file}-wal`).size;
        lines.push(`  SQLite file and its WAL after ${count} envelopes: ${(bytes / 1024).toFixed(0)} KiB`);
      }
      await one.node.stop();
      await batched.node.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines.join("\n");
}
