// BoundedCache: hits are served without re-creating, and the least recently used entry goes first.
import { expect, it } from "vitest";
import { BoundedCache } from "./bounded-cache.ts";

it("creates a value once and then serves it from the cache", () => {
  const cache = new BoundedCache<number>(2);
  let calls = 0;
  const make = () => ++calls;
  expect(cache.getOrCreate("a", make)).toBe(1);
  expect(cache.getOrCreate("a", make)).toBe(1);
  expect(calls).toBe(1);
});

it("evicts the least recently used entry beyond its capacity", () => {
  const cache = new BoundedCache<string>(2);
  cache.getOrCreate("a", () => "a1");
  cache.getOrCreate("b", () => "b1");
  cache.getOrCreate("a", () => "a2"); // touch a: b is now the oldest
  cache.getOrCreate("c", () => "c1");
  expect(cache.size).toBe(2);
  expect(cache.getOrCreate("a", () => "a3")).toBe("a1");
  expect(cache.getOrCreate("b", () => "b2")).toBe("b2");
});

it("refuses a capacity that is not a positive integer (a bug)", () => {
  expect(() => new BoundedCache(0)).toThrow();
});
