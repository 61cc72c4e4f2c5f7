// What a commit tells the Event manager, and the `graph.object_mutated` event a subscriber gets:
// ids and summaries only, never object bodies (architecture 11 §2), at most 8192 canonical bytes of
// payload (interfaces 14 §2). Subscribers re-read through ACL-checked reads.
import { utf8ByteLength } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { nodeError, type NodeError } from "../shared/errors.ts";
import { parseEnvelopeId, parseIdentityId, parseObjectId } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isAppName, isDomainName, isTraceId, isTypeKey, type ObjectKind } from "../wire/index.ts";

/** Built by the composition root from each commit the Graph reports (graph/ports.ts CommitListener). */
export type CommitNotice = {
  readonly envelopeId: string;
  /** The envelope's global_seq: strictly increasing from one notice to the next. */
  readonly seq: number;
  readonly app: string;
  readonly domain: string;
  readonly status: "accepted" | "suppressed";
  /** The envelope's trace_id, echoed as the event's. */
  readonly traceId?: string;
  /** The objects whose readable state this commit changed. */
  readonly objects: readonly CommitObject[];
};

export type CommitObject = { readonly id: string; readonly kind: ObjectKind; readonly typeKey: string; readonly owner: string };

export const GRAPH_OBJECT_MUTATED = "graph.object_mutated";
/** interfaces 14 §2: the payload bound, in UTF-8 bytes of its canonical JSON. */
export const MAX_EVENT_PAYLOAD_BYTES = 8192;

export type EventObject = { readonly id: string; readonly kind: ObjectKind; readonly type_key: string };

export type GraphEventPayload = {
  readonly app: string;
  readonly domain: string;
  readonly global_seq: number;
  readonly envelope_id: string;
  /** The objects this subscriber may read, in commit order; cut short when `truncated`. */
  readonly objects: readonly EventObject[];
  /** How many objects this subscriber may read in the commit (more than `objects` when truncated). */
  readonly object_count: number;
  /** True when the list did not fit the size bound: do a catch-up read for this global_seq. */
  readonly truncated: boolean;
};

/** interfaces 14 §2: the envelope `{ event, trace_id, payload }`. */
export type GraphEvent = { readonly event: typeof GRAPH_OBJECT_MUTATED; readonly trace_id?: string; readonly payload: GraphEventPayload };

/** Why a subscription ended (interfaces 14 close reasons; `closed` when its holder closed it). */
export type CloseReason = "closed" | "buffer_overflow" | "auth_failed" | "internal_error" | "shutdown";
export type CloseNotice = { readonly reason: CloseReason; readonly error: NodeError | null };
/** The final frame a sink gets when the node closes its subscription. */
export type CloseEvent = { readonly event: "close"; readonly payload: CloseNotice };

/** Objects one notice may name; chosen, far above one envelope's ops (256), to bound what a notice holds. */
export const MAX_NOTICE_OBJECTS = 4096;

const OBJECT_KINDS: readonly unknown[] = ["parent", "attr", "edge", "rating"] satisfies ObjectKind[];
const STATUSES: readonly unknown[] = ["accepted", "suppressed"];

function invalidNotice(field: string): Result<never> {
  // architecture 11 §4.2: an invalid descriptor is a synchronous error to the emitting manager.
  return err(nodeError("internal_error", `The commit notice has an invalid ${field}.`, { reason: "invalid_notice", field }));
}

export function checkCommitNotice(notice: unknown): Result<CommitNotice> {
  if (!isJsonObject(notice)) return invalidNotice("shape");
  const n = notice as Record<string, unknown>;
  if (parseEnvelopeId(n["envelopeId"]) === undefined) return invalidNotice("envelopeId");
  if (!Number.isSafeInteger(n["seq"]) || (n["seq"] as number) < 1) return invalidNotice("seq");
  if (typeof n["app"] !== "string" || !isAppName(n["app"])) return invalidNotice("app");
  if (typeof n["domain"] !== "string" || !isDomainName(n["domain"])) return invalidNotice("domain");
  if (!STATUSES.includes(n["status"])) return invalidNotice("status");
  if (n["traceId"] !== undefined && !isTraceId(n["traceId"])) return invalidNotice("traceId");
  const objects = n["objects"];
  if (!Array.isArray(objects) || objects.length > MAX_NOTICE_OBJECTS) return invalidNotice("objects");
  for (const o of objects as unknown[]) {
    if (!isJsonObject(o)) return invalidNotice("objects");
    const object = o as Record<string, unknown>;
    if (parseObjectId(object["id"]) === undefined || !OBJECT_KINDS.includes(object["kind"])) return invalidNotice("objects");
    if (typeof object["typeKey"] !== "string" || !isTypeKey(object["typeKey"]) || parseIdentityId(object["owner"]) === undefined)
      return invalidNotice("objects");
  }
  return ok(notice as CommitNotice);
}

function payloadOf(notice: CommitNotice, readable: readonly CommitObject[], shown: number): GraphEventPayload {
  return {
    app: notice.app,
    domain: notice.domain,
    global_seq: notice.seq,
    envelope_id: notice.envelopeId,
    objects: readable.slice(0, shown).map((o) => ({ id: o.id, kind: o.kind, type_key: o.typeKey })),
    object_count: readable.length,
    truncated: shown < readable.length,
  };
}

const payloadBytes = (payload: GraphEventPayload) => utf8ByteLength(canonicalize(payload));

/** The event for one subscriber: the objects it may read, as many as fit the size bound. */
export function buildGraphEvent(notice: CommitNotice, readable: readonly CommitObject[]): GraphEvent {
  let payload = payloadOf(notice, readable, readable.length);
  if (payloadBytes(payload) > MAX_EVENT_PAYLOAD_BYTES) {
    // The largest prefix that fits: the size grows with the count, so a binary search finds it.
    let low = 0;
    let high = readable.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (payloadBytes(payloadOf(notice, readable, middle)) <= MAX_EVENT_PAYLOAD_BYTES) low = middle;
      else high = middle - 1;
    }
    payload = payloadOf(notice, readable, low);
  }
  return deepFreeze({ event: GRAPH_OBJECT_MUTATED, ...(notice.traceId === undefined ? {} : { trace_id: notice.traceId }), payload });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
