// AC-05 (package integrity) and AC-07 (two-node convergence) at the State level: signed package
// frames carry history between two real nodes; a bad package changes nothing and moves no cursor.
import { beforeEach, describe, expect, it } from "vitest";
import { createSigner } from "../crypto/index.ts";
import type { TwoWayNode } from "../node.ts";
import { fromBase64url, toBase64url } from "../shared/bytes.ts";
import { identityIdFromKey, publicKeyText, type EnvelopeId } from "../shared/ids.ts";
import type { SyncPackage } from "../state/index.ts";
import { buildPackageFrame } from "../wire/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, startNode, testPublisher, writeNotes } from "./fixtures.ts";

const DOMAINS = ["system/identity", "system/apps", "app.notes/notes"];
const ALL = new Set(DOMAINS);

const peerOf = (n: TwoWayNode) => ({ identity: n.sync.nodeIdentity, key: n.sync.nodeKey });

/** `to` pulls every domain from `from` until nothing is new. */
async function pull(from: TwoWayNode, to: TwoWayNode): Promise<number> {
  let packages = 0;
  for (const domain of DOMAINS) {
    for (;;) {
      const cursor = (await to.sync.cursors(from.sync.nodeIdentity))[domain] ?? 0;
      const pkg = expectOk(await from.sync.exportPackage(to.sync.nodeIdentity, domain, cursor, 5), "export");
      if (pkg === null) break;
      expectOk(await to.sync.acceptPackage(peerOf(from), ALL, pkg), `accept ${domain}`);
      packages += 1;
    }
  }
  return packages;
}

let a: TwoWayNode;
let b: TwoWayNode;

beforeEach(async () => {
  const pkg = await (await testPublisher()).package(NOTES_SCHEMA);
  a = (await startNode()).node;
  b = (await startNode()).node;
  for (const n of [a, b]) expectOk(await n.apps.install(pkg));
  await writeNotes(a, expectOk(await a.identities.create({ name: "Ann" })).identityId, ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]);
  await writeNotes(b, expectOk(await b.identities.create({ name: "Ben" })).identityId, ["b1", "b2"]);
});

describe("AC-07 two-node convergence", () => {
  it("converges to one state digest after each side pulls the other's domains", async () => {
    expect((await a.stateDigest()).digest).not.toBe((await b.stateDigest()).digest);
    expect(await pull(a, b)).toBeGreaterThan(2); // several pages of at most 5 envelopes
    await pull(b, a);
    expect(await a.stateDigest()).toEqual(await b.stateDigest());
    // A relays what it received from B (cursors run over the sender's whole global_seq), so one more
    // round carries only duplicates and changes nothing; after it, nothing is new at all.
    const digest = await b.stateDigest();
    await pull(a, b);
    expect(await b.stateDigest()).toEqual(digest);
    expect(await pull(a, b)).toBe(0);
    expect((await b.sync.cursors(a.sync.nodeIdentity))["app.notes/notes"]).toBe(a.globalSeq());
  });

  it("resumes from the cursor: only what is new travels", async () => {
    await pull(a, b);
    const me = expectOk(await a.identities.list()).find((k) => k.scope === "identity")!.identityId!;
    await writeNotes(a, me, ["a8"]);
    const cursor = (await b.sync.cursors(a.sync.nodeIdentity))["app.notes/notes"]!;
    const pkg = expectOk(await a.sync.exportPackage(b.sync.nodeIdentity, "app.notes/notes", cursor))!;
    expect(pkg.envelopes).toHaveLength(1);
    expectOk(await b.sync.acceptPackage(peerOf(a), ALL, pkg));
  });
});

describe("AC-05 package integrity: rejected with nothing applied and no cursor moved", () => {
  let pkg: SyncPackage;
  beforeEach(async () => {
    // b already holds a's identities, so a notes package is complete on its own.
    await pullDomain(a, b, "system/identity");
    pkg = expectOk(await a.sync.exportPackage(b.sync.nodeIdentity, "app.notes/notes", 0))!;
  });

  async function pullDomain(from: TwoWayNode, to: TwoWayNode, domain: string) {
    for (;;) {
      const cursor = (await to.sync.cursors(from.sync.nodeIdentity))[domain] ?? 0;
      const next = expectOk(await from.sync.exportPackage(to.sync.nodeIdentity, domain, cursor));
      if (next === null) return;
      expectOk(await to.sync.acceptPackage(peerOf(from), ALL, next));
    }
  }

  async function expectUnchanged(attempt: () => Promise<unknown>, code: string, reason?: string) {
    const before = { digest: (await b.stateDigest()).digest, seq: b.globalSeq(), cursors: await b.sync.cursors(a.sync.nodeIdentity) };
    const result = await attempt();
    expect(result).toMatchObject({ ok: false, error: { code, ...(reason === undefined ? {} : { data: { reason } }) } });
    expect({ digest: (await b.stateDigest()).digest, seq: b.globalSeq(), cursors: await b.sync.cursors(a.sync.nodeIdentity) }).toEqual(
      before,
    );
  }

  it("accepts the untouched package", async () => {
    // Full envelopes are accepted; the stubs that connect them to their key's chain are held, or already held in full (wire v2).
    const outcomes = expectOk(await b.sync.acceptPackage(peerOf(a), ALL, pkg));
    expect(outcomes.every((o) => o.status === "accepted" || o.status === "stub" || o.status === "duplicate")).toBe(true);
    expect(outcomes.some((o) => o.status === "accepted")).toBe(true);
  });

  it("rejects a frame whose signature does not verify (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const sig = fromBase64url(pkg.frame.signature)!;
    sig[1]! ^= 1;
    await expectUnchanged(
      () => b.sync.acceptPackage(peerOf(a), ALL, { ...pkg, frame: { ...pkg.frame, signature: toBase64url(sig) } }),
      "ERR_CRYPTO_INVALID_SIGNATURE",
    );
  });

  it("rejects carried envelopes that are not the signed ids (ERR_SYNC_RANGE_MISMATCH)", async () => {
    await expectUnchanged(
      () => b.sync.acceptPackage(peerOf(a), ALL, { ...pkg, envelopes: pkg.envelopes.slice(1) }),
      "ERR_SYNC_RANGE_MISMATCH",
    );
    await expectUnchanged(
      () => b.sync.acceptPackage(peerOf(a), ALL, { ...pkg, envelopes: [...pkg.envelopes].reverse() }),
      "ERR_SYNC_RANGE_MISMATCH",
    );
  });

  it("rejects a package from anyone but the session's peer (ERR_CRYPTO_AUTHOR_MISMATCH)", async () => {
    await expectUnchanged(
      () => b.sync.acceptPackage({ identity: b.sync.nodeIdentity, key: b.sync.nodeKey }, ALL, pkg),
      "ERR_CRYPTO_AUTHOR_MISMATCH",
      "sender_not_peer",
    );
  });

  it("rejects a domain not negotiated, and envelopes outside the frame's domain (ERR_SYNC_DOMAIN_VIOLATION)", async () => {
    await expectUnchanged(
      () => b.sync.acceptPackage(peerOf(a), new Set(["system/identity"]), pkg),
      "ERR_SYNC_DOMAIN_VIOLATION",
      "domain_not_negotiated",
    );
    const stranger = await createSigner({ seed: new Uint8Array(32).fill(77) });
    const peer = { identity: identityIdFromKey(stranger.publicKey), key: publicKeyText(stranger.publicKey) };
    const ids = pkg.frame.envelope_ids;
    const mislabelled = expectOk(
      await buildPackageFrame(stranger, { syncDomain: "system/identity", fromSeq: 1, toSeq: 100, envelopeIds: ids }),
    );
    await expectUnchanged(
      () => b.sync.acceptPackage(peer, ALL, { frame: mislabelled, envelopes: pkg.envelopes }),
      "ERR_SYNC_DOMAIN_VIOLATION",
      "envelope_outside_domain",
    );
  });

  it("rejects replayed, overlapping and gapped ranges (ERR_SYNC_SEQUENCE_INVALID)", async () => {
    const first = expectOk(await a.sync.exportPackage(b.sync.nodeIdentity, "app.notes/notes", 0, 3))!;
    expectOk(await b.sync.acceptPackage(peerOf(a), ALL, first));
    await expectUnchanged(() => b.sync.acceptPackage(peerOf(a), ALL, first), "ERR_SYNC_SEQUENCE_INVALID", "replayed");
    const overlapping = expectOk(await a.sync.exportPackage(b.sync.nodeIdentity, "app.notes/notes", first.frame.to_seq - 1, 3))!;
    await expectUnchanged(() => b.sync.acceptPackage(peerOf(a), ALL, overlapping), "ERR_SYNC_SEQUENCE_INVALID", "overlapping");
    const gapped = expectOk(await a.sync.exportPackage(b.sync.nodeIdentity, "app.notes/notes", first.frame.to_seq + 1, 3))!;
    await expectUnchanged(() => b.sync.acceptPackage(peerOf(a), ALL, gapped), "ERR_SYNC_SEQUENCE_INVALID", "gap");
  });

  it("rejects the whole package when one envelope in it is invalid, even if the others are fine", async () => {
    const w = await ChainWriter.create(61);
    const stranger = await createSigner({ seed: new Uint8Array(32).fill(78) });
    const peer = { identity: identityIdFromKey(stranger.publicKey), key: publicKeyText(stranger.publicKey) };
    const genesis = await w.genesis();
    expectOk(await b.ingest(genesis.text));
    const good = await w.write({
      app: "app.notes",
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "fine" } } }],
    });
    const bad = await w.write({
      app: "app.notes",
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "" } } }],
    });
    const frame = expectOk(
      await buildPackageFrame(stranger, {
        syncDomain: "app.notes/notes",
        fromSeq: 1,
        toSeq: 2,
        envelopeIds: [good.id, bad.id] as EnvelopeId[],
      }),
    );
    const before = b.globalSeq();
    const result = await b.sync.acceptPackage(peer, ALL, { frame, envelopes: [good.text, bad.text] });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_INVALID_VALUE" } });
    expect(b.globalSeq()).toBe(before);
    expect(await b.sync.cursors(peer.identity)).toEqual({});
  });

  it("never exports what the peer may not read", async () => {
    const ann = expectOk(await a.identities.list()).find((k) => k.scope === "identity")!.identityId!;
    const secretTitle = "only for Ann";
    await writeNotes(a, ann, [secretTitle]);
    const notes = expectOk(
      await expectOk(await a.openSession({ identityId: ann, app: "app.notes" })).read({ target: "parent", where: { title: secretTitle } }),
    ).rows;
    const system = expectOk(await a.openSession({ identityId: ann, app: "system" }));
    const root = expectOk(
      await system.submit({
        domain: "acl",
        ops: [
          {
            op: "parent_create",
            type_key: "acl.root",
            payload: { value: { target_app: "app.notes", scope: "object", target_object_id: notes[0]!.id } },
          },
        ],
      }),
    );
    expectOk(
      await system.submit({
        domain: "acl",
        ops: [{ op: "attr_create", type_key: "acl.read.allow", payload: { parent_id: root.objectIds[0]!, value: { identity: ann } } }],
      }),
    );
    const exported = expectOk(await a.sync.exportPackage(b.sync.nodeIdentity, "app.notes/notes", 0, 1000))!;
    type Carried = { content?: { ops: { payload: { value: { title: string } } }[] } };
    const carried = exported.envelopes.map((t) => JSON.parse(t) as Carried);
    const titles = carried.flatMap((e) => (e.content === undefined ? [] : [e.content.ops[0]!.payload.value.title]));
    expect(titles).not.toContain(secretTitle);
    expect(titles).toContain("a1");
    // The secret note still holds its place in its key's chain: it travels as its stub, without content.
    expect(exported.envelopes.some((t) => t.includes(secretTitle))).toBe(false);
    expect(carried.some((e) => e.content === undefined)).toBe(true);
  });
});
