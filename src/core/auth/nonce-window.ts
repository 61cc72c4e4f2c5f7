// The registration replay window (interfaces 13 §2.1): a (public_key, nonce) pair seen recently is
// refused. Held in memory and bounded; when full it refuses new pairs rather than forget live ones,
// because forgetting one would reopen its replay window (fail closed).

export class NonceWindow {
  /** pair → time it may be forgotten, in insertion order. */
  readonly #seen = new Map<string, number>();

  get size(): number {
    return this.#seen.size;
  }

  has(publicKey: string, nonce: string, now: number): boolean {
    const until = this.#seen.get(`${publicKey}:${nonce}`);
    return until !== undefined && until > now;
  }

  /** Records the pair until `until`; false when `max` live pairs leave no room. */
  remember(publicKey: string, nonce: string, now: number, until: number, max: number): boolean {
    this.#prune(now);
    if (this.#seen.size >= max) return false;
    this.#seen.set(`${publicKey}:${nonce}`, until);
    return true;
  }

  #prune(now: number): void {
    for (const [pair, until] of this.#seen) if (until <= now) this.#seen.delete(pair);
  }

  clear(): void {
    this.#seen.clear();
  }
}
