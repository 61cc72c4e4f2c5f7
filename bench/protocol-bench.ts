// Protocol-core throughput, portable: the same code runs in Node.js and in a browser worker.
// Prints rates, never asserts them (benchmarks live here, not in tests).
import {
  buildEnvelope,
  createSigner,
  createVerifier,
  fromBase64url,
  validateEnvelope,
  type Ed25519Engine,
  type EnvelopeDraft,
  type EnvelopeId,
  type Signer,
  type VerifiedEnvelope,
} from "../src/core/index.ts";

export type BenchRow = {
  readonly name: string;
  readonly engine: Ed25519Engine;
  readonly perSecond: number;
  readonly count: number;
  readonly ms: number;
};

const CREATED_AT = "2026-11-21T10:00:00.000Z";
const TEXT = "Meet at the station at six, bring the printed tickets and something warm to drink. ".repeat(3);

function genesisDraft(): EnvelopeDraft {
  return {
    app: "system",
    domain: "identity",
    traceId: "bench-genesis",
    seq: 1,
    prev: null,
    lamport: 0,
    createdAt: CREATED_AT,
    ops: [{ op: "parent_create", type_key: "system.identity", payload: { value: { name: "Bench" } } }],
  };
}

/** A typical small write: one message with a body and a read-marker attribute. */
function messageDraft(seq: number, prev: EnvelopeId): EnvelopeDraft {
  return {
    app: "app.messaging",
    domain: "messages",
    traceId: `bench-${seq}`,
    seq,
    prev,
    lamport: seq - 1,
    createdAt: CREATED_AT,
    ops: [
      { op: "parent_create", type_key: "message.item", payload: { value: { text: TEXT, sent_at: CREATED_AT } } },
      { op: "attr_create", type_key: "message.read_by", payload: { parent_id: "@0", value: ["bench"] } },
    ],
  };
}

async function mustBuild(signer: Signer, draft: EnvelopeDraft): Promise<VerifiedEnvelope> {
  const built = await buildEnvelope(signer, draft);
  if (!built.ok) throw new Error(`bench setup: ${built.error.code} ${built.error.message}`);
  return built.value;
}

/** Runs `step` repeatedly for about `seconds` after a short warm-up; returns the rate. */
async function measure(seconds: number, step: (i: number) => Promise<unknown>): Promise<{ count: number; ms: number }> {
  for (let i = 0; i < 20; i++) await step(i);
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) await step(count++);
  return { count, ms: performance.now() - start };
}

export async function runProtocolBench(options: { seconds: number; corpus: number }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const engine of ["webcrypto", "noble"] as const) {
    const signer = await createSigner({ seed: new Uint8Array(32).fill(7), engine });
    const verifier = await createVerifier(engine);
    const genesis = await mustBuild(signer, genesisDraft());
    const corpus: VerifiedEnvelope[] = [];
    let prev = genesis.id;
    for (let seq = 2; corpus.length < options.corpus; seq++) {
      const next = await mustBuild(signer, messageDraft(seq, prev));
      corpus.push(next);
      prev = next.id;
    }
    const pick = (i: number) => corpus[i % corpus.length]!;
    const record = (name: string, r: { count: number; ms: number }) =>
      rows.push({ name, engine, perSecond: (r.count * 1000) / r.ms, count: r.count, ms: r.ms });

    let seq = 2;
    record("build + sign envelope", await measure(options.seconds, () => buildEnvelope(signer, messageDraft(seq++, genesis.id))));
    record(
      "parse + validate + verify envelope",
      await measure(options.seconds, async (i) => {
        const result = await validateEnvelope(pick(i).text, { verifier });
        if (!result.ok) throw new Error(`bench: a valid envelope was rejected: ${result.error.code}`);
      }),
    );
    const key = signer.publicKey;
    const signatures = corpus.map((e) => fromBase64url(e.envelope.signature)!);
    record(
      "raw Ed25519 verify (same bytes)",
      await measure(options.seconds, async (i) => {
        const verdict = await verifier.verify(key, pick(i).signedBytes, signatures[i % corpus.length]!);
        if (!verdict.valid) throw new Error("bench: a valid signature was rejected");
      }),
    );
  }
  return rows;
}

/** A plain-text table with the validate / raw-verify ratio per engine: our overhead over crypto. */
export function formatRows(title: string, rows: readonly BenchRow[]): string {
  const lines = [`\n${title}`, `${"measure".padEnd(38)}${"engine".padEnd(11)}${"per second".padStart(12)}${"count".padStart(9)}`];
  for (const r of rows)
    lines.push(`${r.name.padEnd(38)}${r.engine.padEnd(11)}${r.perSecond.toFixed(0).padStart(12)}${String(r.count).padStart(9)}`);
  for (const engine of ["webcrypto", "noble"] as const) {
    const validate = rows.find((r) => r.engine === engine && r.name.startsWith("parse"));
    const raw = rows.find((r) => r.engine === engine && r.name.startsWith("raw"));
    if (validate && raw)
      lines.push(`  ${engine}: validate runs at ${((validate.perSecond / raw.perSecond) * 100).toFixed(0)}% of the raw verify rate`);
  }
  return lines.join("\n");
}
