// Read-only audit queries, newest first (interfaces audit/logs: limit 1-1000, cursor). Checks the
// filter, then walks one compound index backwards from `beforeSeq`; never loads more than a page.
import { isErrorCode, nodeError } from "../shared/errors.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { LogDatabase, LogIndexedField } from "../storage/index.ts";
import { isAuditKind } from "./audit-entry.ts";
import { DEFAULT_QUERY_LIMIT, type AuditKind, type AuditPage, type AuditRecord } from "./types.ts";

const FILTER_FIELDS = ["kind", "code", "app", "traceId", "limit", "beforeSeq"];

/** A checked filter: kinds deduplicated, limit and upper bound resolved. */
export type AuditFilter = {
  readonly kinds: readonly AuditKind[] | undefined;
  readonly code: string | undefined;
  readonly app: string | undefined;
  readonly traceId: string | undefined;
  readonly limit: number;
  readonly beforeSeq: number | undefined;
};

function invalid(field: string, reason: string, message: string) {
  return err(nodeError("object_invalid", `audit query ${field}: ${message}`, { reason, field }));
}

const isText = (value: unknown) => typeof value === "string" && value.length > 0 && value.length <= 256;

export function checkAuditQuery(input: unknown, maxLimit: number): Result<AuditFilter> {
  if (!isJsonObject(input)) return invalid("filter", "expected_object", "expected a plain object");
  const q = input as Record<string, unknown>;
  for (const key of Object.keys(q)) if (!FILTER_FIELDS.includes(key)) return invalid(key, "unknown_field", "is not a filter field");
  let kinds: AuditKind[] | undefined;
  if (q.kind !== undefined) {
    const list: unknown[] = Array.isArray(q.kind) ? (q.kind as unknown[]) : [q.kind];
    if (list.length === 0 || !list.every(isAuditKind))
      return invalid("kind", "invalid_kind", "must be an audit kind or a non-empty list of them");
    kinds = [...new Set(list)];
  }
  if (q.code !== undefined && !(typeof q.code === "string" && isErrorCode(q.code)))
    return invalid("code", "invalid_code", "is not a registered error code");
  if (q.app !== undefined && !isText(q.app)) return invalid("app", "invalid_app", "must be a non-empty string");
  if (q.traceId !== undefined && !isText(q.traceId)) return invalid("traceId", "invalid_trace_id", "must be a non-empty string");
  const limit = q.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > maxLimit) {
    return invalid("limit", "invalid_limit", `must be an integer from 1 to ${maxLimit}`);
  }
  if (q.beforeSeq !== undefined && !(Number.isSafeInteger(q.beforeSeq) && (q.beforeSeq as number) >= 1)) {
    return invalid("beforeSeq", "invalid_before_seq", "must be a positive integer");
  }
  return ok({
    kinds,
    code: q.code,
    app: q.app as string | undefined,
    traceId: q.traceId as string | undefined,
    limit: limit as number,
    beforeSeq: q.beforeSeq as number | undefined,
  });
}

function matches(filter: AuditFilter, record: AuditRecord): boolean {
  return (
    (filter.kinds === undefined || filter.kinds.includes(record.kind)) &&
    (filter.code === undefined || record.code === filter.code) &&
    (filter.app === undefined || record.app === filter.app) &&
    (filter.traceId === undefined || record.traceId === filter.traceId)
  );
}

/** Up to `count` matching records below beforeSeq, newest first, walking `[field+seq]` (or seq). */
function scan(
  db: LogDatabase<AuditRecord>,
  filter: AuditFilter,
  field: LogIndexedField | undefined,
  value: string | undefined,
  count: number,
): Promise<AuditRecord[]> {
  return db.newestFirst({
    ...(field === undefined || value === undefined ? {} : { index: { field, value } }),
    beforeSeq: filter.beforeSeq,
    keep: (record) => matches(filter, record),
    limit: count,
  });
}

/** One page; `nextBeforeSeq` is set only when older matching records exist. */
export async function runAuditQuery(db: LogDatabase<AuditRecord>, filter: AuditFilter): Promise<AuditPage> {
  // One more than the page tells whether another page exists.
  const count = filter.limit + 1;
  let found: AuditRecord[];
  // The most selective index first; the other filters are applied while walking it.
  if (filter.traceId !== undefined) found = await scan(db, filter, "traceId", filter.traceId, count);
  else if (filter.code !== undefined) found = await scan(db, filter, "code", filter.code, count);
  else if (filter.app !== undefined) found = await scan(db, filter, "app", filter.app, count);
  else if (filter.kinds !== undefined) {
    // One walk per kind, merged by seq: a rare kind is never found by scanning the whole log.
    const perKind = await Promise.all(filter.kinds.map((kind) => scan(db, filter, "kind", kind, count)));
    found = perKind
      .flat()
      .sort((a, b) => b.seq - a.seq)
      .slice(0, count);
  } else found = await scan(db, filter, undefined, undefined, count);
  const records = found.slice(0, filter.limit);
  const more = found.length > filter.limit;
  return { records, nextBeforeSeq: more ? records[records.length - 1]!.seq : null };
}
