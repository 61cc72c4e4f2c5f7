import { describe, expect, it } from "vitest";
import { versionedCache } from "./versioned-cache.ts";

function counting(initial: number) {
  let version = 0;
  let value = initial;
  let reads = 0;
  let gate: Promise<void> | null = null;
  const cache = versionedCache(
    () => version,
    async () => {
      reads += 1;
      const seen = value;
      if (gate !== null) await gate;
      return seen;
    },
    (v) => v >= 0,
  );
  return {
    cache,
    reads: () => reads,
    change(next: number) {
      value = next;
      version += 1;
    },
    set: (next: number) => (value = next),
    holdReads(until: Promise<void> | null) {
      gate = until;
    },
  };
}

describe("versionedCache", () => {
  it("reads once while the version stays, and again once it moves", async () => {
    const c = counting(1);
    expect(await c.cache()).toBe(1);
    expect(await c.cache()).toBe(1);
    expect(c.reads()).toBe(1);
    c.change(2);
    expect(await c.cache()).toBe(2);
    expect(c.reads()).toBe(2);
  });

  it("keeps an old answer while the version stays, even if the source moved unannounced", async () => {
    const c = counting(1);
    expect(await c.cache()).toBe(1);
    c.set(5); // no version bump: the cache cannot know, which is why every write must move the version
    expect(await c.cache()).toBe(1);
  });

  it("reads again after a change made while a read was running", async () => {
    const c = counting(1);
    let release!: () => void;
    c.holdReads(new Promise<void>((resolve) => (release = resolve)));
    const first = c.cache();
    c.holdReads(null);
    c.change(2); // lands after the read saw 1
    release();
    expect(await first).toBe(1);
    expect(await c.cache()).toBe(2);
    expect(c.reads()).toBe(2);
  });

  it("does not keep an answer `keep` refuses, nor a failed read", async () => {
    const c = counting(-1);
    expect(await c.cache()).toBe(-1);
    expect(await c.cache()).toBe(-1);
    expect(c.reads()).toBe(2);
    let fail = true;
    const failing = versionedCache(
      () => 0,
      () => (fail ? Promise.reject(new Error("read failed")) : Promise.resolve(1)),
      () => true,
    );
    await expect(failing()).rejects.toThrow("read failed");
    fail = false;
    expect(await failing()).toBe(1);
  });
});
