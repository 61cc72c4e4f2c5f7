// The loopback's frame trace: what became of every message on a link, and its printed form for a
// failing test (STYLE: capture the frame trace where it explains a failure). Test tooling only.
import { fromUtf8, toHex } from "../../shared/bytes.ts";

export type Side = "a" | "b";

/**
 * What became of one message (or close) on the link. A message with several faults shows the first
 * of `corrupted`, `truncated`, `reordered`, `delayed`; `detail` lists them all.
 */
export type TraceFate = "delivered" | "dropped" | "duplicated" | "corrupted" | "truncated" | "reordered" | "delayed" | "closed" | "cut";

export type TraceEntry = {
  /** Send order on the pair, from 1; a duplicate shares its original's. 0 for `cut`. */
  readonly seq: number;
  readonly from: Side;
  readonly to: Side;
  /** The bytes that arrived, or would have. */
  readonly bytes: Uint8Array;
  readonly fate: TraceFate;
  /** The faults applied and, for drops, why: `drop`, `dropNext`, `cut`, `receiver closed`. */
  readonly detail: string;
  /** Clock time when the fate was settled. */
  readonly at: number;
};

/** One line per entry: `#12 a→b @0 34 B dropped (drop) "{\"kind\":…`. */
export function formatTrace(entries: readonly TraceEntry[], describe: (bytes: Uint8Array) => string = previewBytes): string {
  return entries
    .map((e) => {
      const head = `#${e.seq} ${e.from}→${e.to} @${e.at} ${e.bytes.length} B ${e.fate}`;
      const detail = e.detail === "" ? "" : ` (${e.detail})`;
      const body = e.fate === "cut" || e.fate === "closed" ? "" : ` ${describe(e.bytes)}`;
      return head + detail + body;
    })
    .join("\n");
}

/** UTF-8 text when it is text, else hex; at most 80 characters. */
export function previewBytes(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 80);
  const text = fromUtf8(head);
  // eslint-disable-next-line no-control-regex -- control characters mark binary data
  if (text !== undefined && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) return JSON.stringify(text) + (bytes.length > 80 ? "…" : "");
  return toHex(bytes.subarray(0, 40)) + (bytes.length > 40 ? "…" : "");
}
