// What the built-in apps read from the node: the fields of a read row they use (the node's GraphRow),
// a field of its value, and who may read what the person writes (identity and node ids, bounded).
export type Row = {
  readonly id: string;
  readonly owner_identity: string;
  readonly parent_id: string | null;
  readonly dst_id: string | null;
  readonly value: unknown;
  readonly created_at: string;
  readonly global_seq: number;
};

export const field = (row: Row, name: string): unknown => (row.value as Record<string, unknown> | null)?.[name];

export const text = (row: Row, name: string): string | undefined => {
  const v = field(row, name);
  return typeof v === "string" ? v : undefined;
};

/** The same order on every node: created_at, then id (never arrival). */
export const byConvergence = (a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Each person's identity id and, when known, the node they sync from; without me; no repeats. */
export function readersOf(people: readonly { identityId: string; nodeId?: string | undefined }[], me: string): string[] {
  return [
    ...new Set(people.filter((p) => p.identityId !== me).flatMap((p) => [p.identityId, ...(p.nodeId === undefined ? [] : [p.nodeId])])),
  ];
}

/** allowRead takes at most 16 readers per call: the list in slices it accepts. */
export function inSlices<T>(list: readonly T[], size = 16): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
