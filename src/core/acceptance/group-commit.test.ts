// Group commit of local writes (issue 17, local-group.ts): submits that wait behind the queue share
// one transaction, and each still ends as it would have alone — a refused one is refused with its
// own code and audited once, the others commit on an unbroken chain, nothing waits as pending.
import { describe, expect, it } from "vitest";
import { createNode, type Session, type TwoWayNode } from "../node.ts";
import { createKeyDatabase } from "../storage/index.ts";
import { expectOk, meet, NOTES_SCHEMA, startNode, testPublisher, writeNotes } from "./fixtures.ts";
import { testStorage } from "./test-storage.ts";

async function notesNode(): Promise<{ node: TwoWayNode; session: Session; identityId: string }> {
  const { node } = await startNode();
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  const { identityId } = expectOk(await node.identities.create());
  return { node, session: expectOk(await node.openSession({ identityId, app: "app.notes" })), identityId };
}

const note = (title: string) => ({
  domain: "notes",
  ops: [{ op: "parent_create" as const, type_key: "notes.note", payload: { value: { title } } }],
});

async function intents(node: TwoWayNode): Promise<number[]> {
  const records = expectOk(await node.audit.query({ kind: "write_intent", limit: 500 })).records;
  return records.map((r) => r.data["inputs"] as number);
}

describe("group commit of local writes", () => {
  it("commits concurrent submits together, on one unbroken chain, each once", async () => {
    const { node, session } = await notesNode();
    const before = await intents(node);
    const receipts = (await Promise.all(Array.from({ length: 30 }, (_, i) => session.submit(note(`n${i}`))))).map((r) => expectOk(r));
    const after = (await intents(node)).slice(0, (await intents(node)).length - before.length);
    // Fewer transactions than writes: at least one intent covered several envelopes, all 30 in all.
    expect(Math.max(...after)).toBeGreaterThan(1);
    expect(after.reduce((a, b) => a + b, 0)).toBe(30);
    const seqs = receipts.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(30);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs); // committed in the order submitted
    const titles = expectOk(await session.read({ target: "parent", type_key: "notes.note", limit: 100 })).rows.map(
      (row) => (row.value as { title: string }).title,
    );
    expect(titles.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `n${i}`).sort());
    expect(await node.pendingCount()).toBe(0);
    expect(expectOk(await node.audit.report()).intact).toBe(true);
  });

  it("refuses a bad write in the middle of a group with its own code, and commits the rest", async () => {
    const { node, session } = await notesNode();
    const seqBefore = node.globalSeq();
    const results = await Promise.all([session.submit(note("first")), session.submit(note("")), session.submit(note("third"))]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_INVALID_VALUE" } });
    expect(results[2]).toMatchObject({ ok: true });
    // Two commits, two sequence numbers: the refused write took none and left nothing waiting.
    expect(node.globalSeq()).toBe(seqBefore + 2);
    expect(await node.pendingCount()).toBe(0);
    const rejections = expectOk(await node.audit.query({ kind: "write_rejected", limit: 10 })).records;
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ code: "ERR_SCHEMA_INVALID_VALUE" });
  });

  it("drafts again the writes chained on a refused first write, so none of them waits or fails", async () => {
    const { node, session } = await notesNode();
    const results = await Promise.all([session.submit(note("x".repeat(121))), ...["a", "b", "c"].map((t) => session.submit(note(t)))]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_INVALID_VALUE" } });
    const seqs = results.slice(1).map((r) => expectOk(r).seq);
    expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
    expect(await node.pendingCount()).toBe(0);
    expect(expectOk(await node.audit.query({ kind: "write_rejected", limit: 10 })).records).toHaveLength(1);
  });

  it("keeps each identity's writes on its own chain when two identities write at once", async () => {
    const { node, session } = await notesNode();
    const other = expectOk(await node.identities.create());
    const second = expectOk(await node.openSession({ identityId: other.identityId, app: "app.notes" }));
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? session : second).submit(note(`w${i}`))));
    for (const result of results) expectOk(result);
    expect(await node.pendingCount()).toBe(0);
    expect(expectOk(await node.audit.report()).intact).toBe(true);
  });

  it("refuses every queued write with a code once the node stops, and writes none of them", async () => {
    const { node, session } = await notesNode();
    const seqBefore = node.globalSeq();
    const writes = Array.from({ length: 5 }, (_, i) => session.submit(note(`late${i}`)));
    const stopped = node.stop();
    const results = await Promise.all(writes);
    await stopped;
    const accepted = results.filter((r) => r.ok).length;
    for (const result of results.filter((r) => !r.ok)) expect(result).toMatchObject({ error: { code: "ERR_MNG_STORAGE_UNAVAILABLE" } });
    expect(node.globalSeq()).toBe(seqBefore + accepted);
  });

  it("signs the next local write after the key's head an ingest brought, not after the head it kept (ADR 0038)", async () => {
    const a = await startNode();
    const notes = await (await testPublisher()).package(NOTES_SCHEMA);
    expectOk(await a.node.apps.install(notes));
    // A twin over the same key store, opened before the identity exists (so it writes no genesis of
    // its own at start): the same key then signs on two nodes, as a copy of one device would.
    const twinName = `${a.name}-twin`;
    const storage = testStorage(twinName);
    const twin = expectOk(
      await createNode({
        name: twinName,
        idb: a.idb,
        clock: a.clock,
        keyDatabase: () => createKeyDatabase(a.name, a.idb),
        ...(storage === undefined ? {} : { storage }),
      }),
    );
    expectOk(await twin.apps.install(notes));
    // The start checks run now: an integrity check between the writes would drop the kept heads itself.
    expectOk(await a.node.checkIntegrity());
    expectOk(await twin.checkIntegrity());
    const { identityId } = expectOk(await a.node.identities.create());
    // One session throughout, so a2 is the first local commit after the ingest (no session attach between).
    const session = expectOk(await a.node.openSession({ identityId, app: "app.notes" }));
    expectOk(await session.submit(note("a1")));
    await meet(a.node, twin);
    await writeNotes(twin, identityId, ["t1"]);
    await meet(a.node, twin);
    // The twin's envelope moved global_seq and the key's head here: the next write chains on it.
    const written = expectOk(await session.submit(note("a2")));
    expect(written.status).toBe("accepted");
    expect(await a.node.forks()).toEqual([]);
    const titles = expectOk(await session.read({ target: "parent", type_key: "notes.note", limit: 10 })).rows.map(
      (row) => (row.value as { title: string }).title,
    );
    expect(titles.sort()).toEqual(["a1", "a2", "t1"]);
  });
});
