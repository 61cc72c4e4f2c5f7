// Black-box fixtures for the acceptance tests: nodes on fake IndexedDB (real IndexedDB in Chromium,
// the node database on SQLite in vitest.config.ts's SQLite project: test-storage.ts),
// a test publisher that signs app packages, and a small notes app schema.
import { createSigner, type Signer } from "../crypto/index.ts";
import { createNode, type TwoWayNode } from "../node.ts";
import { assert } from "../shared/assert.ts";
import { manualClock, seededRandom, type Clock } from "../shared/clock.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import { identityIdFromKey, parseObjectRef, type EnvelopeId } from "../shared/ids.ts";
import { testIdb, uniqueName } from "../shared/test-support/idb.ts";
import { buildEnvelope, contentDigest, type EnvelopeDraft } from "../wire/index.ts";
import { toBase64url, utf8 } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import type { JsonValue } from "../shared/json.ts";
import type { AppPackage } from "../app/index.ts";
import { createLoopbackTransportPair, type Faults, type LoopbackPair, type SyncSession } from "../network/index.ts";
import type { IdentityId } from "../shared/ids.ts";
import { testStorage } from "./test-storage.ts";

export type TestNode = { node: TwoWayNode; idb: IdbEnvironment; name: string; clock: Clock & { advance(ms: number): void } };

export async function startNode(
  options: { name?: string; idb?: IdbEnvironment; clock?: TestNode["clock"]; config?: Record<string, number> } = {},
): Promise<TestNode> {
  const idb = options.idb ?? (await testIdb());
  const name = options.name ?? uniqueName("node");
  const clock = options.clock ?? manualClock();
  const storage = testStorage(name);
  const created = await createNode({
    name,
    idb,
    clock,
    ...(storage === undefined ? {} : { storage }),
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  assert(created.ok, `createNode failed: ${created.ok ? "" : JSON.stringify(created.error)}`);
  return { node: created.value, idb, name, clock };
}

export const NOTES_SCHEMA = {
  app: "app.notes",
  version: "1.0.0",
  types: {
    "notes.note": {
      kind: "parent",
      fields: { title: { type: "string", required: true, min_length: 1, max_length: 120 }, body: { type: "string", max_length: 4000 } },
    },
    "notes.tag": { kind: "attr", parents: ["notes.note"], value: { type: "string", min_length: 1, max_length: 32 } },
    "notes.link": { kind: "edge", from: ["notes.note"], to: ["notes.note"], fields: {} },
    "notes.star": { kind: "rating", targets: ["notes.note"], value: { type: "integer", minimum: 1, maximum: 5 } },
  },
  domains: { notes: { types: ["notes.note", "notes.tag", "notes.link", "notes.star"], mode: "sync" } },
} as const;

const CREATED_AT = "2026-11-01T09:00:00.000Z";

/** A publisher identity (fixed seed) that signs app packages: its genesis, then one schema envelope per call. */
export async function testPublisher(seedByte = 90): Promise<{
  signer: Signer;
  genesis: string;
  package(schema: { app: string; version: string }, seq?: number, prev?: EnvelopeId): Promise<AppPackage>;
}> {
  const signer = await createSigner({ seed: new Uint8Array(32).fill(seedByte), engine: "noble" });
  const draft: EnvelopeDraft = {
    app: "system",
    domain: "identity",
    traceId: "publisher-genesis",
    seq: 1,
    prev: null,
    lamport: 0,
    createdAt: CREATED_AT,
    ops: [{ op: "parent_create", type_key: "system.identity", payload: { value: { name: "Test Publisher" } } }],
  };
  const genesis = await buildEnvelope(signer, draft);
  assert(genesis.ok, "publisher genesis");
  return {
    signer,
    genesis: genesis.value.text,
    async package(schema, seq = 2, prev = genesis.value.id) {
      const built = await buildEnvelope(signer, {
        app: "system",
        domain: "apps",
        traceId: `schema-${schema.app}-${seq}`,
        seq,
        prev,
        lamport: seq - 1,
        createdAt: CREATED_AT,
        ops: [{ op: "parent_create", type_key: "system.app_schema", payload: { value: { schema: schema as never } } }],
      });
      assert(built.ok, `schema envelope: ${built.ok ? "" : JSON.stringify(built.error)}`);
      return {
        manifest: { slug: schema.app, version: schema.version, title: schema.app },
        envelopes: [genesis.value.text, built.value.text],
      };
    },
  };
}

export const publisherIdentity = async (seedByte = 90) =>
  identityIdFromKey((await createSigner({ seed: new Uint8Array(32).fill(seedByte), engine: "noble" })).publicKey);

export function expectOk<T>(result: { ok: true; value: T } | { ok: false; error: unknown }, what = "operation"): T {
  if (!result.ok) throw new Error(`${what} failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Lamport clocks of every envelope written through writers sharing this book. */
export type LamportBook = Map<string, number>;

/**
 * An identity outside any node, writing its own key chain: seq, prev and lamport as DESIGN §3 asks.
 * For tests that hand-craft envelopes to ingest (remote peers, permutations, forks).
 */
export class ChainWriter {
  seq = 0;
  prev: EnvelopeId | null = null;
  readonly book: LamportBook;
  constructor(
    readonly signer: Signer,
    readonly authorId = identityIdFromKey(signer.publicKey),
    book: LamportBook = new Map(),
    /** A device key's binding: every envelope of the key names it among deps (ADR 0013). */
    readonly binding: EnvelopeId | null = null,
  ) {
    this.book = book;
  }

  static async create(seedByte: number, book?: LamportBook): Promise<ChainWriter> {
    return new ChainWriter(await createSigner({ seed: new Uint8Array(32).fill(seedByte), engine: "noble" }), undefined, book);
  }

  /** The next envelope of this chain; `advance: false` builds a rival at the same seq (a fork). */
  async write(
    draft: Omit<EnvelopeDraft, "seq" | "prev" | "lamport" | "createdAt" | "traceId"> & {
      traceId?: string;
      createdAt?: string;
      /** Cite exactly `deps`, not the creators of named objects too (to build what a node must refuse). */
      exactDeps?: boolean;
    },
    advance = true,
  ) {
    // DESIGN §3 (v2): deps list everything relied on, the creators of every object named too (as
    // the node's own writes do), prev included; one spelling, sorted.
    const { exactDeps = false, ...fields } = draft;
    const named = exactDeps
      ? (draft.deps ?? [])
      : [...(draft.deps ?? []), ...creatorsNamed(draft.ops), ...(this.binding === null ? [] : [this.binding])];
    const deps = [...new Set(named)].sort();
    const links = [...(this.prev === null ? [] : [this.prev]), ...deps];
    const lamports = links.map((id) => this.book.get(id) ?? 0);
    const built = await buildEnvelope(
      this.signer,
      {
        ...fields,
        traceId: draft.traceId ?? `trace-${this.authorId.slice(0, 6)}-${this.seq + 1}`,
        createdAt: draft.createdAt ?? CREATED_AT,
        seq: this.seq + 1,
        prev: this.prev,
        deps,
        lamport: links.length === 0 ? 0 : 1 + Math.max(...lamports),
      },
      { authorId: this.authorId },
    );
    assert(built.ok, `writer: ${built.ok ? "" : JSON.stringify(built.error)}`);
    this.book.set(built.value.id, built.value.envelope.lamport);
    if (advance) {
      this.seq += 1;
      this.prev = built.value.id;
    }
    return built.value;
  }

  /** The next envelope of this chain: one note in app.notes (NOTES_SCHEMA). */
  note(title: string, advance = true) {
    return this.write(
      {
        app: "app.notes",
        domain: "notes",
        ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title } } }],
      },
      advance,
    );
  }

  /** The genesis and then `count` notes titled n0, n1, …: their texts, in chain order. */
  async noteChain(count: number): Promise<string[]> {
    const texts = [(await this.genesis()).text];
    for (let i = 0; i < count; i++) texts.push((await this.note(`n${i}`)).text);
    return texts;
  }

  genesis(name = "Writer") {
    return this.write({
      app: "system",
      domain: "identity",
      ops: [{ op: "parent_create", type_key: "system.identity", payload: { value: { name } } }],
    });
  }
}

/** Writes one note per title through a session of `identityId`, then ends the session. */
export async function writeNotes(node: TwoWayNode, identityId: IdentityId, titles: readonly string[]): Promise<void> {
  const session = expectOk(await node.openSession({ identityId, app: "app.notes" }));
  for (const title of titles)
    expectOk(
      await session.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title } } }] }),
    );
  session.close();
}

/**
 * Lets frames flow until nothing moves: every session idle, nothing on the link, and no counter
 * changed for several rounds. Storage and crypto finish on later tasks, so each round yields a task
 * (a yield, not a timed wait).
 */
export async function settle(pair: LoopbackPair, sessions: readonly SyncSession[], rounds = 400): Promise<void> {
  let last = "";
  let quiet = 0;
  for (let i = 0; i < rounds && quiet < 4; i++) {
    await Promise.all(sessions.map((s) => s.idle()));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    const now = JSON.stringify([pair.pending(), sessions.map((s) => s.status())]);
    quiet = now === last && pair.pending() === 0 ? quiet + 1 : 0;
    last = now;
  }
}

/** Envelopes whose objects the ops name by global id (`<envelope id>:<index>`). */
function creatorsNamed(ops: EnvelopeDraft["ops"]): EnvelopeId[] {
  return ops.flatMap((op) =>
    Object.entries(op.payload).flatMap(([field, value]) => {
      const ref = field.endsWith("_id") ? parseObjectRef(value) : undefined;
      return ref?.kind === "object" ? [ref.envelopeId] : [];
    }),
  );
}

/**
 * Re-seals a mutated envelope value, so the one broken rule is not the seal: the digest of its content
 * again (when it has content), then a signature over its link (wire profile v2).
 */
export async function reseal(signer: Signer, e: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { signature: _old, content, ...link } = e as { signature: unknown; content?: JsonValue };
  const sealed = content === undefined ? link : { ...link, content_digest: contentDigest(content) };
  const signature = toBase64url(await signer.sign(utf8(canonicalize(sealed))));
  return { ...sealed, ...(content === undefined ? {} : { content }), signature };
}

export type MeetOptions = {
  /** Sync only these domains in the meeting (both sides). */
  readonly domains?: readonly string[];
  /** Lose the next `drops` frames once both sides are connected. */
  readonly drops?: number;
  /** Faults on every frame, decided by `seed`. */
  readonly faults?: Faults;
  readonly seed?: number;
};

/**
 * One meeting of two nodes over a loopback link: connect, (lose frames,) resync by ticks, part.
 * Returns the link, whose trace shows every frame either side sent.
 */
export async function meet(x: TwoWayNode, y: TwoWayNode, options: MeetOptions = {}): Promise<LoopbackPair> {
  const pair = createLoopbackTransportPair(
    options.faults === undefined ? {} : { faults: options.faults, random: seededRandom(options.seed ?? 0) },
  );
  const scope = { packageLimit: 4, ...(options.domains === undefined ? {} : { domains: options.domains }) };
  const sx = x.sync.connect(pair[0], scope);
  const sy = y.sync.connect(pair[1], scope);
  await settle(pair, [sx, sy]);
  if ((options.drops ?? 0) > 0) pair.dropNext(options.drops!);
  for (let i = 0; i < 6; i++) {
    await sx.tick();
    await sy.tick();
    await settle(pair, [sx, sy]);
  }
  sx.close();
  await settle(pair, [sx, sy]);
  return pair;
}
