// Wire profile v2 at the node (ADR 0013): stubs hold their place in a key's chain, are upgraded in
// place by matching content, reveal forks from links alone; and revocation rule 5 as amended (ADR
// 0014): a revocation never reaches itself or its own causal past. Each rejection changes nothing.
import { beforeEach, describe, expect, it } from "vitest";
import { createSigner } from "../crypto/index.ts";
import type { TwoWayNode } from "../node.ts";
import { fromBase64url, toBase64url } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { publicKeyText } from "../shared/ids.ts";
import type { JsonValue } from "../shared/json.ts";
import { stubTextOf, type VerifiedEnvelope } from "../wire/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, reseal, startNode, testPublisher } from "./fixtures.ts";

let node: TwoWayNode;

beforeEach(async () => {
  ({ node } = await startNode());
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
});

/** What a rejection must leave alone (DESIGN D6): rows, sequence, pending set, stubs, forks. */
const snapshot = async () => ({
  digest: (await node.stateDigest()).digest,
  seq: node.globalSeq(),
  pending: await node.pendingCount(),
  stubs: await node.stubCount(),
  forks: (await node.forks()).length,
});

const stubOf = (e: VerifiedEnvelope) => stubTextOf(e.text);
const titles = async () => {
  const me = expectOk(await node.identities.create());
  const session = expectOk(await node.openSession({ identityId: me.identityId, app: "app.notes" }));
  return expectOk(await session.read({ target: "parent", type_key: "notes.note" })).rows.map((r) => (r.value as { title: string }).title);
};

async function rejectedUnchanged(text: string, code: string, reason: string) {
  const before = await snapshot();
  expect(await node.ingest(text)).toMatchObject({ ok: false, error: { code, data: { reason } } });
  expect(await snapshot()).toEqual(before);
}

describe("stubs (DESIGN §3)", () => {
  it("holds a stub in its key's chain, so the key's later envelopes take effect without its content", async () => {
    const ann = await ChainWriter.create(41);
    const genesis = await ann.genesis("Ann");
    const hidden = await ann.note("to Ben only");
    const after = await ann.note("for everyone");
    expectOk(await node.ingest(genesis.text));
    expect(expectOk(await node.ingest(after.text))).toMatchObject({ status: "pending", missing: [hidden.id] });
    expect(expectOk(await node.ingest(stubOf(hidden)))).toEqual({ status: "stub", id: hidden.id });
    expect(await node.pendingCount()).toBe(0);
    expect(await node.stubCount()).toBe(1);
    expect(await titles()).toEqual(["for everyone"]);
    // The stub is history's placeholder, never history: no row, no global_seq.
    expect((await node.history({ limit: 100 })).map((h) => h.id)).not.toContain(hidden.id);
  });

  it("upgrades a stub in place when content with the matching digest arrives", async () => {
    const ann = await ChainWriter.create(42);
    expectOk(await node.ingest((await ann.genesis("Ann")).text));
    const hidden = await ann.note("later readable");
    expectOk(await node.ingest(stubOf(hidden)));
    expect(expectOk(await node.ingest(stubOf(hidden)))).toMatchObject({ status: "duplicate", seq: 0 });
    expect(expectOk(await node.ingest(hidden.text))).toMatchObject({ status: "accepted", id: hidden.id });
    expect(await node.stubCount()).toBe(0);
    expect(await titles()).toEqual(["later readable"]);
    // A stub of what is held in full changes nothing.
    expect(expectOk(await node.ingest(stubOf(hidden)))).toMatchObject({ status: "duplicate" });
    expect(await node.stubCount()).toBe(0);
  });

  it("rejects content whose digest does not match its link (ERR_CRYPTO_DIGEST_MISMATCH), keeping the stub", async () => {
    const ann = await ChainWriter.create(43);
    expectOk(await node.ingest((await ann.genesis("Ann")).text));
    const hidden = await ann.note("the real text");
    expectOk(await node.ingest(stubOf(hidden)));
    const forged = JSON.parse(hidden.text) as { content: { ops: { payload: { value: { title: string } } }[] } };
    forged.content.ops[0]!.payload.value.title = "forged text";
    await rejectedUnchanged(canonicalize(forged), "ERR_CRYPTO_DIGEST_MISMATCH", "content_digest_mismatch");
    expect(await node.stubCount()).toBe(1);
    const audit = expectOk(await node.audit.query({ kind: "ingest_rejected" }));
    expect(audit.records.map((r) => r.code)).toContain("ERR_CRYPTO_DIGEST_MISMATCH");
  });

  it("rejects a stub whose signature does not verify (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const ann = await ChainWriter.create(44);
    expectOk(await node.ingest((await ann.genesis("Ann")).text));
    const stub = JSON.parse(stubOf(await ann.note("x"))) as { signature: string };
    const sig = fromBase64url(stub.signature)!;
    sig[7]! ^= 1;
    await rejectedUnchanged(canonicalize({ ...stub, signature: toBase64url(sig) }), "ERR_CRYPTO_INVALID_SIGNATURE", "equation");
  });

  it("rejects a stub whose prev is not its key's previous link (ERR_SYNC_SEQUENCE_INVALID)", async () => {
    const ann = await ChainWriter.create(45);
    const bob = await ChainWriter.create(46);
    expectOk(await node.ingest((await ann.genesis("Ann")).text));
    const bobGenesis = await bob.genesis("Bob");
    expectOk(await node.ingest(bobGenesis.text));
    const stub = JSON.parse(stubOf(await ann.note("x"))) as Record<string, unknown>;
    const spliced = await reseal(ann.signer, { ...stub, prev: bobGenesis.id });
    await rejectedUnchanged(canonicalize(spliced as JsonValue), "ERR_SYNC_SEQUENCE_INVALID", "prev_not_previous_of_key");
  });

  it("refuses a v1 envelope with the version error (ERR_STRUCT_INVALID_TYPE)", async () => {
    const ann = await ChainWriter.create(47);
    const genesis = JSON.parse((await ann.genesis("Ann")).text) as Record<string, unknown>;
    const { content, content_digest: _d, seq, prev, lamport, ...rest } = genesis;
    const v1 = { ...rest, envelope_version: 1, payload: { ...(content as object), seq, prev, lamport } };
    await rejectedUnchanged(canonicalize(v1 as JsonValue), "ERR_STRUCT_INVALID_TYPE", "unsupported_version");
  });

  it("records a fork from links alone when a stub rivals a held envelope, and withdraws the key from that seq", async () => {
    const dave = await ChainWriter.create(48);
    expectOk(await node.ingest((await dave.genesis("Dave")).text));
    const held = await dave.note("held in full", false);
    const rival = await dave.note("seen only as a stub");
    expect(expectOk(await node.ingest(held.text))).toMatchObject({ status: "accepted" });
    expect(expectOk(await node.ingest(stubOf(rival)))).toEqual({ status: "stub", id: rival.id });
    const forks = await node.forks();
    expect(forks).toEqual([expect.objectContaining({ authorKey: publicKeyText(dave.signer.publicKey), keySeq: 2 })]);
    expect([...forks[0]!.envelopeIds].sort()).toEqual([held.id, rival.id].sort());
    const status = Object.fromEntries((await node.history({ limit: 100 })).map((h) => [h.id, h.status]));
    expect(status[held.id]).toBe("suppressed");
    expect(await titles()).toEqual([]);
  });
});

describe("revocation rule 5: never its own causal past (DESIGN §4)", () => {
  const keyRevocation = (w: ChainWriter, target: string, lastSeq: number, deps: string[] = []) =>
    w.write({
      app: "system",
      domain: "revocations",
      deps: deps as never[],
      ops: [
        {
          op: "parent_create",
          type_key: "system.revocation",
          payload: { value: { kind: "key", target, cuts: [{ key: target, last_seq: lastSeq }] } },
        },
      ],
    });

  it("refuses a key revoking itself with a cut below the revocation (ERR_AUTH_REVOCATION_CUT_INVALID)", async () => {
    const eve = await ChainWriter.create(51);
    expectOk(await node.ingest((await eve.genesis("Eve")).text));
    const key = publicKeyText(eve.signer.publicKey);
    for (const lastSeq of [0, 1]) {
      const self = await keyRevocation(eve, key, lastSeq);
      eve.seq -= 1; // build each attempt at the same seq: none may land
      eve.prev = (JSON.parse(self.text) as { prev: never }).prev;
      await rejectedUnchanged(self.text, "ERR_AUTH_REVOCATION_CUT_INVALID", "cut_reaches_own_past");
    }
  });

  it("keeps a self-revocation whose cut honours itself, and its genesis; what the key signs after is suppressed", async () => {
    const eve = await ChainWriter.create(52);
    const genesis = await eve.genesis("Eve");
    expectOk(await node.ingest(genesis.text));
    const key = publicKeyText(eve.signer.publicKey);
    const self = await keyRevocation(eve, key, 2);
    expect(expectOk(await node.ingest(self.text))).toMatchObject({ status: "accepted" });
    const later = await eve.note("after the revocation");
    expect(expectOk(await node.ingest(later.text))).toMatchObject({ status: "suppressed" });
    const status = Object.fromEntries((await node.history({ limit: 100 })).map((h) => [h.id, h.status]));
    expect([status[genesis.id], status[self.id]]).toEqual(["accepted", "accepted"]);
  });

  it("refuses a revocation whose deps hold an envelope of the revoked key beyond the cut (ERR_AUTH_REVOCATION_CUT_INVALID)", async () => {
    const ann = await ChainWriter.create(53);
    const genesis = await ann.genesis("Ann");
    const device = await createSigner({ seed: new Uint8Array(32).fill(54), engine: "noble" });
    const deviceKey = publicKeyText(device.publicKey);
    const binding = await ann.write({
      app: "system",
      domain: "identity",
      ops: [
        {
          op: "attr_create",
          type_key: "system.device_key",
          payload: { parent_id: `${genesis.id}:0`, value: { public_key: deviceKey, created_at: "2026-11-01T09:00:00.000Z" } },
        },
      ],
    });
    const laptop = new ChainWriter(device, ann.authorId, ann.book, binding.id);
    const written = await laptop.note("written on the laptop");
    for (const e of [genesis, binding, written]) expect(expectOk(await node.ingest(e.text))).toMatchObject({ status: "accepted" });
    // Ann revokes the laptop's key with a cut of 0 while citing what it wrote at seq 1: it would
    // withdraw its own dependency, and with it itself.
    const cutting = await keyRevocation(ann, deviceKey, 0, [written.id]);
    await rejectedUnchanged(cutting.text, "ERR_AUTH_REVOCATION_CUT_INVALID", "cut_reaches_own_past");
    expect(await titles()).toEqual(["written on the laptop"]);
  });
});

describe("history that started over (Dexie schema v2, ADR 0013)", () => {
  it("writes a held root key's genesis again at start, so the person keeps their identity and can write", async () => {
    const first = await startNode();
    const me = expectOk(await first.node.identities.create({ name: "Ada" }));
    await first.node.stop();
    // What the v1 → v2 upgrade does to a node database: history gone, keys (their own database) kept.
    await new Promise<void>((resolve, reject) => {
      const request = first.idb.indexedDB.deleteDatabase(`twoway-node-${first.name}`);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(new Error(String(request.error)));
    });
    const again = await startNode({ idb: first.idb, name: first.name });
    const history = await again.node.history({ limit: 10 });
    expect(history.map((h) => [h.authorId, h.app, h.domain])).toEqual([[me.identityId, "system", "identity"]]);
    expect(history[0]!.text).toContain('"name":"Ada"');
    const system = expectOk(await again.node.openSession({ identityId: me.identityId, app: "system" }));
    expect(
      await system.submit({
        domain: "acl",
        ops: [{ op: "parent_create", type_key: "acl.root", payload: { value: { target_app: "system", scope: "app" } } }],
      }),
    ).toMatchObject({ ok: true });
    // A node that still holds its history writes nothing at start.
    await again.node.stop();
    const third = await startNode({ idb: first.idb, name: first.name });
    expect(third.node.globalSeq()).toBe(2);
  });
});
