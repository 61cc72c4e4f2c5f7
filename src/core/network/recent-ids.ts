// A bounded set of ids, oldest forgotten first: what a session remembers of its peer's envelopes
// (ADR 0026), so a hostile or long session cannot grow it.

export type RecentIds = { has(id: string): boolean; add(id: string): void; readonly size: number };

export function createRecentIds(max: number): RecentIds {
  const ids = new Set<string>();
  return {
    has: (id) => ids.has(id),
    add(id) {
      ids.delete(id);
      ids.add(id);
      if (ids.size > max) ids.delete(ids.values().next().value!);
    },
    get size() {
      return ids.size;
    },
  };
}
