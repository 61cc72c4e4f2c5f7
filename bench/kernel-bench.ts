// Node-kernel throughput in Node.js on fake-indexeddb: local submit and remote ingest, and where an
// ingest's time goes (Ed25519 verify, the rest of stateless validation, graph and storage).
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import {
  buildEnvelope,
  createNode,
  createSigner,
  createVerifier,
  fromBase64url,
  validateEnvelope,
  type Signer,
  type VerifiedEnvelope,
} from "../src/core/index.ts";
import { manualClock } from "../src/core/shared/clock.ts";

const CREATED_AT = "2026-11-21T10:00:00.000Z";
const NOTES = {
  app: "app.notes",
  version: "1.0.0",
  types: {
    "notes.note": {
      kind: "parent",
      fields: { title: { type: "string", required: true, max_length: 120 }, body: { type: "string", max_length: 4000 } },
    },
  },
  domains: { notes: { types: ["notes.note"], mode: "sync" } },
};

async function must<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`bench: ${r.error.code} ${r.error.message}`);
  return r.value;
}

/** A publisher, its schema package, and `count` notes by one author, chained. */
async function corpus(count: number): Promise<{
  pkg: { manifest: { slug: string; version: string; title: string }; envelopes: string[] };
  notes: VerifiedEnvelope[];
  author: Signer;
}> {
  const publisher = await createSigner({ seed: new Uint8Array(32).fill(90), engine: "noble" });
  const pGenesis = await must(
    buildEnvelope(publisher, {
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
  const schema = await must(
    buildEnvelope(publisher, {
      app: "system",
      domain: "apps",
      traceId: "s",
      seq: 2,
      prev: pGenesis.id,
      lamport: 1,
      createdAt: CREATED_AT,
      ops: [{ op: "parent_create", type_key: "system.app_schema", payload: { value: { schema: NOTES } } }],
    }),
  );
  const author = await createSigner({ seed: new Uint8Array(32).fill(7), engine: "noble" });
  const notes = [
    await must(
      buildEnvelope(author, {
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
    const prev = notes[notes.length - 1]!;
    notes.push(
      await must(
        buildEnvelope(author, {
          app: "app.notes",
          domain: "notes",
          traceId: `n${seq}`,
          seq,
          prev: prev.id,
          lamport: seq - 1,
          createdAt: CREATED_AT,
          ops: [
            {
              op: "parent_create",
              type_key: "notes.note",
              payload: { value: { title: `Note ${seq}`, body: "Remember the milk. ".repeat(8) } },
            },
          ],
        }),
      ),
    );
  }
  return {
    pkg: { manifest: { slug: "app.notes", version: "1.0.0", title: "Notes" }, envelopes: [pGenesis.text, schema.text] },
    notes,
    author,
  };
}

let dbCounter = 0;
async function freshNode() {
  const node = await must(
    createNode({ name: `bench-${++dbCounter}`, idb: { indexedDB: new IDBFactory(), IDBKeyRange }, clock: manualClock() }),
  );
  return node;
}

const rate = (count: number, ms: number) => (count * 1000) / ms;

export async function runKernelBench(count: number): Promise<string> {
  const { pkg, notes } = await corpus(count);
  const lines = [`\nNode kernel, Node.js ${process.version}, fake-indexeddb, ${count} envelopes`];

  // Local submit: the node builds, signs (WebCrypto key in the Key manager) and commits.
  const a = await freshNode();
  await must(a.apps.install(pkg));
  const me = await must(a.identities.create());
  const session = await must(a.openSession({ identityId: me.identityId, app: "app.notes" }));
  let t = performance.now();
  for (let i = 0; i < count; i++)
    await must(
      session.submit({
        domain: "notes",
        ops: [
          {
            op: "parent_create",
            type_key: "notes.note",
            payload: { value: { title: `Local ${i}`, body: "Remember the milk. ".repeat(8) } },
          },
        ],
      }),
    );
  const submitMs = performance.now() - t;
  lines.push(`${"local submit (build + sign + commit)".padEnd(44)}${rate(count, submitMs).toFixed(0).padStart(8)} envelopes/s`);

  // Remote ingest of the same kind of envelope, and its parts measured alone.
  const b = await freshNode();
  await must(b.apps.install(pkg));
  t = performance.now();
  for (const e of notes) await must(b.ingest(e.text));
  const ingestMs = performance.now() - t;
  const c = await freshNode();
  await must(c.apps.install(pkg));
  t = performance.now();
  for (let i = 0; i < notes.length; i += 100) {
    for (const r of await c.ingestMany(notes.slice(i, i + 100).map((e) => e.text))) if (!r.ok) throw new Error(r.error.code);
  }
  const batchMs = performance.now() - t;
  const verifier = await createVerifier("auto");
  t = performance.now();
  for (const e of notes) await must(validateEnvelope(e.text, { verifier }));
  const validateMs = performance.now() - t;
  t = performance.now();
  for (const e of notes) await verifier.verify(fromBase64url(e.envelope.author_key)!, e.signedBytes, fromBase64url(e.envelope.signature)!);
  const verifyMs = performance.now() - t;
  lines.push(`${"remote ingest (validate + graph + commit)".padEnd(44)}${rate(notes.length, ingestMs).toFixed(0).padStart(8)} envelopes/s`);
  lines.push(`${"remote ingest, batches of 100 (ingestMany)".padEnd(44)}${rate(notes.length, batchMs).toFixed(0).padStart(8)} envelopes/s`);
  lines.push(`${"  stateless validation alone".padEnd(44)}${rate(notes.length, validateMs).toFixed(0).padStart(8)} envelopes/s`);
  lines.push(
    `${"  Ed25519 verify alone (" + verifier.engine + ")".padEnd(44 - 26 - verifier.engine.length)}${rate(notes.length, verifyMs).toFixed(0).padStart(8)} envelopes/s`,
  );
  const share = (ms: number) => `${((ms / ingestMs) * 100).toFixed(0)}%`;
  lines.push(
    `  share of ingest time: verify ${share(verifyMs)}, other validation ${share(validateMs - verifyMs)}, graph + storage ${share(ingestMs - validateMs)}`,
  );
  await a.stop();
  await b.stop();
  await c.stop();
  return lines.join("\n");
}
