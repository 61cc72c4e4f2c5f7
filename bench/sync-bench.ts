// Initial sync between two in-memory nodes over the loopback transport (issue 5), beside the ingest
// rate of one node alone: the ratio is what sessions, packages and cursors cost on top of ingest.
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { buildEnvelope, createNode, createSigner, manualClock, type TwoWayNode } from "../src/core/index.ts";
import { createLoopbackTransportPair } from "../src/core/network/index.ts";

const CREATED_AT = "2026-11-21T10:00:00.000Z";
const NOTES = {
  app: "app.notes",
  version: "1.0.0",
  types: { "notes.note": { kind: "parent", fields: { title: { type: "string", required: true, max_length: 120 } } } },
  domains: { notes: { types: ["notes.note"], mode: "sync" } },
};

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

async function envelopes(count: number) {
  const publisher = await createSigner({ seed: new Uint8Array(32).fill(90), engine: "noble" });
  const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }) => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  const pg = must(
    await buildEnvelope(publisher, {
      app: "system",
      domain: "identity",
      traceId: "p",
      seq: 1,
      prev: null,
      lamport: 0,
      createdAt: CREATED_AT,
      ops: [{ op: "parent_create", type_key: "system.identity", payload: { value: {} } }],
    }),
  );
  const schema = must(
    await buildEnvelope(publisher, {
      app: "system",
      domain: "apps",
      traceId: "s",
      seq: 2,
      prev: pg.id,
      lamport: 1,
      createdAt: CREATED_AT,
      ops: [{ op: "parent_create", type_key: "system.app_schema", payload: { value: { schema: NOTES } } }],
    }),
  );
  const author = await createSigner({ seed: new Uint8Array(32).fill(5) });
  const texts = [
    must(
      await buildEnvelope(author, {
        app: "system",
        domain: "identity",
        traceId: "g",
        seq: 1,
        prev: null,
        lamport: 0,
        createdAt: CREATED_AT,
        ops: [{ op: "parent_create", type_key: "system.identity", payload: { value: {} } }],
      }),
    ),
  ];
  for (let seq = 2; seq <= count; seq++) {
    texts.push(
      must(
        await buildEnvelope(author, {
          app: "app.notes",
          domain: "notes",
          traceId: `n${seq}`,
          seq,
          prev: texts[texts.length - 1]!.id,
          lamport: seq - 1,
          createdAt: CREATED_AT,
          ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: `note ${seq}` } } }],
        }),
      ),
    );
  }
  return {
    pkg: { manifest: { slug: "app.notes", version: "1.0.0", title: "Notes" }, envelopes: [pg.text, schema.text] },
    texts: texts.map((t) => t.text),
  };
}

export async function runSyncBench(count: number): Promise<string> {
  const { pkg, texts } = await envelopes(count);
  const a = await node();
  const b = await node();
  for (const n of [a, b]) {
    const installed = await n.apps.install(pkg);
    if (!installed.ok) throw new Error(installed.error.message);
  }
  let t = performance.now();
  for (let i = 0; i < texts.length; i += 500)
    for (const r of await a.ingestMany(texts.slice(i, i + 500))) if (!r.ok) throw new Error(r.error.code);
  const ingestMs = performance.now() - t;

  const pair = createLoopbackTransportPair();
  t = performance.now();
  const sa = a.sync.connect(pair[0], { packageLimit: 500, maxMessagesPerSecond: 100_000 });
  const sb = b.sync.connect(pair[1], { packageLimit: 500, maxMessagesPerSecond: 100_000 });
  const target = (await a.stateDigest()).digest;
  for (let i = 0; i < 100_000; i++) {
    await Promise.all([sa.idle(), sb.idle()]);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    if (pair.pending() === 0 && b.globalSeq() >= a.globalSeq() - 1 && (await b.stateDigest()).digest === target) break;
  }
  const syncMs = performance.now() - t;
  const ok = (await b.stateDigest()).digest === target;
  const bytes = pair.trace().reduce((sum, entry) => sum + entry.bytes.length, 0);
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
