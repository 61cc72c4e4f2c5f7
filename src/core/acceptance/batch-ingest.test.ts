// Batches (issue 3: "batches of envelopes commit in few transactions, each envelope all-or-nothing"):
// one transaction for the batch, one outcome per envelope, and a bad envelope changes nothing.
import { describe, expect, it } from "vitest";
import { toBase64url, fromBase64url } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { acceptedIdsHash } from "../graph/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, startNode, testPublisher } from "./fixtures.ts";

describe("ingestMany", () => {
  it("gives each envelope its own outcome: accepted, rejected, waiting, duplicate", async () => {
    const { node } = await startNode();
    expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
    const w = await ChainWriter.create(41);
    const genesis = await w.genesis();
    const notes = [];
    for (let i = 0; i < 5; i++) notes.push(await w.note(`n${i}`));
    const forged = JSON.parse(notes[2]!.text) as Record<string, any>;
    const sig = fromBase64url(forged.signature as string)!;
    sig[0]! ^= 1;
    forged.signature = toBase64url(sig);
    const before = node.globalSeq();
    const outcomes = await node.ingestMany([
      genesis.text,
      notes[0]!.text,
      canonicalize(forged),
      notes[3]!.text,
      notes[1]!.text,
      notes[0]!.text,
    ]);
    expect(outcomes.map((o) => (o.ok ? o.value.status : o.error.code))).toEqual([
      "accepted",
      "accepted",
      "ERR_CRYPTO_INVALID_SIGNATURE",
      "pending",
      "accepted",
      "duplicate",
    ]);
    expect(node.globalSeq()).toBe(before + 3);
    // notes[4] waits on notes[3] when evaluated; filling the gap with notes[2] lets both commit.
    const later = await node.ingestMany([notes[2]!.text, notes[4]!.text]);
    expect(later.map((o) => o.ok && o.value.status)).toEqual(["accepted", "pending"]);
    expect(node.globalSeq()).toBe(before + 6);
    expect(await node.pendingCount()).toBe(0);
    const rejected = expectOk(await node.audit.query({ kind: "ingest_rejected" })).records;
    expect(rejected.map((r) => r.code)).toEqual(["ERR_CRYPTO_INVALID_SIGNATURE"]);
    // ADR 0033: one record per committed batch of acceptances, naming its range and hashing its ids.
    expect(expectOk(await node.audit.query({ kind: "ingest_accepted" })).records).toEqual([]);
    const ranges = expectOk(await node.audit.query({ kind: "ingest_accepted_range" })).records;
    const history = await node.history({ afterSeq: before, limit: 10 });
    // The first batch's three acceptances; the second batch and the drains that followed it have their own.
    const ours = ranges.filter((r) => r.globalSeq! > before);
    expect(ours.at(-1)!.data).toEqual({
      from_global_seq: before + 1,
      to_global_seq: before + 3,
      count: 3,
      suppressed: 0,
      ids_sha256: acceptedIdsHash(history.slice(0, 3).map((h) => h.id)),
    });
    expect(ours.reduce((n, r) => n + (r.data.count as number), 0)).toBe(6);
    expect(ranges[0]!.globalSeq).toBe(before + 6);
  });

  it("drains an envelope parked before a restart when what it waits for arrives after it", async () => {
    const first = await startNode();
    expectOk(await first.node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
    const w = await ChainWriter.create(43);
    const genesis = await w.genesis();
    const [one, two] = [await w.note("one"), await w.note("two")];
    expectOk(await first.node.ingest(genesis.text));
    expect(expectOk(await first.node.ingest(two.text)).status).toBe("pending");
    await first.node.stop();
    const again = await startNode({ idb: first.idb, name: first.name, clock: first.clock });
    expect(await again.node.pendingCount()).toBe(1);
    expect(expectOk(await again.node.ingest(one.text)).status).toBe("accepted");
    expect(await again.node.pendingCount()).toBe(0);
    expect((await again.node.history({ limit: 10 })).map((h) => h.id)).toContain(two.id);
    await again.node.stop();
  });

  it("reaches the same state as one-by-one ingest", async () => {
    const pkg = await (await testPublisher()).package(NOTES_SCHEMA);
    const w = await ChainWriter.create(42);
    const texts = await w.noteChain(30);
    const a = await startNode();
    const b = await startNode();
    for (const t of [a, b]) expectOk(await t.node.apps.install(pkg));
    for (const text of texts) expectOk(await a.node.ingest(text));
    const outcomes = await b.node.ingestMany([...texts].reverse());
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(await b.node.stateDigest()).toEqual(await a.node.stateDigest());
  });

  it("commits a new envelope after a long run of duplicates in the same batch", async () => {
    // The duplicates are answered from the batch's envelope cache without touching IndexedDB; the
    // transaction must still be open for the envelope after them (no PrematureCommitError).
    const { node } = await startNode();
    expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
    const w = await ChainWriter.create(43);
    const texts = await w.noteChain(300);
    const last = texts.pop()!;
    expect((await node.ingestMany(texts)).every((o) => o.ok && o.value.status === "accepted")).toBe(true);
    const outcomes = await node.ingestMany([...texts, last]);
    expect(outcomes.map((o) => (o.ok ? o.value.status : o.error.code))).toEqual([...texts.map(() => "duplicate"), "accepted"]);
  });
});
