// Publisher trust (DESIGN D8, AC-12): a person trusts a publisher by granting it
// `system.apps.publish` in the graph — a `system.capability` of their own and a
// `system.capability_grant` edge to the publisher's identity — so the decision is signed, synced to
// their other devices and revocable like any grant (ADR 0010). Pure: facts in, verdict out.
import type { AclFacts, GrantFact } from "../acl/index.ts";
import type { Op } from "../wire/index.ts";

export const PUBLISH_CAPABILITY = "system.apps.publish";

/**
 * The live grants of system.apps.publish that `trusters` (this node's own identities) issued and
 * authored. Another person's grant, synced here, does not make this node trust anyone.
 */
export function liveTrustGrants(facts: AclFacts, trusters: ReadonlySet<string>, at: string): readonly GrantFact[] {
  return facts.grants.filter(
    (g) =>
      g.name === PUBLISH_CAPABILITY &&
      trusters.has(g.issuer) &&
      g.author === g.issuer &&
      (g.expiresAt === null || g.expiresAt > at) &&
      !facts.revocations.some(
        (r) =>
          r.revoker === g.issuer && ((r.kind === "grant" && r.target === g.id) || (r.kind === "capability" && r.target === g.capabilityId)),
      ),
  );
}

/** Whether one of `trusters` holds a live grant of system.apps.publish to `publisherId`. */
export function isTrustedPublisher(facts: AclFacts, trusters: ReadonlySet<string>, publisherId: string, at: string): boolean {
  return liveTrustGrants(facts, trusters, at).some((g) => g.holder === publisherId);
}

/** Ending trust: the issuer's revocation of its grant (no write relied on it, so no cuts). */
export function distrustOps(grantId: string): Omit<Op, "owner_identity">[] {
  return [{ op: "parent_create", type_key: "system.revocation", payload: { value: { kind: "grant", target: grantId, cuts: [] } } }];
}

/** One envelope's ops: the person's capability and its grant to the publisher's identity object. */
export function trustOps(publisherObjectId: string): Omit<Op, "owner_identity">[] {
  return [
    { op: "parent_create", type_key: "system.capability", payload: { value: { name: PUBLISH_CAPABILITY } } },
    {
      op: "edge_create",
      type_key: "system.capability_grant",
      payload: { src_parent_id: "@0", dst_parent_id: publisherObjectId, value: {} },
    },
  ];
}
