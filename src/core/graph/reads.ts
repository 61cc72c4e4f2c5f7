// Reads (public design GraphReadRequest): one app's objects, filtered, ordered and paged, as of a
// snapshot. Never returns another app's objects or withdrawn ones; requests are untrusted input.
import { nodeError } from "../shared/errors.ts";
import { isJsonObject, type JsonValue } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { ObjectRow, NodeStorage } from "../storage/index.ts";
import type { ObjectKind } from "../wire/index.ts";
import { recomputeWinner } from "./materialize.ts";

export type GraphReadRequest = {
  readonly target: ObjectKind;
  readonly type_key?: string;
  readonly ids?: readonly string[];
  /** Attributes of, edges from, or ratings on this object. */
  readonly parent_id?: string;
  /** Equality on top-level fields of the current value (object values only). */
  readonly where?: Readonly<Record<string, string | number | boolean | null>>;
  readonly order_by?: "global_seq" | "created_at" | "updated_at";
  readonly order?: "asc" | "desc";
  readonly limit?: number;
  readonly offset?: number;
  /** Read as of this global_seq; defaults to the latest. */
  readonly snapshot_seq?: number;
};

export type GraphRow = {
  readonly id: string;
  readonly kind: ObjectKind;
  readonly type_key: string;
  readonly owner_identity: string;
  readonly parent_id: string | null;
  readonly dst_id: string | null;
  readonly value: JsonValue;
  readonly created_at: string;
  readonly updated_at: string;
  readonly global_seq: number;
};

export type GraphReadResult = { readonly rows: readonly GraphRow[]; readonly next_offset: number | null; readonly snapshot_seq: number };

const FIELDS = ["target", "type_key", "ids", "parent_id", "where", "order_by", "order", "limit", "offset", "snapshot_seq"];
const KINDS = ["parent", "attr", "edge", "rating"];
const DEFAULT_LIMIT = 50;
const MAX_IDS = 100;

function invalid(reason: string, field: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_TYPE", `Read request rejected at ${field}: ${reason}.`, { reason, path: field }));
}

function bounds(reason: string, field: string): Result<never> {
  return err(nodeError("ERR_MNG_GRAPH_READ_BOUNDS_EXCEEDED", `Read request out of bounds at ${field}.`, { reason, path: field }));
}

const isNat = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Checks an untrusted request shape before any storage work. */
export function checkReadRequest(request: unknown, maxLimit: number, globalSeq: number): Result<GraphReadRequest> {
  if (!isJsonObject(request)) return invalid("expected_object", "");
  const unknown = Object.keys(request).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) return invalid("unknown_field", unknown);
  const r = request as Record<string, unknown>;
  if (typeof r["target"] !== "string" || !KINDS.includes(r["target"])) return invalid("unknown_target", "target");
  if (r["type_key"] !== undefined && typeof r["type_key"] !== "string") return invalid("expected_string", "type_key");
  if (r["parent_id"] !== undefined && typeof r["parent_id"] !== "string") return invalid("expected_string", "parent_id");
  if (r["ids"] !== undefined) {
    if (!Array.isArray(r["ids"]) || r["ids"].some((id) => typeof id !== "string")) return invalid("expected_string_array", "ids");
    if (r["ids"].length > MAX_IDS) return bounds("too_many_ids", "ids");
  }
  if (r["where"] !== undefined) {
    if (!isJsonObject(r["where"])) return invalid("expected_object", "where");
    for (const [k, v] of Object.entries(r["where"] as object))
      if (v !== null && typeof v === "object") return invalid("expected_scalar", `where.${k}`);
  }
  if (r["order_by"] !== undefined && !["global_seq", "created_at", "updated_at"].includes(r["order_by"] as string))
    return invalid("unknown_order", "order_by");
  if (r["order"] !== undefined && r["order"] !== "asc" && r["order"] !== "desc") return invalid("unknown_order", "order");
  if (r["limit"] !== undefined && (!isNat(r["limit"]) || r["limit"] < 1 || r["limit"] > maxLimit))
    return bounds("limit_out_of_range", "limit");
  if (r["offset"] !== undefined && !isNat(r["offset"])) return bounds("offset_out_of_range", "offset");
  if (r["snapshot_seq"] !== undefined && (!isNat(r["snapshot_seq"]) || r["snapshot_seq"] > globalSeq))
    return bounds("snapshot_in_future", "snapshot_seq");
  return ok(request as GraphReadRequest);
}

async function candidates(storage: NodeStorage, app: string, request: GraphReadRequest): Promise<ObjectRow[]> {
  if (request.ids !== undefined) return [...(await storage.getObjects(request.ids)).values()];
  if (request.parent_id !== undefined) return storage.childrenOf(app, request.parent_id);
  if (request.type_key !== undefined) return storage.objectsOfType(app, request.target, request.type_key);
  return storage.objectsOfApp(app);
}

/** The object as it was at `snapshot`: later versions do not count, later objects do not exist. */
async function asOf(storage: NodeStorage, row: ObjectRow, snapshot: number): Promise<ObjectRow | undefined> {
  if (row.createdSeq > snapshot) return undefined;
  if (row.updatedSeq <= snapshot) return row;
  const versions = (await storage.versionsOf(row.id)).filter((v) => v.seq <= snapshot);
  return recomputeWinner(row, versions);
}

/** Whether the reader may see an object (ACL read rules); reads never return what it may not. */
export type ReadFilter = (row: ObjectRow) => boolean;

export async function readGraph(
  storage: NodeStorage,
  app: string,
  request: GraphReadRequest,
  mayRead: ReadFilter = () => true,
): Promise<GraphReadResult> {
  const snapshot = request.snapshot_seq ?? storage.globalSeq;
  const rows: ObjectRow[] = [];
  for (const row of await candidates(storage, app, request)) {
    // App isolation (AC-06) and withdrawn objects (DESIGN §4 rule 5) before anything else.
    if (row.app !== app || row.kind !== request.target || row.suppressed === 1) continue;
    if (request.type_key !== undefined && row.typeKey !== request.type_key) continue;
    if (request.parent_id !== undefined && row.parent !== request.parent_id) continue;
    if (!mayRead(row)) continue;
    const seen = await asOf(storage, row, snapshot);
    if (seen === undefined || seen.suppressed === 1) continue;
    if (request.where !== undefined) {
      const value = seen.winner.value;
      if (!isJsonObject(value) || !Object.entries(request.where).every(([k, v]) => value[k] === v)) continue;
    }
    rows.push(seen);
  }
  const orderBy = request.order_by ?? "global_seq";
  const key = (r: ObjectRow): string | number =>
    orderBy === "global_seq" ? r.createdSeq : orderBy === "created_at" ? r.createdAt : r.updatedAt;
  const direction = request.order === "desc" ? -1 : 1;
  rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * direction;
  });
  const offset = request.offset ?? 0;
  const limit = request.limit ?? DEFAULT_LIMIT;
  const page = rows.slice(offset, offset + limit);
  return {
    rows: page.map((r) => ({
      id: r.id,
      kind: r.kind,
      type_key: r.typeKey,
      owner_identity: r.owner,
      parent_id: r.parent === "" ? null : r.parent,
      dst_id: r.dst === "" ? null : r.dst,
      value: r.winner.value,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      global_seq: r.createdSeq,
    })),
    next_offset: offset + limit < rows.length ? offset + limit : null,
    snapshot_seq: snapshot,
  };
}
