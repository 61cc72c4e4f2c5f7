// Sync on a slow or lossy link without self-inflicted errors (ADR 0026): the sender's window keeps
// a slow receiver's inbound queue from overflowing, every lost step (a package, its resend, an ack,
// a handshake frame, a `have`) has a retry or a timeout, and recovered protocol events are not errors.
import { beforeEach, describe, expect, it } from "vitest";
import { createLoopbackTransportPair, type LoopbackPair, type SessionFrame, type SyncSession, type Transport } from "../network/index.ts";
import { settle, writeNotes } from "./fixtures.ts";
import { digest, frameOf, pumpManually, side, withSend, type Side } from "./sync-link.ts";

/** The transport with `send` filtered: frames `lose` picks vanish, as on a lossy link. */
function lossy(transport: Transport, lose: (frame: SessionFrame) => boolean): Transport {
  return withSend(transport, (bytes, target) => (lose(frameOf(bytes)!) ? { ok: true, value: undefined } : target.send(bytes)));
}

/**
 * The receiver's tick, `times` times, each settled. A tick repeats its cursors only when no package
 * was accepted since the last one (the acks said it then), so the second of two says it surely.
 */
async function ticks(pair: LoopbackPair, receiver: SyncSession, sender: SyncSession, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await receiver.tick();
    await settle(pair, [sender, receiver]);
  }
}

function packagesSent(pair: LoopbackPair, from: "a" | "b"): number {
  return pair.trace().filter((t) => t.from === from && frameOf(t.bytes)?.kind === "package").length;
}

let a: Side;
let b: Side;

beforeEach(async () => {
  a = await side("Ann");
  b = await side("Ben");
});

describe("the sender paces itself to its peer (ADR 0026)", () => {
  it("never overflows a slow receiver's inbound queue: no ERR_RESOURCE_PEER_LIMIT on either side", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 20 }, (_, i) => `n${i}`),
    );
    // Ben finds every frame on the link at once and has room for 12: 20 one-envelope packages sent
    // without acks overflowed it (ERR_RESOURCE_PEER_LIMIT inbound_queue_full, strikes, gaps).
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const sa = a.node.sync.connect(pair[0], { packageLimit: 1 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1, maxQueuedFrames: 12 });
    await pumpManually(pair, [sa, sb]);
    expect(sb.status().lastError).toBeNull();
    expect(sa.status().lastError).toBeNull();
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(sa.status()).toMatchObject({ live: true, inFlight: 0 });
    // …and without a single resend: every package went once.
    expect(packagesSent(pair, "a")).toBe(sa.status().packagesOut);
    expect(sb.status().recovered).toBe(0);
    // "N of M changes" ends at M, and both sides say they are up to date.
    const { done, total } = sb.status().progress;
    expect(done).toBe(total);
    expect(total).toBeGreaterThanOrEqual(20);
    expect(sb.status().upToDate).toBe(true);
    expect(sa.status().upToDate).toBe(true);
  });

  it("a slow receiver that ticks while packages are still on the way causes no rewind on a reliable link", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 30 }, (_, i) => `n${i}`),
    );
    // One frame at a time, each taking 100 ms; Ben ticks every 3 s (as the worker does), so his
    // ticks land while Ann's window has packages on the link. A busy receiver's ticks did that in
    // the resume journey: 35 to 57 needless rewinds a run.
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    const sa = a.node.sync.connect(pair[0], { packageLimit: 1 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1 });
    let ticked = 0;
    for (let i = 0; i < 3_000 && !(sa.status().upToDate && sb.status().upToDate); i++) {
      if (!pair.step()) pair.flush();
      await Promise.all([sa.idle(), sb.idle()]);
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      a.clock.advance(100);
      b.clock.advance(100);
      if (i % 30 === 29) {
        ticked += 1;
        await sb.tick();
      }
    }
    expect(ticked).toBeGreaterThanOrEqual(3); // the ticks did land mid-transfer
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(sa.status().recovered).toBe(0);
    expect(packagesSent(pair, "a")).toBe(sa.status().packagesOut); // nothing went twice
    expect(sa.status().packagesOut).toBeGreaterThanOrEqual(30);
    expect(sb.status().lastError).toBeNull();
  });

  it("a lost package is resent once, rewindAfterMs after the domain last moved, with no error shown", async () => {
    const pair = createLoopbackTransportPair();
    const sa = a.node.sync.connect(pair[0], { packageLimit: 1 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1 });
    await settle(pair, [sa, sb]);
    pair.dropNext(1, "a");
    await writeNotes(a.node, a.me, ["x1", "x2", "x3", "x4"]);
    await settle(pair, [sa, sb]);
    // Ben said where he stands (a gap, or his tick), but the domain moved just now: the package
    // may still be on the way to a busy peer, so Ann does not rewind yet.
    await ticks(pair, sb, sa, 2);
    expect(sa.status().recovered).toBe(0);
    expect(await digest(b.node)).not.toEqual(await digest(a.node));
    a.clock.advance(2_000);
    await ticks(pair, sb, sa, 2);
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(sa.status().recovered).toBe(1);
    expect(sb.status().lastError).toBeNull(); // a gap is an expected, recovered event
    expect(sa.status().lastError).toBeNull();
  });

  it("a rewound package lost again is resent rewindAfterMs after the rewind, on the receiver's tick", async () => {
    await writeNotes(a.node, a.me, ["first"]);
    const pair = createLoopbackTransportPair();
    let armed = false;
    let losses = 0;
    let lostFrom = -1;
    // Lose the first live package of the notes domain, and its first resend.
    const ta = lossy(pair[0], (frame) => {
      if (!armed || frame.kind !== "package" || frame.frame.sync_domain !== "app.notes/notes" || losses >= 2) return false;
      if (lostFrom === -1) lostFrom = frame.frame.from_seq;
      if (frame.frame.from_seq !== lostFrom) return false;
      losses += 1;
      return true;
    });
    const sa = a.node.sync.connect(ta, { packageLimit: 1 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1 });
    await settle(pair, [sa, sb]);
    armed = true;
    await writeNotes(a.node, a.me, ["y1", "y2", "y3"]);
    await settle(pair, [sa, sb]);
    a.clock.advance(2_000);
    await ticks(pair, sb, sa, 2);
    expect(losses).toBe(2);
    // Ann rewound once; its resend was lost too. Ben's ticks repeat the cursor, but a second rewind
    // waits rewindAfterMs from the first (one loss, one resend).
    await ticks(pair, sb, sa, 2);
    expect(sa.status().recovered).toBe(1);
    expect(await digest(b.node)).not.toEqual(await digest(a.node));
    a.clock.advance(2_000);
    await ticks(pair, sb, sa, 2);
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(sa.status().recovered).toBe(2);
    expect(sb.status().lastError).toBeNull();
  });

  it("lost acks stall the window only until the receiver's tick", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 12 }, (_, i) => `n${i}`),
    );
    const pair = createLoopbackTransportPair();
    let loseAcks = false;
    const tb = lossy(pair[1], (frame) => loseAcks && frame.kind === "cursors");
    const sa = a.node.sync.connect(pair[0], { packageLimit: 1, maxPackagesInFlight: 4 });
    const sb = b.node.sync.connect(tb, { packageLimit: 1 });
    // Let the hellos and the first cursors through, then lose every ack.
    for (let i = 0; i < 400 && sb.status().state !== "syncing"; i++) {
      await Promise.all([sa.idle(), sb.idle()]);
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    loseAcks = true;
    await settle(pair, [sa, sb]);
    expect(sa.status().inFlight).toBe(4); // the window is full and no ack came back
    expect(await digest(b.node)).not.toEqual(await digest(a.node));
    loseAcks = false;
    for (let i = 0; i < 12 && (await digest(b.node)) !== (await digest(a.node)); i++) {
      await sb.tick();
      await settle(pair, [sa, sb]);
    }
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(sa.status().inFlight).toBe(0);
    expect(sb.status().lastError).toBeNull();
  });

  it("converges over a link that duplicates and reorders, with no error on either side", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 10 }, (_, i) => `a${i}`),
    );
    await writeNotes(b.node, b.me, ["b1", "b2"]);
    const pair = createLoopbackTransportPair({ faults: { duplicate: 0.3, reorder: { probability: 0.3 } } });
    const sa = a.node.sync.connect(pair[0], { packageLimit: 2 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 2 });
    await settle(pair, [sa, sb]);
    for (let i = 0; i < 12 && (await digest(b.node)) !== (await digest(a.node)); i++) {
      a.clock.advance(2_000);
      b.clock.advance(2_000);
      await sa.tick();
      await sb.tick();
      await settle(pair, [sa, sb]);
    }
    expect(await digest(b.node), JSON.stringify([sa.status(), sb.status()])).toEqual(await digest(a.node));
    expect(sa.status().lastError).toBeNull();
    expect(sb.status().lastError).toBeNull();
  });
});

describe("a receiver offers nothing back to its sender (ADR 0026)", () => {
  it("what Ben receives from Ann, in sync and live, never travels back to her; his own history does", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 10 }, (_, i) => `a${i}`),
    );
    await writeNotes(b.node, b.me, ["b1"]);
    const bens = new Set((await b.node.history()).map((h) => h.id));
    const heldByBoth = new Set((await a.node.history()).filter((h) => bens.has(h.id)).map((h) => h.id));
    const pair = createLoopbackTransportPair();
    const sa = a.node.sync.connect(pair[0], { packageLimit: 2 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 2 });
    await settle(pair, [sa, sb]);
    await writeNotes(a.node, a.me, ["live1", "live2"]);
    await settle(pair, [sa, sb]);
    expect(await digest(b.node)).toEqual(await digest(a.node));
    const carried = (from: "a" | "b") =>
      new Set(
        pair.trace().flatMap((t) => {
          const frame = t.from === from ? frameOf(t.bytes) : null;
          return frame?.kind === "package" ? frame.frame.envelope_ids : [];
        }),
      );
    const fromAnn = carried("a");
    const fromBen = carried("b");
    expect(fromAnn.size).toBeGreaterThanOrEqual(12);
    // Both held the publisher's envelopes before they met; each offered them once, before knowing.
    expect([...fromBen].filter((id) => fromAnn.has(id) && !heldByBoth.has(id))).toEqual([]);
    const bensNote = (await b.node.history({ app: "app.notes" })).find((h) => h.authorId === b.me);
    expect(bensNote).toBeDefined();
    expect(fromBen.has(bensNote!.id)).toBe(true);
  });
});

describe("every handshake step that can be lost has a timeout", () => {
  for (const lost of ["challenge", "solution", "admitted", "hello"] as const) {
    it(`closes with handshake_timeout when its ${lost} is lost`, async () => {
      const pair = createLoopbackTransportPair();
      const ta = lossy(pair[0], (frame) => frame.kind === lost);
      const sa = a.node.sync.connect(ta, { handshakeTimeoutMs: 30_000 });
      const sb = b.node.sync.connect(pair[1], { handshakeTimeoutMs: 30_000 });
      await settle(pair, [sa, sb]);
      expect(sb.status().state).not.toBe("syncing");
      await sb.tick(); // before the deadline: still waiting
      expect(sb.status().state).not.toBe("closed");
      b.clock.advance(30_000);
      await sb.tick();
      await settle(pair, [sa, sb]);
      expect(sb.status()).toMatchObject({ state: "closed", closeReason: "handshake_timeout" });
      expect(sa.status().state).toBe("closed"); // the peer hears the close too
    });
  }
});
