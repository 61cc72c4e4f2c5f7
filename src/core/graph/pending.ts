// The pending set (DESIGN §4 rule 2): an envelope whose prev or deps are missing waits here, bounded,
// and gets its turn once nothing it waits for is missing. It is not history: rows leave on commit.
import { isoTime, type Clock } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import type { EnvelopeId } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { PendingRow, NodeStorage, WriteTx } from "../storage/index.ts";
import type { VerifiedLink } from "../wire/index.ts";

/** Parks an envelope or stub; over the bound it is refused (ERR_MNG_GRAPH_PENDING_FULL). */
export async function park(
  tx: Pick<WriteTx, "getPending" | "countPending" | "putPending">,
  verified: VerifiedLink,
  missing: readonly EnvelopeId[],
  limits: { readonly maxPending: number; readonly clock: Clock },
): Promise<Result<void>> {
  const [parked, count] = await Promise.all([tx.getPending(verified.id), tx.countPending()]);
  if (parked !== undefined) return ok(undefined);
  if (count >= limits.maxPending) {
    return err(nodeError("ERR_MNG_GRAPH_PENDING_FULL", "Too many envelopes are waiting for dependencies.", { reason: "pending_full" }));
  }
  return tx.putPending({ id: verified.id, text: verified.text, missing, receivedAt: isoTime(limits.clock) });
}

/**
 * One round of draining (outside a write transaction): the rows waiting for any of `arrived` whose
 * every missing link is now held (full or stub; a dep held only as a stub parks its envelope again
 * when it is evaluated). Rows that still miss something are updated to miss only that.
 */
export async function readyAfter(
  storage: Pick<NodeStorage, "pendingWaitingForAny" | "getEnvelopes" | "getStubs" | "putPending">,
  arrived: readonly EnvelopeId[],
): Promise<PendingRow[]> {
  // Two reads per round, whatever the frontier's size: who waits for any of it, and which of what
  // they wait for is here now. Rows are visited in the order of one query per arrived id.
  const waiting = await storage.pendingWaitingForAny(arrived);
  const asked = [...new Set(waiting.flatMap((row) => row.missing))];
  const [full, stubs] = await Promise.all([storage.getEnvelopes(asked), storage.getStubs(asked)]);
  const present = new Set(asked.filter((_, i) => full[i] !== undefined || stubs[i] !== undefined));
  const ready: PendingRow[] = [];
  const seen = new Set<string>();
  for (const id of arrived) {
    for (const row of waiting.filter((r) => r.missing.includes(id))) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      const missing = row.missing.filter((m) => !present.has(m));
      if (missing.length === 0) ready.push(row);
      else if (missing.length < row.missing.length) await storage.putPending({ ...row, missing });
    }
  }
  return ready;
}
