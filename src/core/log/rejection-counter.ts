// Rejection floods, bounded (ADR 0017): per (kind, source, code) and time window, the first few
// rejections are recorded one by one and the rest only counted, then written as one
// `rejections_counted` record when the window closes. Pure: the caller passes the time and writes.
import type { AuditEntry } from "./types.ts";

export const REJECTION_LIMITS = {
  /** Length of one counting window. */
  windowMs: 60_000,
  /** Rejections of one key recorded in full per window before counting starts. */
  individualPerWindow: 3,
  /** Keys tracked at once; more sources than this share one "other" key per kind. */
  maxKeys: 64,
} as const;

const FOLDED_KINDS: ReadonlySet<AuditEntry["kind"]> = new Set(["write_rejected", "ingest_rejected", "sync_rejected"]);

type Window = {
  readonly opened: number;
  readonly kind: AuditEntry["kind"];
  readonly source: string;
  readonly code: AuditEntry["code"];
  recorded: number;
  counted: number;
};

/** Where a rejection came from: the peer or identity, and the connection or port when one is named. */
function sourceOf(entry: AuditEntry): string {
  const connection = entry.data["connection"] ?? entry.data["port"];
  return `${entry.actor ?? "anonymous"}${typeof connection === "string" ? `@${connection}` : ""}`;
}

export type RejectionCounter = {
  /** Entries to write now: non-rejections untouched, rejections until their window's allowance is spent. */
  admit(entries: readonly AuditEntry[], now: number): AuditEntry[];
  /** Summaries of windows that have closed by `now` (all of them when `now` is Infinity). */
  due(now: number): AuditEntry[];
};

export function createRejectionCounter(limits: typeof REJECTION_LIMITS = REJECTION_LIMITS): RejectionCounter {
  const windows = new Map<string, Window>();

  function summary(w: Window, closedAt: number): AuditEntry {
    return {
      kind: "rejections_counted",
      traceId: null,
      code: w.code,
      actor: null,
      app: null,
      envelopeId: null,
      globalSeq: null,
      message: `${w.counted} more ${w.kind.replace("_", " ")}s from ${w.source} were counted, not recorded one by one.`,
      data: {
        of: w.kind,
        source: w.source,
        count: w.counted,
        recorded: w.recorded,
        from: new Date(w.opened).toISOString(),
        to: new Date(closedAt).toISOString(),
      },
    };
  }

  function due(now: number): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const [key, w] of windows) {
      if (now < w.opened + limits.windowMs) continue;
      windows.delete(key);
      if (w.counted > 0) out.push(summary(w, Math.min(now, w.opened + limits.windowMs)));
    }
    return out;
  }

  function admit(entries: readonly AuditEntry[], now: number): AuditEntry[] {
    const out = due(now);
    for (const entry of entries) {
      if (!FOLDED_KINDS.has(entry.kind)) {
        out.push(entry);
        continue;
      }
      let source = sourceOf(entry);
      let key = `${entry.kind} ${source} ${entry.code ?? ""}`;
      if (!windows.has(key) && windows.size >= limits.maxKeys) {
        source = "other sources";
        key = `${entry.kind} ${source} ${entry.code ?? ""}`;
      }
      let w = windows.get(key);
      if (w === undefined) {
        // Still full: the shared key itself is new. Close the oldest window early rather than grow.
        if (windows.size >= limits.maxKeys) out.push(...closeOldest(now));
        w = { opened: now, kind: entry.kind, source, code: entry.code, recorded: 0, counted: 0 };
        windows.set(key, w);
      }
      if (w.recorded < limits.individualPerWindow) {
        w.recorded += 1;
        out.push(entry);
      } else w.counted += 1;
    }
    return out;
  }

  function closeOldest(now: number): AuditEntry[] {
    const [key, w] = [...windows].reduce((a, b) => (b[1].opened < a[1].opened ? b : a));
    windows.delete(key);
    return w.counted > 0 ? [summary(w, now)] : [];
  }

  return { admit, due };
}
