// The Node-side benches' corpus: a publisher with the notes schema package, and one author's chain
// of notes (genesis first), signed ahead of any timing.
import { buildEnvelope, createSigner, type Signer, type VerifiedEnvelope } from "../src/core/index.ts";

const CREATED_AT = "2026-11-21T10:00:00.000Z";

export const NOTES = {
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

export async function must<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`bench: ${r.error.code} ${r.error.message}`);
  return r.value;
}

export type NotesCorpusOptions = {
  readonly authorSeed: number;
  readonly title: (seq: number) => string;
  /** A body for every note; none by default. */
  readonly body?: string;
};

/** A publisher, its schema package, and `count` envelopes by one author, chained: genesis, then notes. */
export async function notesCorpus(
  count: number,
  options: NotesCorpusOptions,
): Promise<{
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
  const author = await createSigner({ seed: new Uint8Array(32).fill(options.authorSeed), engine: "noble" });
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
              payload: { value: { title: options.title(seq), ...(options.body === undefined ? {} : { body: options.body }) } },
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
