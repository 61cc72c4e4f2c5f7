// Node-kernel throughput in Node.js on fake-indexeddb: local submit and remote ingest, and where an
// ingest's time goes (Ed25519 verify, the rest of stateless validation, graph and storage).
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { createNode, createVerifier, fromBase64url, validateEnvelope } from "../src/core/index.ts";
import { manualClock } from "../src/core/shared/clock.ts";
import { must, notesCorpus } from "./notes-corpus.ts";

let dbCounter = 0;
async function freshNode() {
  const node = await must(
    createNode({ name: `bench-${++dbCounter}`, idb: { indexedDB: new IDBFactory(), IDBKeyRange }, clock: manualClock() }),
  );
  return node;
}

const rate = (count: number, ms: number) => (count * 1000) / ms;

export async function runKernelBench(count: number): Promise<string> {
  const { pkg, notes } = await notesCorpus(count, { authorSeed: 7, title: (seq) => `Note ${seq}`, body: "Remember the milk. ".repeat(8) });
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
