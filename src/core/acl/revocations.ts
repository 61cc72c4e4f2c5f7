// Which revocation reaches an envelope (DESIGN §4 rule 5): a revoked key, a revoked grant,
// capability or membership it relied on, or a later deny of an allow it relied on — each beyond
// the cut for the envelope's key. Pure; the Graph stores what it reaches as suppressed.
import { creatorOf } from "../shared/ids.ts";
import type { AclFacts, Cuts, Subject } from "./facts.ts";

/** What the Graph knows of an envelope when asking: its key chain position and what it cites. */
export type EnvelopeRef = {
  readonly id: string;
  readonly authorId: string;
  readonly authorKey: string;
  readonly keySeq: number;
  readonly deps: readonly string[];
};

export type Reach = { readonly kind: "key" | "grant"; readonly revocationId: string };

const beyond = (cuts: Cuts, key: string, seq: number) => seq > (cuts.get(key) ?? 0);

export function revocationReaching(facts: AclFacts, e: EnvelopeRef): Reach | null {
  // Authority is relied on by citing it in deps; `prev` only orders a key's own chain.
  const cites = (envelopeId: string) => e.deps.includes(envelopeId);
  for (const r of facts.revocations) {
    if (r.envelopeId === e.id || !beyond(r.cuts, e.authorKey, e.keySeq)) continue;
    if (r.kind === "key" && r.target === e.authorKey) return { kind: "key", revocationId: r.id };
    if ((r.kind === "grant" || r.kind === "membership") && cites(creatorOf(r.target))) return { kind: "grant", revocationId: r.id };
    if (r.kind === "capability" && facts.grants.some((g) => g.capabilityId === r.target && cites(g.envelopeId)))
      return { kind: "grant", revocationId: r.id };
  }
  // A deny added later revokes the writes that relied on an allow of the same root (rule 5).
  for (const deny of facts.rules) {
    if (deny.effect !== "deny" || deny.mode !== "write" || deny.envelopeId === e.id || !beyond(deny.cuts, e.authorKey, e.keySeq)) continue;
    const relied = facts.rules.some((a) => a.rootId === deny.rootId && a.effect === "allow" && a.mode === "write" && cites(a.envelopeId));
    if (!relied) continue;
    if (subjectNames(facts, deny.subject, e.authorId, deny.owner)) return { kind: "grant", revocationId: deny.id };
  }
  return null;
}

/** Whether a deny's subject names the author (identity, a member of the group, a holder of the capability). */
function subjectNames(facts: AclFacts, subject: Subject, who: string, owner: string): boolean {
  if (subject.identity !== undefined) return subject.identity === who;
  if (subject.group !== undefined)
    return facts.memberships.some((m) => m.groupId === subject.group && m.member === who && m.author === m.groupOwner);
  if (subject.capability !== undefined)
    return facts.grants.some((g) => g.issuer === owner && g.author === owner && g.name === subject.capability && g.holder === who);
  return false;
}
