// Forks and withdrawal (DESIGN §3 forks, §4 rule 5): what a fork or a new revocation takes out of
// state. Withdrawn envelopes and their versions stay in history, marked suppressed; objects get
// their winner recomputed. Withdrawal follows deps only: prev is the chain, not reliance (ADR 0013).
import { revocationReaching, type AclFacts } from "../acl/index.ts";
import { creatorOf } from "../shared/ids.ts";
import type { EnvelopeRow, ObjectRow, VersionRow, WriteTx } from "../storage/index.ts";
import { recomputeWinner } from "./materialize.ts";

type Tx = Pick<
  WriteTx,
  "getEnvelope" | "getObject" | "dependentsOf" | "envelopesOfKeyFrom" | "versionsOf" | "versionsOfEnvelopes" | "applyChanges"
>;

/** The changed rows of a withdrawal, keyed as storage keys them, before they are written. */
export type Withdrawal = { readonly objects: Map<string, ObjectRow>; readonly versions: Map<string, VersionRow> };

export const versionKey = (v: VersionRow): string => `${v.objectId}|${v.envelopeId}|${v.opIndex}`;

/** The accepted envelopes to withdraw: the seeds and, transitively, everything relying on them. */
export async function withdrawalSet(tx: Tx, seeds: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...seeds];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    const row = await tx.getEnvelope(next);
    if (row === undefined || row.status === "suppressed") continue;
    seen.add(next);
    for (const dependent of await tx.dependentsOf(next)) queue.push(dependent.id);
  }
  return [...seen];
}

/** The key forked at `seq`: its envelopes from there on (the rivals included) and what relies on them. */
export async function forkWithdrawalSet(tx: Tx, authorKey: string, seq: number, rivals: readonly string[]): Promise<string[]> {
  return withdrawalSet(tx, [...rivals, ...(await tx.envelopesOfKeyFrom(authorKey, seq + 1)).map((r) => r.id)]);
}

/** Withdrawn effects leave state (rule 5): into `into`, merged with rows a commit already changed. */
export async function applyWithdrawal(tx: Tx, withdrawn: readonly string[], into: Withdrawal): Promise<void> {
  if (withdrawn.length === 0) return;
  const gone = new Set(withdrawn);
  const versions = await tx.versionsOfEnvelopes(withdrawn);
  for (const v of versions) into.versions.set(versionKey(v), { ...v, suppressed: 1 });
  for (const objectId of new Set(versions.map((v) => v.objectId))) {
    const row = into.objects.get(objectId) ?? (await tx.getObject(objectId));
    if (row === undefined) continue;
    const all = (await tx.versionsOf(objectId)).map((v) => into.versions.get(versionKey(v)) ?? v);
    for (const v of into.versions.values()) if (v.objectId === objectId && !all.some((a) => versionKey(a) === versionKey(v))) all.push(v);
    const recomputed = recomputeWinner(row, all);
    into.objects.set(objectId, gone.has(creatorOf(objectId)) ? { ...recomputed, suppressed: 1 } : recomputed);
  }
}

/** Withdraws `withdrawn` now, as extra changes after an applied plan; true when anything changed. */
export async function withdrawNow(tx: Tx, withdrawn: readonly string[]): Promise<boolean> {
  if (withdrawn.length === 0) return false;
  const changes: Withdrawal = { objects: new Map(), versions: new Map() };
  await applyWithdrawal(tx, withdrawn, changes);
  await tx.applyChanges({ objects: [...changes.objects.values()], versions: [...changes.versions.values()], suppressEnvelopes: withdrawn });
  return true;
}

/** DESIGN §4 rule 5: the accepted envelopes a new revocation (or write deny) reaches, and what relies on them. */
export async function revokedBy(tx: Tx, facts: AclFacts, revocationEnvelope: string): Promise<string[]> {
  const candidates = new Map<string, EnvelopeRow>();
  const add = (rows: readonly EnvelopeRow[]) => rows.forEach((r) => r.status === "accepted" && candidates.set(r.id, r));
  for (const r of facts.revocations.filter((f) => f.envelopeId === revocationEnvelope)) {
    if (r.kind === "key") add(await tx.envelopesOfKeyFrom(r.target, 1));
    else if (r.kind === "capability")
      for (const g of facts.grants.filter((g) => g.capabilityId === r.target)) add(await tx.dependentsOf(g.envelopeId));
    else add(await tx.dependentsOf(creatorOf(r.target)));
  }
  for (const deny of facts.rules.filter((d) => d.envelopeId === revocationEnvelope && d.effect === "deny" && d.mode === "write")) {
    for (const allow of facts.rules.filter((a) => a.rootId === deny.rootId && a.effect === "allow" && a.mode === "write"))
      add(await tx.dependentsOf(allow.envelopeId));
  }
  const seeds = [...candidates.values()]
    .filter(
      (row) =>
        revocationReaching(facts, { id: row.id, authorId: row.authorId, authorKey: row.authorKey, keySeq: row.keySeq, deps: row.deps }) !==
        null,
    )
    .map((row) => row.id);
  return withdrawalSet(tx, seeds);
}
