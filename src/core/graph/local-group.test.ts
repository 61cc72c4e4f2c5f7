// KeyHeads (issue 17, ADR 0029 amendment): a key's head is answered from memory only while global_seq
// stays where the last local commit left it; anything else that moved it, or forget(), reads again.
import { describe, expect, it } from "vitest";
import type { EnvelopeId } from "../shared/ids.ts";
import { KeyHeads } from "./local-group.ts";
import type { ChainHead } from "./write-draft.ts";

const head = (id: string, keySeq: number): ChainHead => ({ id: id as EnvelopeId, keySeq, lamport: keySeq });

function heads(stored: Map<string, ChainHead>) {
  const state = { globalSeq: 5, reads: 0 };
  const keyHeads = new KeyHeads(
    (key) => {
      state.reads += 1;
      return Promise.resolve(stored.get(key));
    },
    () => state.globalSeq,
  );
  return { keyHeads, state };
}

describe("KeyHeads", () => {
  it("answers the head a local commit wrote without a read while global_seq has not moved", async () => {
    const { keyHeads, state } = heads(new Map([["k", head("e5", 5)]]));
    expect(await keyHeads.lastOfKey("k")).toEqual(head("e5", 5));
    expect(state.reads).toBe(1);
    state.globalSeq = 6;
    keyHeads.committed(5, 6, [["k", head("e6", 6)]]);
    expect(await keyHeads.lastOfKey("k")).toEqual(head("e6", 6));
    expect(state.reads).toBe(1);
  });

  it("reads the stored head again once something else moved global_seq (an ingest)", async () => {
    const stored = new Map([["k", head("e6", 6)]]);
    const { keyHeads, state } = heads(stored);
    state.globalSeq = 6;
    keyHeads.committed(5, 6, [["k", head("e6", 6)]]);
    state.globalSeq = 7; // an ingested envelope of the same key, say from a restore
    stored.set("k", head("e7", 7));
    expect(await keyHeads.lastOfKey("k")).toEqual(head("e7", 7));
    expect(state.reads).toBe(1);
  });

  it("drops heads kept before a commit it did not see, and after forget()", async () => {
    const stored = new Map([
      ["a", head("a1", 1)],
      ["b", head("b9", 9)],
    ]);
    const { keyHeads, state } = heads(stored);
    state.globalSeq = 6;
    keyHeads.committed(5, 6, [["a", head("a1", 1)]]);
    state.globalSeq = 8; // global_seq 7 was not a local commit: what was kept for "a" may be stale
    keyHeads.committed(7, 8, [["b", head("b9", 9)]]);
    stored.set("a", head("a2", 2));
    expect(await keyHeads.lastOfKey("a")).toEqual(head("a2", 2));
    expect(await keyHeads.lastOfKey("b")).toEqual(head("b9", 9));
    expect(state.reads).toBe(1);
    keyHeads.forget(); // the integrity repair rewrote rows without moving global_seq
    stored.set("b", head("b8", 8));
    expect(await keyHeads.lastOfKey("b")).toEqual(head("b8", 8));
    expect(state.reads).toBe(2);
  });
});
