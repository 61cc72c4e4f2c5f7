// The ACL facts authorization reads: roots, rules, group memberships, capability grants and
// revocations, as plain data the Graph loads from the system app (public design 06, ADR 0010).
export type Subject = { readonly identity?: string; readonly group?: string; readonly capability?: string };

/** Last seq each key still honours; keys not named honour nothing after the revocation (rule 5). */
export type Cuts = ReadonlyMap<string, number>;

export type AclRootFact = {
  readonly id: string;
  readonly owner: string;
  readonly envelopeId: string;
  readonly targetApp: string;
  readonly scope: "object" | "type" | "app";
  readonly targetObjectId: string | null;
  readonly targetTypeKey: string | null;
};

export type AclRuleFact = {
  readonly id: string;
  readonly rootId: string;
  readonly owner: string;
  readonly envelopeId: string;
  readonly mode: "read" | "write";
  readonly effect: "allow" | "deny";
  readonly subject: Subject;
  /** Deny rules only: added after writes relied on an allow, a deny acts as a revocation. */
  readonly cuts: Cuts;
};

/** A `system.group_member` edge; it counts only when authored by the group's owner. */
export type MembershipFact = {
  readonly id: string;
  readonly groupId: string;
  readonly groupOwner: string;
  readonly author: string;
  readonly member: string;
  readonly envelopeId: string;
};

/** A `system.capability_grant` edge; it counts only when authored by the capability's owner. */
export type GrantFact = {
  readonly id: string;
  readonly capabilityId: string;
  readonly name: string;
  readonly issuer: string;
  readonly author: string;
  readonly holder: string;
  readonly expiresAt: string | null;
  readonly envelopeId: string;
};

export type RevocationFact = {
  readonly id: string;
  readonly revoker: string;
  readonly envelopeId: string;
  readonly kind: "key" | "grant" | "capability" | "membership";
  readonly target: string;
  readonly cuts: Cuts;
};

export type AclFacts = {
  readonly roots: readonly AclRootFact[];
  readonly rules: readonly AclRuleFact[];
  readonly memberships: readonly MembershipFact[];
  readonly grants: readonly GrantFact[];
  readonly revocations: readonly RevocationFact[];
};

export const EMPTY_FACTS: AclFacts = { roots: [], rules: [], memberships: [], grants: [], revocations: [] };

/** The object an op writes under or reads: its id, app, type and owner. */
export type AclTarget = { readonly id: string; readonly app: string; readonly typeKey: string; readonly owner: string };

/** The capability whose holders skip object ACLs of its issuer's objects (never schema, app or sync). */
export const ADMIN_CAPABILITY = "system.admin";
