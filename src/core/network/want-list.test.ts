// A session's `want` list (DESIGN §3): each id asked once until cleared, in frames of at most
// FRAME_LIMITS.maxIds, never more than MAX_WANTED at once; stubs asked for again, page by page,
// once the ACL generation moves.
import { describe, expect, it } from "vitest";
import { FRAME_LIMITS, type SessionFrame } from "./transport/index.ts";
import { createWantList, MAX_WANTED } from "./want-list.ts";

function setup(options: { sendOk?: boolean; stubs?: readonly string[] } = {}) {
  const frames: SessionFrame[] = [];
  let generation = 0;
  const stubCalls: { afterId: string; limit: number }[] = [];
  const stubs = [...(options.stubs ?? [])].sort();
  const wants = createWantList({
    send: (frame) => {
      frames.push(frame);
      return options.sendOk ?? true;
    },
    stubIds: (afterId, limit) => {
      stubCalls.push({ afterId, limit });
      return Promise.resolve(stubs.filter((id) => id > afterId).slice(0, Math.min(limit, 2)));
    },
    aclGeneration: () => generation,
  });
  const asked = () => frames.flatMap((f) => (f.kind === "want" ? f.envelope_ids : []));
  return { wants, frames, asked, stubCalls, bump: () => (generation += 1) };
}

const ids = (n: number, prefix = "e") => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);

describe("want list", () => {
  it("still takes a late or repeated answer: ids settled or cleared stay askable (ADR 0026)", () => {
    // A tick clears and asks again, or a package brings the envelope first: the first `have` then
    // came for an id no longer wanted and was refused as ERR_SYNC_RANGE_MISMATCH not_wanted.
    const { wants } = setup();
    wants.want(["a", "b"]);
    wants.settle("a");
    wants.clear();
    expect(wants.ids.size).toBe(0);
    expect(wants.asked.has("a")).toBe(true);
    expect(wants.asked.has("b")).toBe(true);
    expect(wants.asked.has("never")).toBe(false);
  });

  it("remembers at most MAX_WANTED answered ids, oldest forgotten first", () => {
    const { wants } = setup();
    const many = ids(MAX_WANTED + 1);
    wants.want(many.slice(0, MAX_WANTED));
    wants.clear();
    wants.want([many[MAX_WANTED]!]);
    wants.settle(many[MAX_WANTED]!);
    expect(wants.asked.has(many[0]!)).toBe(false);
    expect(wants.asked.has(many[1]!)).toBe(true);
    expect(wants.asked.has(many[MAX_WANTED]!)).toBe(true);
  });

  it("asks for each id once until cleared", () => {
    const { wants, asked } = setup();
    wants.want(["a", "b"]);
    wants.want(["b", "c"]);
    expect(asked()).toEqual(["a", "b", "c"]);
    expect([...wants.ids]).toEqual(["a", "b", "c"]);
    wants.clear();
    wants.want(["a"]);
    expect(asked()).toEqual(["a", "b", "c", "a"]);
  });

  it("splits a long list into frames of at most FRAME_LIMITS.maxIds and stops at MAX_WANTED", () => {
    const { wants, frames } = setup();
    wants.want(ids(MAX_WANTED + 10));
    expect(frames.every((f) => f.kind === "want" && f.envelope_ids.length <= FRAME_LIMITS.maxIds)).toBe(true);
    expect(wants.ids.size).toBe(MAX_WANTED);
    wants.want(["more"]);
    expect(wants.ids.has("more")).toBe(false);
  });

  it("remembers nothing a failed send did not ask for", () => {
    const { wants, frames } = setup({ sendOk: false });
    wants.want(["a"]);
    expect(frames).toHaveLength(1);
    expect(wants.ids.size).toBe(0);
  });

  it("asks for the missing dependencies of pending outcomes only, and forgets a settled id", () => {
    const { wants, asked } = setup();
    wants.wantMissingOf([
      { status: "pending", missing: ["x", "y"] },
      { status: "accepted", id: "z" },
    ] as never);
    expect(asked()).toEqual(["x", "y"]);
    wants.settle("x");
    expect([...wants.ids]).toEqual(["y"]);
  });

  it("asks for every stub again once the ACL generation moves, one page per call", async () => {
    const { wants, asked, stubCalls, bump } = setup({ stubs: ["s1", "s2", "s3"] });
    await wants.refreshStubs(); // generation 0 was never asked for
    expect(asked()).toEqual(["s1", "s2"]);
    await wants.refreshStubs();
    expect(asked()).toEqual(["s1", "s2", "s3"]);
    await wants.refreshStubs(); // the pass ends on an empty page
    await wants.refreshStubs(); // same generation: nothing to do
    expect(stubCalls.map((c) => c.afterId)).toEqual(["", "s2", "s3"]);
    bump();
    wants.clear();
    await wants.refreshStubs();
    expect(asked()).toEqual(["s1", "s2", "s3", "s1", "s2"]);
  });
});
