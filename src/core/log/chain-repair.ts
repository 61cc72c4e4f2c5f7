// What a verify finds and what a repair writes (ADR 0017): the sealed repair records already in the
// log, the report in plain data, and the entry of a new repair. Pure apart from signing and reads.
import { GENESIS_HASH, type AuditEntry, type AuditRecord } from "./types.ts";
import { isRepairSealed, signRepair, type ChainBreak, type LogAnchor } from "./checkpoint.ts";
import { covers, type WalkReport } from "./chain-walk.ts";

export type RepairSummary = { readonly seq: number; readonly at: string; readonly breaks: readonly ChainBreak[] };

/** verify's answer: `intact` when every break is owned by a sealed repair and the chain meets its anchor. */
export type ChainReport = {
  readonly intact: boolean;
  readonly length: number;
  readonly head: string;
  readonly checkpoint: { readonly seq: number; readonly at: string } | null;
  readonly breaks: readonly ChainBreak[];
  readonly repairs: readonly RepairSummary[];
};

function isBreak(value: unknown): value is ChainBreak {
  const b = value as ChainBreak | null;
  return typeof b === "object" && b !== null && Number.isSafeInteger(b.seq) && Number.isSafeInteger(b.to) && typeof b.defect === "string";
}

/** Repair records whose seal verifies under the node key; a forged one excuses nothing. */
export async function sealedRepairs(anchor: LogAnchor | null, log: string, rows: readonly AuditRecord[]): Promise<RepairSummary[]> {
  if (anchor === null) return [];
  const out: RepairSummary[] = [];
  for (const row of rows) {
    const breaks = row.data["breaks"];
    if (!Array.isArray(breaks) || !breaks.every(isBreak)) continue;
    const seal = { log, seq: row.seq, prevHash: row.prevHash, breaks: breaks };
    if (await isRepairSealed(anchor, seal, row.data["signature"])) out.push({ seq: row.seq, at: row.at, breaks: seal.breaks });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export function excusedBy(repairs: readonly RepairSummary[]): (brk: ChainBreak) => boolean {
  return (brk) => repairs.some((r) => brk.to <= r.seq && covers(r.breaks, brk));
}

const DEFECT_WORDS: Readonly<Record<string, string>> = {
  hash_mismatch: "edited",
  link_broken: "no longer linked to the record before",
  malformed_record: "damaged",
  missing: "missing",
  truncated: "cut off the end",
  rewritten: "rewritten (the chain no longer meets its signed checkpoint)",
  unvouched: "not vouched for",
  many: "broken in many places",
};

/** One break in plain words: "records 4–9 were missing". */
export function describeBreak(brk: ChainBreak): string {
  const range = brk.seq === brk.to ? `record ${brk.seq} was` : `records ${brk.seq}–${brk.to} were`;
  return `${range} ${DEFECT_WORDS[brk.defect] ?? brk.defect}`;
}

/** The signed entry that records a break: kept aside, never trusted again, never deleted. */
export async function repairEntry(
  anchor: LogAnchor,
  log: string,
  position: { readonly seq: number; readonly prevHash: string },
  breaks: readonly ChainBreak[],
): Promise<AuditEntry> {
  const seal = await signRepair(anchor.signer, { log, seq: position.seq, prevHash: position.prevHash, breaks });
  const words = breaks.map(describeBreak).join("; ");
  return {
    kind: "chain_repaired",
    traceId: null,
    code: "ERR_MNG_LOG_CHAIN_BROKEN",
    actor: null,
    app: null,
    envelopeId: null,
    globalSeq: anchor.globalSeq(),
    message: `Audit log repaired: ${words}.`.slice(0, 512),
    data: { breaks: breaks.map((b) => ({ seq: b.seq, to: b.to, defect: b.defect })), key: seal.key, signature: seal.signature },
  };
}

/** Where the next record goes after the newest stored row, whatever state that row is in. */
export function nextPosition(last: unknown): { seq: number; prevHash: string; ownBreak: ChainBreak | null } {
  const row = last as { seq?: unknown; hash?: unknown } | undefined;
  const seq = Number.isSafeInteger(row?.seq) ? (row!.seq as number) + 1 : 1;
  if (row === undefined || typeof row.hash === "string")
    return { seq, prevHash: row === undefined ? GENESIS_HASH : (row.hash as string), ownBreak: null };
  // The newest row has no hash to link to: the repair links to genesis and owns its own broken link.
  return { seq, prevHash: GENESIS_HASH, ownBreak: { seq, to: seq, defect: "link_broken" } };
}

export function report(walk: WalkReport, checkpoint: ChainReport["checkpoint"], repairs: readonly RepairSummary[]): ChainReport {
  return { intact: walk.breaks.length === 0, length: walk.length, head: walk.head, checkpoint, breaks: walk.breaks, repairs };
}
