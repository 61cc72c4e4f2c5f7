// AC-03 deterministic ordering, AC-08 replay rebuild, and DESIGN §4: state is a function of the set
// of envelopes, not of arrival order — concurrent updates, pending dependencies, duplicates, forks.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import type { VerifiedEnvelope } from "../wire/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, startNode, testPublisher, type TestNode } from "./fixtures.ts";
import type { AppPackage } from "../app/index.ts";

let pkg: AppPackage;
let corpus: VerifiedEnvelope[];

/**
 * One identity with its root key and two bound device keys writing concurrently: creates, tags,
 * links, stars, and conflicting updates of the same note from both devices (last writer wins).
 */
async function buildCorpus(): Promise<VerifiedEnvelope[]> {
  const book = new Map<string, number>();
  const root = await ChainWriter.create(21, book);
  const out: VerifiedEnvelope[] = [await root.genesis("Carol")];
  const identity = `${out[0]!.id}:0`;
  const devices: ChainWriter[] = [];
  for (const seed of [22, 23]) {
    const device = await ChainWriter.create(seed, book);
    const binding = await root.write({
      app: "system",
      domain: "identity",
      ops: [
        {
          op: "attr_create",
          type_key: "system.device_key",
          payload: {
            parent_id: identity,
            value: {
              public_key: (await import("../shared/bytes.ts")).toBase64url(device.signer.publicKey),
              created_at: "2026-11-01T09:00:00.000Z",
            },
          },
        },
      ],
    });
    out.push(binding);
    devices.push(Object.assign(new ChainWriter(device.signer, root.authorId, book, binding.id), { bindingId: binding.id }));
  }
  const note = await root.write({
    app: "app.notes",
    domain: "notes",
    ops: [
      { op: "parent_create", type_key: "notes.note", payload: { value: { title: "Shared" } } },
      { op: "attr_create", type_key: "notes.tag", payload: { parent_id: "@0", value: "draft" } },
    ],
  });
  out.push(note);
  for (const [i, device] of devices.entries()) {
    const binding = (device as ChainWriter & { bindingId: string }).bindingId as VerifiedEnvelope["id"];
    out.push(
      await device.write({
        app: "app.notes",
        domain: "notes",
        deps: [binding, note.id].sort(),
        ops: [
          { op: "parent_update", type_key: "notes.note", payload: { parent_id: `${note.id}:0`, value: { title: `From device ${i}` } } },
        ],
      }),
    );
    out.push(
      await device.write({
        app: "app.notes",
        domain: "notes",
        deps: [note.id],
        ops: [
          { op: "parent_create", type_key: "notes.note", payload: { value: { title: `Own ${i}` } } },
          { op: "edge_create", type_key: "notes.link", payload: { src_parent_id: "@0", dst_parent_id: `${note.id}:0`, value: {} } },
        ],
      }),
    );
    out.push(
      await device.write({
        app: "app.notes",
        domain: "notes",
        deps: [note.id],
        ops: [
          { op: "attr_update", type_key: "notes.tag", payload: { attr_id: `${note.id}:1`, value: `tag ${i}` } },
          { op: "rating_create", type_key: "notes.star", payload: { target_parent_id: `${note.id}:0`, value: 3 + i } },
        ],
      }),
    );
  }
  return out;
}

async function ingestAll(node: TestNode["node"], texts: readonly string[]): Promise<void> {
  for (const text of texts) expectOk(await node.ingest(text), "ingest");
}

beforeAll(async () => {
  pkg = await (await testPublisher()).package(NOTES_SCHEMA);
  corpus = await buildCorpus();
});

async function freshNode(): Promise<TestNode> {
  const t = await startNode();
  expectOk(await t.node.apps.install(pkg));
  return t;
}

describe("AC-03 deterministic ordering", () => {
  it("gives the same envelopes the same global_seq order and the same state on clean nodes", async () => {
    const a = await freshNode();
    const b = await freshNode();
    await ingestAll(
      a.node,
      corpus.map((e) => e.text),
    );
    await ingestAll(
      b.node,
      corpus.map((e) => e.text),
    );
    expect((await a.node.history({ limit: 1000 })).map((h) => [h.seq, h.id])).toEqual(
      (await b.node.history({ limit: 1000 })).map((h) => [h.seq, h.id]),
    );
    expect(await a.node.stateDigest()).toEqual(await b.node.stateDigest());
  });

  it("resolves concurrent updates by (lamport, envelope id): the same winner everywhere", async () => {
    const a = await freshNode();
    await ingestAll(
      a.node,
      corpus.map((e) => e.text),
    );
    const me = expectOk(await a.node.identities.create());
    const session = expectOk(await a.node.openSession({ identityId: me.identityId, app: "app.notes" }));
    const shared = `${corpus[3]!.id}:0`;
    const read = expectOk(await session.read({ target: "parent", ids: [shared] }));
    const updates = corpus.filter((e) => e.envelope.content.ops.some((op) => op.op === "parent_update"));
    const winner = [...updates].sort((x, y) => x.envelope.lamport - y.envelope.lamport || (x.id < y.id ? -1 : 1)).at(-1)!;
    expect(read.rows[0]!.value).toEqual((winner.envelope.content.ops[0]!.payload as { value: unknown }).value);
  });
});

describe("AC-08 replay rebuild", () => {
  it("rebuilds the same digest from stored history, on a new node and after reopening", async () => {
    const a = await freshNode();
    await ingestAll(
      a.node,
      corpus.map((e) => e.text),
    );
    const digest = await a.node.stateDigest();
    const history = await a.node.history({ limit: 1000 });
    // The app registry is node-local (DESIGN D8), so the rebuilt node installs the package first.
    const b = await freshNode();
    await ingestAll(
      b.node,
      history.map((h) => h.text),
    );
    expect(await b.node.stateDigest()).toEqual(digest);
    await a.node.stop();
    const reopened = await startNode({ idb: a.idb, name: a.name });
    expect(await reopened.node.stateDigest()).toEqual(digest);
    expect(reopened.node.globalSeq()).toBe(history.length);
  });
});

describe("convergence under any arrival order (DESIGN §4)", () => {
  it("parks envelopes whose dependencies are missing and commits them when they arrive", async () => {
    const a = await freshNode();
    const reversed = [...corpus].reverse();
    const outcomes = [];
    for (const e of reversed) outcomes.push(expectOk(await a.node.ingest(e.text)).status);
    expect(outcomes[0]).toBe("pending");
    expect(await a.node.pendingCount()).toBe(0);
    const reference = await freshNode();
    await ingestAll(
      reference.node,
      corpus.map((e) => e.text),
    );
    expect(await a.node.stateDigest()).toEqual(await reference.node.stateDigest());
  });

  it("any permutation with duplicates gives one digest (seeded property)", async () => {
    const reference = await freshNode();
    await ingestAll(
      reference.node,
      corpus.map((e) => e.text),
    );
    const expected = (await reference.node.stateDigest()).digest;
    const { seed, numRuns } = fuzzConfig(8);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(corpus, { minLength: corpus.length }),
        fc.array(fc.nat({ max: corpus.length - 1 }), { maxLength: 4 }),
        async (order, dupes) => {
          const t = await freshNode();
          const texts = order.map((e) => e.text);
          for (const d of dupes) texts.splice(d, 0, corpus[d]!.text);
          for (const text of texts) expectOk(await t.node.ingest(text));
          expect((await t.node.stateDigest()).digest).toBe(expected);
          expect(await t.node.pendingCount()).toBe(0);
          await t.node.stop();
        },
      ),
      { seed, numRuns },
    );
  });

  it("bounds the pending set (ERR_MNG_GRAPH_PENDING_FULL) and keeps what it already holds", async () => {
    const a = await startNode({ config: { "graph.pending.max_envelopes": 2 } });
    expectOk(await a.node.apps.install(pkg));
    const waiting = corpus.slice(-4).reverse(); // each waits for something earlier
    const results = [];
    for (const e of waiting) results.push(await a.node.ingest(e.text));
    expect(results.filter((r) => r.ok && r.value.status === "pending")).toHaveLength(2);
    expect(results.filter((r) => !r.ok)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ error: expect.objectContaining({ code: "ERR_MNG_GRAPH_PENDING_FULL", category: "dos" }) }),
      ]),
    );
    expect(await a.node.pendingCount()).toBe(2);
  });
});

describe("forks (DESIGN §3): one key, one seq, two envelopes", () => {
  it("records evidence, suppresses the forked key from that seq on everywhere, whatever the order", async () => {
    const book = new Map<string, number>();
    const dave = await ChainWriter.create(31, book);
    const genesis = await dave.genesis("Dave");
    const base = await dave.write({
      app: "app.notes",
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "Base" } } }],
    });
    const branchA = await dave.write(
      {
        app: "app.notes",
        domain: "notes",
        ops: [{ op: "parent_update", type_key: "notes.note", payload: { parent_id: `${base.id}:0`, value: { title: "A" } } }],
      },
      false,
    );
    const branchB = await dave.write({
      app: "app.notes",
      domain: "notes",
      ops: [
        { op: "parent_update", type_key: "notes.note", payload: { parent_id: `${base.id}:0`, value: { title: "B" } } },
        { op: "parent_create", type_key: "notes.note", payload: { value: { title: "Only on B" } } },
      ],
    });
    const afterB = await dave.write({
      app: "app.notes",
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "After fork" } } }],
    });
    const digests = [];
    const orders = [
      [genesis, base, branchA, branchB, afterB],
      [genesis, base, branchB, afterB, branchA],
      [afterB, branchB, branchA, base, genesis],
    ];
    // One by one, and each order as one batch (one transaction: the fork is found among its own rows).
    for (const [order, batched] of orders.flatMap((o) => [[o, false] as const, [o, true] as const])) {
      const t = await freshNode();
      if (batched) for (const r of await t.node.ingestMany(order.map((e) => e.text))) expectOk(r);
      else for (const e of order) expectOk(await t.node.ingest(e.text));
      digests.push((await t.node.stateDigest()).digest);
      const history = await t.node.history({ limit: 100 });
      const status = Object.fromEntries(history.map((h) => [h.id, h.status]));
      expect([status[branchA.id], status[branchB.id], status[afterB.id]]).toEqual(["suppressed", "suppressed", "suppressed"]);
      expect([status[genesis.id], status[base.id]]).toEqual(["accepted", "accepted"]);
      const me = expectOk(await t.node.identities.create());
      const session = expectOk(await t.node.openSession({ identityId: me.identityId, app: "app.notes" }));
      const notes = expectOk(await session.read({ target: "parent", type_key: "notes.note" }));
      expect(notes.rows.map((r) => r.value)).toEqual([{ title: "Base" }]);
    }
    expect(new Set(digests).size).toBe(1);
  });
});

describe("concurrency and crashes", () => {
  it("serializes concurrent submits into consecutive global_seq values", async () => {
    const { node } = await freshNode();
    const me = expectOk(await node.identities.create());
    const session = expectOk(await node.openSession({ identityId: me.identityId, app: "app.notes" }));
    const start = node.globalSeq();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        session.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: `n${i}` } } }] }),
      ),
    );
    const seqs = results.map((r) => expectOk(r).seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => start + 1 + i));
  });

  it("loses no committed envelope and leaves no partial one when stopped mid-stream; global_seq continues", async () => {
    const t = await freshNode();
    const me = expectOk(await t.node.identities.create());
    const session = expectOk(await t.node.openSession({ identityId: me.identityId, app: "app.notes" }));
    const inflight = Array.from({ length: 15 }, (_, i) =>
      session.submit({
        domain: "notes",
        ops: [
          { op: "parent_create", type_key: "notes.note", payload: { value: { title: `c${i}` } } },
          { op: "attr_create", type_key: "notes.tag", payload: { parent_id: "@0", value: "t" } },
        ],
      }),
    );
    await inflight[3]; // some committed, the rest in flight
    await t.node.stop();
    const settled = await Promise.allSettled(inflight);
    const committed = settled.filter((s) => s.status === "fulfilled" && s.value.ok).length;
    const reopened = await startNode({ idb: t.idb, name: t.name });
    const history = await reopened.node.history({ limit: 1000 });
    expect(reopened.node.globalSeq()).toBe(history.length);
    expect(history.filter((h) => h.app === "app.notes")).toHaveLength(committed);
    // No partial envelope: every note that exists has its tag.
    const session2 = expectOk(await reopened.node.openSession({ identityId: me.identityId, app: "app.notes" }));
    const notes = expectOk(await session2.read({ target: "parent", type_key: "notes.note", limit: 100 })).rows;
    const tags = expectOk(await session2.read({ target: "attr", type_key: "notes.tag", limit: 100 })).rows;
    expect(notes).toHaveLength(committed);
    expect(tags).toHaveLength(committed);
    const next = expectOk(
      await session2.submit({
        domain: "notes",
        ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "after" } } }],
      }),
    );
    expect(next.seq).toBe(history.length + 1);
  });
});
