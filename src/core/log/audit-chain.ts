// The audit hash chain (DESIGN D5): each record hashes its own fields and its predecessor's hash, so
// an edited, removed or inserted row breaks every link after it. Pure and synchronous.
import { sha256 } from "../crypto/index.ts";
import { toBase64url, utf8 } from "../shared/bytes.ts";
import { canonicalBytes, tryCanonicalize } from "../shared/canonical-json.ts";
import { isJsonObject } from "../shared/json.ts";
import { GENESIS_HASH, type AuditEntry, type AuditRecord } from "./types.ts";

export type ChainTail = { readonly seq: number; readonly hash: string };

export const EMPTY_TAIL: ChainTail = { seq: 0, hash: GENESIS_HASH };

const RECORD_FIELDS = [
  "seq",
  "at",
  "kind",
  "traceId",
  "code",
  "actor",
  "app",
  "envelopeId",
  "globalSeq",
  "message",
  "data",
  "prevHash",
  "hash",
];

/** base64url(SHA-256(JCS(record without `hash`))). */
export function recordHash(unhashed: Omit<AuditRecord, "hash">): string {
  return toBase64url(sha256(canonicalBytes(unhashed)));
}

/** Appends checked entries after `tail`, all stamped `at`. */
export function chainRecords(tail: ChainTail, entries: readonly AuditEntry[], at: string): AuditRecord[] {
  const records: AuditRecord[] = [];
  let { seq, hash } = tail;
  for (const entry of entries) {
    seq += 1;
    const unhashed = { ...entry, seq, at, prevHash: hash };
    hash = recordHash(unhashed);
    records.push(Object.freeze({ ...unhashed, hash }));
  }
  return records;
}

export type LinkDefect = "seq_gap" | "malformed_record" | "link_broken" | "hash_mismatch";

/**
 * Why a stored row is not the valid successor of `tail`, or undefined when it is. The row is read
 * back from storage and not trusted: any field added, removed or changed shows up here.
 */
export function linkDefect(tail: ChainTail, row: unknown): LinkDefect | undefined {
  if (!isJsonObject(row)) return "malformed_record";
  if (row.seq !== tail.seq + 1) return "seq_gap";
  const keys = Object.keys(row);
  if (keys.length !== RECORD_FIELDS.length || !RECORD_FIELDS.every((key) => Object.hasOwn(row, key))) return "malformed_record";
  if (typeof row.hash !== "string") return "malformed_record";
  if (row.prevHash !== tail.hash) return "link_broken";
  const { hash, ...unhashed } = row;
  const text = tryCanonicalize(unhashed);
  if (!text.ok) return "malformed_record";
  return toBase64url(sha256(utf8(text.value))) === hash ? undefined : "hash_mismatch";
}
