// Sync beyond the cursor ranges: dependencies fetched by `want`/`have` (DESIGN §4 rule 2), a peer
// whose key is revoked (DESIGN §4 rule 5: revocation beats ordering and freshness), and a peer that
// floods valid frames nobody asked for (DESIGN D7: bounded memory, cut off, honest peers unharmed).
import { beforeEach, describe, expect, it } from "vitest";
import type { Signer } from "../crypto/index.ts";
import type { TwoWayNode } from "../node.ts";
import {
  buildHello,
  createLoopbackTransportPair,
  decodeFrame,
  encodeFrame,
  newSessionNonce,
  type SessionFrame,
  type SyncSession,
} from "../network/index.ts";
import { identityIdFromKey, publicKeyText, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import { buildPackageFrame } from "../wire/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, settle, startNode, testPublisher, writeNotes } from "./fixtures.ts";

const FAST_PUZZLES = { "dos.difficulty.base_bits": 6, "dos.difficulty.max_bits": 12 };

/** Two synced domains, so one author's chain can cross from one into the other. */
const JOURNAL_SCHEMA = {
  app: "app.journal",
  version: "1.0.0",
  types: {
    "journal.entry": { kind: "parent", fields: { text: { type: "string", required: true, min_length: 1, max_length: 200 } } },
    "journal.draft": { kind: "parent", fields: { text: { type: "string", required: true, min_length: 1, max_length: 200 } } },
  },
  domains: { entries: { types: ["journal.entry"], mode: "sync" }, drafts: { types: ["journal.draft"], mode: "sync" } },
} as const;

type Side = { node: TwoWayNode; me: IdentityId };

async function side(name: string): Promise<Side> {
  const { node } = await startNode({ config: FAST_PUZZLES });
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  // Another publisher: a second package from the first would fork its chain at seq 2.
  expectOk(await node.apps.install(await (await testPublisher(95)).package(JOURNAL_SCHEMA)));
  return { node, me: expectOk(await node.identities.create({ name })).identityId };
}

async function journal(node: TwoWayNode, me: IdentityId, domain: "entries" | "drafts", text: string) {
  const session = expectOk(await node.openSession({ identityId: me, app: "app.journal" }));
  const type = domain === "entries" ? "journal.entry" : "journal.draft";
  const receipt = expectOk(await session.submit({ domain, ops: [{ op: "parent_create", type_key: type, payload: { value: { text } } }] }));
  session.close();
  return receipt;
}

const state = async (n: TwoWayNode) => ({ digest: (await n.stateDigest()).digest, seq: n.globalSeq() });

let a: Side;
let b: Side;

beforeEach(async () => {
  a = await side("Ann");
  b = await side("Ben");
});

describe("want/have: dependencies outside the negotiated domains", () => {
  it("connects an envelope whose prev lies in a domain the session does not sync with that prev's stub, and commits it", async () => {
    await journal(a.node, a.me, "drafts", "a private first thought");
    await journal(a.node, a.me, "entries", "a public entry after it");
    const pair = createLoopbackTransportPair();
    // Ben syncs entries only; Ann's entry has her draft as prev.
    const only = ["system/apps", "system/identity", "app.journal/entries"];
    const sa = a.node.sync.connect(pair[0]);
    const sb = b.node.sync.connect(pair[1], { domains: only });
    await settle(pair, [sa, sb]);
    expect(sb.status().negotiated).toEqual([...only].sort());
    expect(sb.status().wanted).toBe(0);
    const entries = { app: "app.journal", domain: "entries" };
    expect(await b.node.stateDigest(entries)).toEqual(await a.node.stateDigest(entries));
    expect(await b.node.stateDigest({ app: "app.journal" })).toMatchObject({ objects: 1 });
    expect(await b.node.pendingCount()).toBe(0);
    // The draft reached Ben only as its stub: no text of it anywhere in his history.
    const history = await b.node.history({ limit: 1000 });
    expect(history.some((row) => row.text.includes("a private first thought"))).toBe(false);
  });

  it("answers a want only with envelopes it holds: full in domains it syncs that the peer may read, else the stub", async () => {
    const draft = await journal(a.node, a.me, "drafts", "draft");
    const unknown = "A".repeat(43) as EnvelopeId;
    const have = expectOk(
      await a.node.sync.exportWanted(b.node.sync.nodeIdentity, [draft.envelopeId, unknown], new Set(["app.journal/drafts"])),
    );
    expect(have).toMatchObject({ envelope_ids: [draft.envelopeId] });
    expect(have!.envelopes).toHaveLength(1);
    expect(JSON.parse(have!.envelopes[0]!)).toHaveProperty("content");
    // Not in a domain this node offers: only its stub (DESIGN §3), never its content.
    const stubOnly = expectOk(
      await a.node.sync.exportWanted(b.node.sync.nodeIdentity, [draft.envelopeId], new Set(["app.journal/entries"])),
    );
    expect(stubOnly).toMatchObject({ envelope_ids: [draft.envelopeId] });
    expect(JSON.parse(stubOnly!.envelopes[0]!)).not.toHaveProperty("content");
    // Held nowhere here: nothing.
    expect(expectOk(await a.node.sync.exportWanted(b.node.sync.nodeIdentity, [unknown], new Set(["app.journal/drafts"])))).toBeNull();
  });

  it("rejects a have with an envelope nobody asked for, or one that is not the envelope its id names (ERR_SYNC_RANGE_MISMATCH)", async () => {
    const draft = await journal(a.node, a.me, "drafts", "draft");
    const other = await journal(a.node, a.me, "drafts", "other");
    const have = expectOk(
      await a.node.sync.exportWanted(b.node.sync.nodeIdentity, [draft.envelopeId, other.envelopeId], new Set(["app.journal/drafts"])),
    )!;
    const peer = { identity: a.node.sync.nodeIdentity, key: a.node.sync.nodeKey };
    const before = await state(b.node);
    expect(await b.node.sync.acceptWanted(peer, new Set([draft.envelopeId]), have)).toMatchObject({
      ok: false,
      error: { code: "ERR_SYNC_RANGE_MISMATCH", data: { reason: "not_wanted" } },
    });
    const swapped = { envelope_ids: have.envelope_ids, envelopes: [...have.envelopes].reverse() };
    expect(await b.node.sync.acceptWanted(peer, new Set(have.envelope_ids), swapped)).toMatchObject({
      ok: false,
      error: { code: "ERR_SYNC_RANGE_MISMATCH", data: { reason: "ids_mismatch" } },
    });
    expect(
      await b.node.sync.acceptWanted(peer, new Set(have.envelope_ids), { envelope_ids: have.envelope_ids, envelopes: [] }),
    ).toMatchObject({
      ok: false,
      error: { code: "ERR_SYNC_RANGE_MISMATCH", data: { reason: "ids_mismatch" } },
    });
    expect(await state(b.node)).toEqual(before);
    // The untouched answer to an actual want is taken.
    const taken = expectOk(await b.node.sync.acceptWanted(peer, new Set(have.envelope_ids), have));
    expect(taken.every((r) => r.ok)).toBe(true);
  });
});

/**
 * A revoked node key: its identity, and the revocation it signed itself (only a key's identity
 * revokes it). The cut honours the genesis: with no cut the genesis, and with it the revocation that
 * relies on it, would be withdrawn too.
 */
async function revokedStranger(seedByte: number): Promise<{ signer: Signer; texts: string[] }> {
  const writer = await ChainWriter.create(seedByte);
  const genesis = await writer.genesis("Stolen laptop");
  const key = publicKeyText(writer.signer.publicKey);
  // DESIGN §4 rule 5: a key that revokes itself keeps the revocation (its seq 2) and its genesis.
  const cuts = [{ key, last_seq: 2 }];
  const revocation = await writer.write({
    app: "system",
    domain: "revocations",
    ops: [{ op: "parent_create", type_key: "system.revocation", payload: { value: { kind: "key", target: key, cuts } } }],
  });
  return { signer: writer.signer, texts: [genesis.text, revocation.text] };
}

describe("a revoked sender key (ERR_CRYPTO_KEY_REVOKED)", () => {
  it("rejects its package before the range is looked at, with nothing applied and no cursor moved", async () => {
    const stranger = await revokedStranger(91);
    const peer = { identity: identityIdFromKey(stranger.signer.publicKey), key: publicKeyText(stranger.signer.publicKey) };
    const note = await ChainWriter.create(92);
    const genesis = await note.genesis();
    // A valid package before the revocation is known: accepted.
    const first = expectOk(
      await buildPackageFrame(stranger.signer, { syncDomain: "system/identity", fromSeq: 1, toSeq: 1, envelopeIds: [genesis.id] }),
    );
    expectOk(await b.node.sync.acceptPackage(peer, new Set(["system/identity"]), { frame: first, envelopes: [genesis.text] }));
    for (const text of stranger.texts) expect(expectOk(await b.node.ingest(text))).toMatchObject({ status: "accepted" });
    expect(await b.node.sync.isKeyRevoked(peer.key)).toBe(true);
    const before = { ...(await state(b.node)), cursors: await b.node.sync.cursors(peer.identity) };
    // Fresh and replayed (stale) ranges alike: revocation beats ordering.
    const next = await note.write({
      app: "app.notes",
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "t" } } }],
    });
    const fresh = expectOk(
      await buildPackageFrame(stranger.signer, { syncDomain: "app.notes/notes", fromSeq: 1, toSeq: 1, envelopeIds: [next.id] }),
    );
    for (const frame of [fresh, first]) {
      const envelopes = frame === first ? [genesis.text] : [next.text];
      expect(await b.node.sync.acceptPackage(peer, new Set(["system/identity", "app.notes/notes"]), { frame, envelopes })).toMatchObject({
        ok: false,
        error: { code: "ERR_CRYPTO_KEY_REVOKED", data: { reason: "sender_key_revoked" } },
      });
    }
    expect({ ...(await state(b.node)), cursors: await b.node.sync.cursors(peer.identity) }).toEqual(before);
  });

  it("refuses a session whose peer proves a revoked node key in its hello, and sends it nothing", async () => {
    const stranger = await revokedStranger(93);
    for (const text of stranger.texts) expectOk(await b.node.ingest(text));
    const raw = rawPeer(b.node, stranger.signer);
    await settle(raw.pair, [raw.session]);
    expect(raw.session.status()).toMatchObject({
      state: "closed",
      closeReason: "key_revoked",
      lastError: { code: "ERR_CRYPTO_KEY_REVOKED", data: { reason: "sender_key_revoked" } },
      peer: null,
      packagesOut: 0,
    });
    expect(raw.received.map((f) => f?.kind)).toContain("hello");
    expect(raw.received.some((f) => f?.kind === "package" || f?.kind === "cursors")).toBe(false);
    expect(raw.received.find((f) => f?.kind === "error")).toMatchObject({ code: "ERR_CRYPTO_KEY_REVOKED" });
    // Recorded for audit, with the transport's handle (never taken for an identity).
    const audit = expectOk(await b.node.audit.query({ kind: "sync_rejected" })).records;
    expect(audit.map((r) => [r.code, r.data["reason"]])).toEqual([["ERR_CRYPTO_KEY_REVOKED", "sender_key_revoked"]]);
  });

  it("admits the same peer while its key is not revoked (the test above fails for the revocation alone)", async () => {
    const stranger = await revokedStranger(93);
    const raw = rawPeer(b.node, stranger.signer);
    await settle(raw.pair, [raw.session]);
    expect(raw.session.status()).toMatchObject({ state: "syncing", peer: { key: publicKeyText(stranger.signer.publicKey) } });
  });
});

describe("a hello that does not prove the peer", () => {
  it("refuses a node key that is not its node identity's root key (ERR_CRYPTO_KEY_NOT_BOUND)", async () => {
    const stranger = await ChainWriter.create(96);
    const raw = rawPeer(b.node, stranger.signer, { nodeIdentity: a.node.sync.nodeIdentity });
    await settle(raw.pair, [raw.session]);
    expect(raw.session.status()).toMatchObject({
      state: "closed",
      closeReason: "node_key_not_root",
      peer: null,
      lastError: { code: "ERR_CRYPTO_KEY_NOT_BOUND", data: { reason: "node_key_not_root" } },
    });
    expect(raw.received.some((f) => f?.kind === "package" || f?.kind === "cursors")).toBe(false);
    const audit = expectOk(await b.node.audit.query({ kind: "sync_rejected" })).records;
    expect(audit.map((r) => r.data["reason"])).toEqual(["node_key_not_root"]);
  });

  it("refuses a hello bound to another session's nonce, and sends nothing (ERR_CRYPTO_INVALID_SIGNATURE nonce_mismatch)", async () => {
    const stranger = await ChainWriter.create(97);
    const raw = rawPeer(b.node, stranger.signer, { peerNonce: newSessionNonce() });
    await settle(raw.pair, [raw.session]);
    expect(raw.session.status()).toMatchObject({ state: "closed", closeReason: "hello_rejected", peer: null });
    expect(raw.session.status().lastError).toMatchObject({ code: "ERR_CRYPTO_INVALID_SIGNATURE", data: { reason: "nonce_mismatch" } });
    expect(raw.received.some((f) => f?.kind === "package" || f?.kind === "cursors")).toBe(false);
    expect(expectOk(await b.node.audit.query({ kind: "sync_rejected" })).records).toHaveLength(1);
  });
});

describe("a peer flooding valid frames nobody asked for", () => {
  it("is cut off with its queue bounded, while an honest peer keeps syncing", async () => {
    await writeNotes(a.node, a.me, ["a1", "a2", "a3"]);
    const flooder = await revokedStranger(94); // a fresh key: its revocation is never given to a
    const raw = rawPeer(a.node, flooder.signer);
    await settle(raw.pair, [raw.session]);
    expect(raw.session.status().state).toBe("syncing");
    // The flooder's own transport end sees the session's queue after every delivery.
    let maxQueued = 0;
    raw.pair[0].onMessage(() => (maxQueued = Math.max(maxQueued, raw.session.status().queued)));
    // A well-formed id of an envelope that exists nowhere: valid, and useless to answer.
    const want = expectOk(encodeFrame({ kind: "want", envelope_ids: [`${"B".repeat(42)}A` as EnvelopeId] }));
    const cursors = expectOk(encodeFrame({ kind: "cursors", cursors: { "app.notes/notes": 0 } }));
    const honest = createLoopbackTransportPair();
    const sa = a.node.sync.connect(honest[0]);
    const sb = b.node.sync.connect(honest[1]);
    for (let round = 0; round < 40 && raw.session.status().state !== "closed"; round++) {
      for (let i = 0; i < 250; i++) raw.raw.send(i % 2 === 0 ? want : cursors);
      await settle(raw.pair, [raw.session], 20);
    }
    await settle(honest, [sa, sb]);
    expect(raw.session.status()).toMatchObject({ state: "closed", closeReason: "peer_cut_off" });
    expect(maxQueued).toBeLessThanOrEqual(64);
    expect(maxQueued).toBeGreaterThan(0);
    const reasons = expectOk(await a.node.audit.query({ kind: "sync_rejected", limit: 1000 })).records.map((r) => r.data["reason"]);
    expect(reasons).toContain("inbound_queue_full");
    expect(reasons.length).toBeLessThan(100); // one record per burst, not one per dropped frame
    expect(await b.node.stateDigest({ app: "app.notes" })).toEqual(await a.node.stateDigest({ app: "app.notes" }));
    await writeNotes(a.node, a.me, ["after the flood"]);
    await settle(honest, [sa, sb]);
    expect(await b.node.stateDigest({ app: "app.notes" })).toEqual(await a.node.stateDigest({ app: "app.notes" }));
  });
});

/**
 * A peer that speaks raw frames with `signer` as its node key: solves the node's puzzle, admits the
 * node without a puzzle of its own, and sends a correctly signed hello. Nothing else.
 */
function rawPeer(node: TwoWayNode, signer: Signer, hello: { nodeIdentity?: IdentityId; peerNonce?: string } = {}) {
  const pair = createLoopbackTransportPair();
  const [tn, raw] = pair;
  const session: SyncSession = node.sync.connect(tn);
  const received: (SessionFrame | null)[] = [];
  const nonce = newSessionNonce();
  const send = (frame: SessionFrame) => raw.send(expectOk(encodeFrame(frame)));
  raw.onMessage((bytes) => {
    const decoded = decodeFrame(bytes);
    const frame = decoded.ok ? decoded.value : null;
    received.push(frame);
    void (async () => {
      if (frame?.kind === "challenge") {
        const { kind: _kind, ...challenge } = frame;
        send({ kind: "solution", ...expectOk(await node.sync.guard.solve(challenge)) });
      } else if (frame?.kind === "admitted") {
        send({ kind: "admitted", nonce });
        const fields = { offeredDomains: node.sync.offeredDomains(), nonce, peerNonce: hello.peerNonce ?? frame.nonce };
        send(
          expectOk(
            await buildHello(signer, { ...fields, ...(hello.nodeIdentity === undefined ? {} : { nodeIdentity: hello.nodeIdentity }) }),
          ),
        );
      }
    })();
  });
  return { pair, session, raw, received };
}
