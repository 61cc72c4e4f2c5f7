// Initial sync between two in-memory nodes over the loopback transport (issue 5), beside the ingest
// rate of one node alone: the ratio is what sessions, packages and cursors cost on top of ingest.
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { createNode, manualClock, type TwoWayNode } from "../src/core/index.ts";
import { createLoopbackTransportPair } from "../src/core/network/index.ts";
import { notesCorpus } from "./notes-corpus.ts";

let counter = 0;
async function node(): Promise<TwoWayNode> {
  const created = await createNode({
    name: `sync-bench-${++counter}`,
    idb: { indexedDB: new IDBFactory(), IDBKeyRange },
    clock: manualClock(),
    config: { "dos.difficulty.base_bits": 8, "dos.difficulty.max_bits": 12 },
  });
  if (!created.ok) throw new Error(created.error.message);
  return created.value;
}

/**
 * A session from `a` to a `b` that lacks its history, over the loopback transport, until b's digest is
 * a's (bounded by rounds, not time): how long, whether it converged, and the bytes on the link.
 */
export async function syncAll(a: TwoWayNode, b: TwoWayNode): Promise<{ ms: number; converged: boolean; bytes: number }> {
  const pair = createLoopbackTransportPair();
  const t = performance.now();
  const sa = a.sync.connect(pair[0], { packageLimit: 500, maxMessagesPerSecond: 100_000 });
  const sb = b.sync.connect(pair[1], { packageLimit: 500, maxMessagesPerSecond: 100_000 });
  const target = (await a.stateDigest()).digest;
  for (let i = 0; i < 1_000_000; i++) {
    await Promise.all([sa.idle(), sb.idle()]);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    if (pair.pending() === 0 && b.globalSeq() >= a.globalSeq() - 1 && (await b.stateDigest()).digest === target) break;
  }
  const ms = performance.now() - t;
  const converged = (await b.stateDigest()).digest === target;
  sa.close("done");
  sb.close("done");
  return { ms, converged, bytes: pair.trace().reduce((sum, entry) => sum + entry.bytes.length, 0) };
}

export async function runSyncBench(count: number): Promise<string> {
  const { pkg, notes } = await notesCorpus(count, { authorSeed: 5, title: (seq) => `note ${seq}` });
  const texts = notes.map((note) => note.text);
  const a = await node();
  const b = await node();
  for (const n of [a, b]) {
    const installed = await n.apps.install(pkg);
    if (!installed.ok) throw new Error(installed.error.message);
  }
  const t = performance.now();
  for (let i = 0; i < texts.length; i += 500)
    for (const r of await a.ingestMany(texts.slice(i, i + 500))) if (!r.ok) throw new Error(r.error.code);
  const ingestMs = performance.now() - t;

  const { ms: syncMs, converged: ok, bytes } = await syncAll(a, b);
  await a.stop();
  await b.stop();
  const rate = (ms: number) => ((count * 1000) / ms).toFixed(0).padStart(7);
  return [
    `\nInitial sync, Node.js, fake-indexeddb, loopback transport, ${count} envelopes, packages of 500`,
    `  one node ingesting them (ingestMany, batches of 500)   ${rate(ingestMs)} envelopes/s`,
    `  two nodes syncing them (session, admission included)   ${rate(syncMs)} envelopes/s  (${(bytes / 1e6).toFixed(1)} MB on the link, ${ok ? "converged" : "NOT converged"})`,
    `  sync / ingest: ${((ingestMs / syncMs) * 100).toFixed(0)}% of the single-node rate`,
  ].join("\n");
}
