// The sync pipeline (ADR 0027): a receiver prepares the packages behind the one it commits (decode,
// frame and envelope signatures) and still commits them one at a time, in order, failing closed on a
// bad one; what it sends back over seqs that all came from its peer is the range alone.
import { beforeEach, describe, expect, it } from "vitest";
import { createLoopbackTransportPair, encodeFrame, type SessionFrame, type Transport } from "../network/index.ts";
import { expectOk, writeNotes } from "./fixtures.ts";
import { digest, frameOf, pumpManually, side, withSend, type Side } from "./sync-link.ts";

const NOTES = "app.notes/notes";

/** The transport with each frame `change` returns re-encoded in its place, as a link that alters frames. */
function altering(transport: Transport, change: (frame: SessionFrame) => SessionFrame | null): Transport {
  return withSend(transport, (bytes, target) => {
    const changed = change(frameOf(bytes)!);
    return target.send(changed === null ? bytes : expectOk(encodeFrame(changed)));
  });
}

let a: Side;
let b: Side;

beforeEach(async () => {
  a = await side("Ann");
  b = await side("Ben");
});

describe("the receiver's pipeline (ADR 0027)", () => {
  it("commits a queue of packages prepared ahead one at a time, in order, and sends back only ranges", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 16 }, (_, i) => `n${i}`),
    );
    const pair = createLoopbackTransportPair({ delivery: "manual", traceLimit: 10_000 });
    const sa = a.node.sync.connect(pair[0], { packageLimit: 1 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1 });
    await pumpManually(pair, [sa, sb]);
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(sb.status().lastError).toBeNull();
    expect(sb.status().recovered).toBe(0); // no package came out of turn: each committed after the one before
    const received = (await b.node.sync.cursors(a.node.sync.nodeIdentity))[NOTES];
    expect(received).toBe(a.node.globalSeq());
    // Ben's notes are all Ann's: what he pumped back in that domain carried no envelope, and still
    // moved Ann's cursor over every seq he holds.
    const back = pair
      .trace()
      .filter((t) => t.from === "b")
      .map((t) => frameOf(t.bytes))
      .filter((f): f is Extract<SessionFrame, { kind: "package" }> => f?.kind === "package" && f.frame.sync_domain === NOTES);
    expect(back.length).toBeGreaterThan(0);
    expect(back.every((f) => f.envelopes.length === 0)).toBe(true);
    expect((await a.node.sync.cursors(b.node.sync.nodeIdentity))[NOTES]).toBe(b.node.globalSeq());
  });

  it("refuses a package with a bad envelope in the middle of a queue: nothing of it is written, nor of those prepared after it", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 10 }, (_, i) => `n${i}`),
    );
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    let notesPackages = 0;
    let badFrom = -1;
    // The fourth notes package's envelope is altered on the link: its ids (and so the signed frame)
    // still match, its content no longer does what its author signed.
    const ta = altering(pair[0], (frame) => {
      if (frame.kind !== "package" || frame.frame.sync_domain !== NOTES || frame.envelopes.length === 0) return null;
      if (++notesPackages !== 4) return null;
      badFrom = frame.frame.from_seq;
      const altered = frame.envelopes.map((text) => text.replace(/"title":"n(\d)"/, '"title":"x$1"'));
      expect(altered).not.toEqual(frame.envelopes);
      return { ...frame, envelopes: altered };
    });
    const sa = a.node.sync.connect(ta, { packageLimit: 1 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1 });
    await pumpManually(pair, [sa, sb]);
    expect(badFrom).toBeGreaterThan(0);
    // Fail closed: the cursor stops before the bad package; the packages after it (prepared while it
    // was refused) found a gap and committed nothing.
    expect((await b.node.sync.cursors(a.node.sync.nodeIdentity))[NOTES]).toBe(badFrom - 1);
    expect(sb.status().lastError?.code).toBe("ERR_CRYPTO_DIGEST_MISMATCH");
    expect(await digest(b.node)).not.toEqual(await digest(a.node));
    // …and audited with its code.
    const page = expectOk(await b.node.audit.query({}));
    expect(page.records.some((record) => record.code === "ERR_CRYPTO_DIGEST_MISMATCH")).toBe(true);
  });
});
