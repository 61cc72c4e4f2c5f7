// The audit record of each outcome of the write path (DESIGN D6: every acceptance and rejection is
// audited). Pure: the intent is written before the batch's transaction (ADR 0017), the outcomes after.
import { sha256 } from "../crypto/index.ts";
import type { AuditEntry } from "../log/index.ts";
import { toBase64url, utf8 } from "../shared/bytes.ts";
import type { ErrorCode, NodeError } from "../shared/errors.ts";
import type { VerifiedLink } from "../wire/index.ts";
import type { IngestSource } from "./types.ts";

export function auditEntry(
  kind: AuditEntry["kind"],
  source: IngestSource,
  verified: VerifiedLink | null,
  code: ErrorCode | null,
  message: string,
  data: AuditEntry["data"],
): AuditEntry {
  // A stub shows no trace id or app: it is audited by its id and author alone.
  const content = verified?.kind === "full" ? verified.envelope.content : null;
  return {
    kind,
    traceId: content?.trace_id ?? null,
    code,
    actor: source.actor ?? verified?.envelope.author_id ?? null,
    app: content?.app ?? null,
    envelopeId: verified?.id ?? null,
    globalSeq: null,
    message,
    data,
  };
}

export function rejectionEntry(error: NodeError, source: IngestSource, verified: VerifiedLink | null, app?: string): AuditEntry {
  const data = { category: error.category, ...(app === undefined ? {} : { app }) };
  return auditEntry(source.kind === "local" ? "write_rejected" : "ingest_rejected", source, verified, error.code, error.message, data);
}

/** Write-ahead (ADR 0017): what is about to commit, written before the transaction opens. */
export function intentEntry(source: IngestSource, verified: readonly VerifiedLink[], globalSeq: number): AuditEntry {
  const only = verified.length === 1 ? verified[0]! : null;
  return {
    ...auditEntry("write_intent", source, only, null, `About to commit ${verified.length} envelope(s) after global_seq ${globalSeq}.`, {
      inputs: verified.length,
      source: source.kind,
    }),
    globalSeq,
  };
}

/** One committed acceptance of a remote batch, in global_seq order. */
export type Acceptance = { readonly id: string; readonly seq: number; readonly status: "accepted" | "suppressed" };

/** The hash a range record names: base64url(SHA-256 of the ids in seq order, one per line). */
export function acceptedIdsHash(ids: readonly string[]): string {
  return toBase64url(sha256(utf8(ids.join("\n"))));
}

/**
 * The one record of a committed batch's remote acceptances (ADR 0033): history holds each envelope at
 * its global_seq, and this record names the range and hashes its ids, so the chain proves every one
 * (ADR 0017) without a record each. Rejections, pending and stubs keep theirs. Synchronous: it is
 * queued in the log in call order, before the next batch's intent.
 */
export function acceptedRangeEntry(source: IngestSource, accepted: readonly Acceptance[]): AuditEntry {
  const from = accepted[0]!.seq;
  const to = accepted[accepted.length - 1]!.seq;
  const suppressed = accepted.filter((a) => a.status === "suppressed").length;
  return {
    ...auditEntry("ingest_accepted_range", source, null, null, `Envelopes ${from}–${to} committed (${accepted.length}).`, {
      from_global_seq: from,
      to_global_seq: to,
      count: accepted.length,
      suppressed,
      ids_sha256: acceptedIdsHash(accepted.map((a) => a.id)),
    }),
    globalSeq: to,
  };
}

/**
 * A local group's intent (ADR 0038), written while the group is drafted and signed: it names the
 * group's size, and the app and trace id of a write alone; the envelope ids follow in the outcomes.
 */
export function localIntentEntry(
  source: IngestSource,
  requests: readonly { readonly app: string; readonly traceId?: string | undefined }[],
  globalSeq: number,
): AuditEntry {
  const only = requests.length === 1 ? requests[0]! : null;
  return {
    kind: "write_intent",
    traceId: only?.traceId ?? null,
    code: null,
    actor: source.actor ?? null,
    app: only?.app ?? null,
    envelopeId: null,
    globalSeq,
    message: `About to commit up to ${requests.length} local write(s) after global_seq ${globalSeq}.`,
    data: { inputs: requests.length, source: source.kind },
  };
}
