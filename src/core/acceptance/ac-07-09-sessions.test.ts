// AC-07 (two nodes converge over a session) and AC-09 (puzzle admission and escalation), through
// real sessions over the loopback transport: admission, hellos, cursors, packages, live push,
// lost frames, a dropped channel, and hostile peers.
import { beforeEach, describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import { createLoopbackTransportPair, decodeFrame, encodeFrame, type LoopbackPair, type SyncSession } from "../network/index.ts";
import type { IdentityId } from "../shared/ids.ts";
import { fromBase64url, utf8 } from "../shared/bytes.ts";
import { leadingZeroBits, puzzleHash } from "../dos-guard/index.ts";
import { expectOk, NOTES_SCHEMA, settle, startNode, testPublisher, writeNotes } from "./fixtures.ts";

/** Low puzzle difficulty so tests spend their time on sync, not on hashing. */
const FAST_PUZZLES = { "dos.difficulty.base_bits": 6, "dos.difficulty.max_bits": 12 };

type Side = { node: TwoWayNode; me: IdentityId; clock: { advance(ms: number): void } };

async function side(name: string): Promise<Side> {
  const { node, clock } = await startNode({ config: FAST_PUZZLES });
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  return { node, clock, me: expectOk(await node.identities.create({ name })).identityId };
}

function connect(a: Side, b: Side, pair = createLoopbackTransportPair()): { pair: LoopbackPair; sa: SyncSession; sb: SyncSession } {
  const [ta, tb] = pair;
  return { pair, sa: a.node.sync.connect(ta, { packageLimit: 3 }), sb: b.node.sync.connect(tb, { packageLimit: 3 }) };
}

let a: Side;
let b: Side;

beforeEach(async () => {
  a = await side("Ann");
  b = await side("Ben");
  await writeNotes(a.node, a.me, ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]);
  await writeNotes(b.node, b.me, ["b1", "b2"]);
});

describe("AC-07 two nodes converge over a session", () => {
  it("admits both sides, exchanges hellos, syncs every shared domain, and pushes live writes", async () => {
    const { pair, sa, sb } = connect(a, b);
    await settle(pair, [sa, sb]);
    expect(sa.status()).toMatchObject({ state: "syncing", peer: { identity: b.node.sync.nodeIdentity } });
    expect(sb.status().negotiated).toContain("app.notes/notes");
    expect(await a.node.stateDigest()).toEqual(await b.node.stateDigest());
    // Live: a write on one side arrives on the other without asking.
    await writeNotes(a.node, a.me, ["live"]);
    await settle(pair, [sa, sb]);
    expect(await b.node.stateDigest()).toEqual(await a.node.stateDigest());
    const kinds = pair
      .trace()
      .map((t) => (decodeFrame(t.bytes).ok ? (decodeFrame(t.bytes) as { value: { kind: string } }).value.kind : "?"));
    expect(kinds.slice(0, 2)).toEqual(["challenge", "challenge"]);
    expect(kinds).toContain("hello");
  });

  it("recovers lost packages: the receiver's cursors make the sender resend (tick)", async () => {
    const { pair, sa, sb } = connect(a, b);
    await settle(pair, [sa, sb]);
    await writeNotes(a.node, a.me, ["x1", "x2", "x3", "x4", "x5", "x6"]);
    pair.dropNext(2, "a"); // two of a's pushes vanish
    await settle(pair, [sa, sb]);
    // Stale in-flight packages can cost a round or two more; each round is cursors plus a resend.
    for (let i = 0; i < 20 && (await a.node.stateDigest()).digest !== (await b.node.stateDigest()).digest; i++) {
      a.clock.advance(2_000); // the sender rewinds only after rewindAfterMs without progress (ADR 0026)
      await sb.tick(); // b tells a where it stands; a resends from there
      await settle(pair, [sa, sb]);
    }
    expect(await b.node.stateDigest()).toEqual(await a.node.stateDigest());
  });

  it("resumes from the cursors after the channel dies mid-sync, with no duplicate state", async () => {
    const first = connect(a, b);
    first.pair.cutAfter(8); // the link dies part-way through the initial sync
    await settle(first.pair, [first.sa, first.sb]);
    expect(first.sa.status().state).toBe("closed");
    const partial = (await b.node.sync.cursors(a.node.sync.nodeIdentity))["app.notes/notes"] ?? 0;
    const second = connect(a, b);
    await settle(second.pair, [second.sa, second.sb]);
    expect(await b.node.stateDigest()).toEqual(await a.node.stateDigest());
    const resumedFrom = second.pair
      .trace()
      .map((t) => decodeFrame(t.bytes))
      .find(
        (f) =>
          f.ok &&
          f.value.kind === "package" &&
          f.value.frame.sync_domain === "app.notes/notes" &&
          f.value.frame.sender_identity === a.node.sync.nodeIdentity,
      );
    if (partial > 0)
      expect(resumedFrom && resumedFrom.ok && resumedFrom.value.kind === "package" && resumedFrom.value.frame.from_seq).toBe(partial + 1);
  });
});

describe("AC-09 puzzle admission and escalation", () => {
  /** A bare peer that speaks raw frames to a's session. */
  function hostile() {
    const pair = createLoopbackTransportPair();
    const [ta, raw] = pair;
    const session = a.node.sync.connect(ta);
    const received: unknown[] = [];
    raw.onMessage((bytes) => {
      const f = decodeFrame(bytes);
      received.push(f.ok ? f.value : null);
    });
    return { pair, session, raw, received };
  }

  it("challenges a new connection with every required field", async () => {
    const { pair, session, received } = hostile();
    await settle(pair, [session]);
    expect(received[0]).toMatchObject({ kind: "challenge", algorithm: "sha256-leading-zero-bits" });
    for (const field of ["challenge_id", "difficulty", "expires_at", "payload", "context_binding"])
      expect(received[0]).toHaveProperty(field);
  });

  it("drops frames before admission unread and cuts the peer off, escalating difficulty", async () => {
    const { pair, session, raw } = hostile();
    const before = a.node.sync.guard.difficulty();
    const early = encodeFrame({ kind: "cursors", cursors: {} });
    for (let i = 0; i < 12 && session.status().state !== "closed"; i++) {
      raw.send(early.ok ? early.value : utf8("x"));
      await settle(pair, [session]);
    }
    expect(session.status()).toMatchObject({ state: "closed", closeReason: "peer_cut_off" });
    expect(session.status().lastError).toMatchObject({ code: "ERR_RESOURCE_PUZZLE_FAILED", data: { reason: "frame_before_admission" } });
    expect(a.node.sync.guard.difficulty()).toBeGreaterThan(before);
  });

  it("refuses an oversized frame before admission without parsing it", async () => {
    const { pair, session, raw } = hostile();
    raw.send(new Uint8Array(5000).fill(0x7b));
    await settle(pair, [session]);
    expect(session.status().lastError).toMatchObject({ code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large" } });
  });

  it("closes on a wrong puzzle solution (ERR_RESOURCE_PUZZLE_FAILED)", async () => {
    const { pair, session, raw, received } = hostile();
    await settle(pair, [session]);
    const challenge = received[0] as Record<string, unknown>;
    // A counter whose hash provably falls short of the difficulty (counter 0 passes 1 time in 2^bits).
    const binding = fromBase64url(challenge["context_binding"] as string)!;
    let counter = 0;
    while (leadingZeroBits(puzzleHash(binding, counter)) >= (challenge["difficulty"] as number)) counter += 1;
    const wrong = encodeFrame({
      kind: "solution",
      challenge_id: challenge["challenge_id"] as string,
      algorithm: challenge["algorithm"] as never,
      payload: challenge["payload"] as string,
      context_binding: challenge["context_binding"] as string,
      counter,
    } as never);
    expect(wrong.ok).toBe(true);
    if (wrong.ok) raw.send(wrong.value);
    await settle(pair, [session]);
    expect(session.status()).toMatchObject({
      state: "closed",
      closeReason: "puzzle_failed",
      lastError: { code: "ERR_RESOURCE_PUZZLE_FAILED" },
    });
  });

  it("reports a peer that sends faster than its message budget (ERR_RESOURCE_RATE_LIMIT)", async () => {
    const pair = createLoopbackTransportPair();
    // a allows b two messages per second; b's ordinary admission and sync traffic exceeds that.
    const sa = a.node.sync.connect(pair[0], { maxMessagesPerSecond: 2 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1 });
    await settle(pair, [sa, sb]);
    expect(sa.status().lastError).toMatchObject({ code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "message_rate" } });
  });

  it("keeps an honest peer syncing while a garbage peer is cut off", async () => {
    const attacker = hostile();
    const honest = connect(a, b);
    for (let i = 0; i < 20 && attacker.session.status().state !== "closed"; i++) {
      attacker.raw.send(utf8(`garbage ${i}`));
      await settle(attacker.pair, [attacker.session]);
    }
    await settle(honest.pair, [honest.sa, honest.sb]);
    expect(attacker.session.status().state).toBe("closed");
    expect(await b.node.stateDigest()).toEqual(await a.node.stateDigest());
  });
});
