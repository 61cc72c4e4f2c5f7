// What a session remembers of its peer's envelopes (ADR 0026, 0027): their ids, never offered back,
// and their local seqs, so a pump over seqs that all came from the peer sends only the range.
import { describe, expect, it } from "vitest";
import type { IngestOutcome } from "../graph/index.ts";
import type { EnvelopeId } from "../shared/ids.ts";
import { createFromPeer } from "./from-peer.ts";

const accepted = (seq: number): IngestOutcome => ({ status: "accepted", id: `e${seq}` as EnvelopeId, seq, objectIds: [] });

describe("what the peer sent", () => {
  it("covers a range only when every seq in it holds an envelope the peer sent", () => {
    const fromPeer = createFromPeer();
    fromPeer.remember([accepted(3), accepted(4), accepted(5), accepted(7)]);
    expect(fromPeer.has("e4")).toBe(true);
    expect(fromPeer.coversSeqs(3, 5)).toBe(true);
    expect(fromPeer.coversSeqs(4, 4)).toBe(true);
    // 6 is this node's own (or came from elsewhere): that range is read and sent as usual.
    expect(fromPeer.coversSeqs(3, 7)).toBe(false);
    expect(fromPeer.coversSeqs(2, 5)).toBe(false);
    expect(fromPeer.coversSeqs(5, 4)).toBe(false);
  });

  it("counts neither a duplicate's seq (held before) nor a stub (no seq) nor a pending envelope", () => {
    const fromPeer = createFromPeer();
    fromPeer.remember([
      accepted(1),
      { status: "duplicate", id: "d" as EnvelopeId, seq: 2 },
      { status: "stub", id: "s" as EnvelopeId },
      { status: "pending", id: "p" as EnvelopeId, missing: [] },
      { status: "suppressed", id: "x" as EnvelopeId, seq: 3, objectIds: [] },
    ]);
    expect(fromPeer.coversSeqs(1, 1)).toBe(true);
    expect(fromPeer.coversSeqs(3, 3)).toBe(true);
    expect(fromPeer.coversSeqs(1, 3)).toBe(false);
    expect(fromPeer.has("s")).toBe(false);
  });

  it("is bounded: the oldest seqs are forgotten, and a range longer than what it holds is never covered", () => {
    const fromPeer = createFromPeer();
    fromPeer.remember(Array.from({ length: 16_400 }, (_, i) => accepted(i + 1)));
    expect(fromPeer.coversSeqs(1, 10)).toBe(false);
    expect(fromPeer.coversSeqs(100, 16_400)).toBe(true);
    expect(fromPeer.coversSeqs(1, 16_400)).toBe(false);
  });
});
