// A read row as the node answers it, for the apps' unit tests: owner, value, and what a test overrides.
import type { Row } from "../rows.ts";

export const row = (id: string, owner: string, value: unknown, extra: Partial<Row> = {}): Row => ({
  id,
  owner_identity: owner,
  parent_id: null,
  dst_id: null,
  value,
  created_at: "2026-12-01T10:00:00.000Z",
  global_seq: 1,
  ...extra,
});
