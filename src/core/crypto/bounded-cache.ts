// A least-recently-used map with a fixed capacity, for the per-public-key memos of the Ed25519 engines
// (DESIGN D1). Owns eviction only; it must not decide what is cached.
import { assert } from "../shared/assert.ts";

export class BoundedCache<V> {
  // A Map iterates in insertion order, so re-inserting on use keeps the least recent entry first.
  readonly #entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, "cache capacity must be a positive integer");
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached value for `key`, or `create()`'s result, which is cached (evicting the oldest if full). */
  getOrCreate(key: string, create: () => V): V {
    const cached = this.#entries.get(key);
    const value = cached === undefined ? create() : cached;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return value;
  }
}
