// Pure, deterministic authorization (public design 06 enforcement matrix; DESIGN §4 rule 4): own
// data needs no ACL; others' objects need an explicit allow; deny beats allow; admin skips object
// ACLs only. No I/O: the caller passes the facts. Replicated validity sees only cited facts.
import {
  ADMIN_CAPABILITY,
  type AclFacts,
  type AclRootFact,
  type AclRuleFact,
  type AclTarget,
  type GrantFact,
  type Subject,
} from "./facts.ts";

export type AclContext = {
  /** The time rules are judged at: the envelope's own created_at, so every node judges alike. */
  readonly at: string;
  /**
   * Envelopes the write declares it relies on (its deps and prev). A grant counts only if cited
   * (DESIGN §4 rule 4). `null` for local guards, which see every fact this node holds.
   */
  readonly cited: ReadonlySet<string> | null;
};

export type AclDecision =
  | { readonly allow: true; readonly via: "owner" | "admin" | "acl" | "public"; readonly reliesOn: readonly string[] }
  | {
      readonly allow: false;
      readonly code: "ERR_AUTH_NOT_OWNER" | "ERR_AUTH_ACL_DENIED" | "ERR_AUTH_SCOPE_EXCEEDED";
      readonly reason: string;
    };

const isCited = (ctx: AclContext, envelopeId: string) => ctx.cited === null || ctx.cited.has(envelopeId);

function covers(root: AclRootFact, target: AclTarget): boolean {
  if (root.owner !== target.owner || root.targetApp !== target.app) return false;
  if (root.scope === "object") return root.targetObjectId === target.id;
  if (root.scope === "type") return root.targetTypeKey === target.typeKey;
  return true;
}

/** A live grant of the issuer's capability `name` to `holder` at `ctx.at`; expired ones are reported apart. */
function grantsOf(facts: AclFacts, issuer: string, name: string, holder: string): GrantFact[] {
  return facts.grants.filter((g) => g.issuer === issuer && g.author === issuer && g.name === name && g.holder === holder);
}

const live = (g: GrantFact, ctx: AclContext) => g.expiresAt === null || g.expiresAt > ctx.at;

type Match = { readonly reliesOn: readonly string[] } | { readonly expired: true } | null;

/** Does `subject` name `who`? And on which envelopes does that rest. */
function matches(facts: AclFacts, subject: Subject, who: string, issuer: string, ctx: AclContext): Match {
  if (subject.identity !== undefined) return subject.identity === who ? { reliesOn: [] } : null;
  if (subject.group !== undefined) {
    const membership = facts.memberships.find(
      (m) => m.groupId === subject.group && m.member === who && m.author === m.groupOwner && isCited(ctx, m.envelopeId),
    );
    return membership === undefined ? null : { reliesOn: [membership.envelopeId] };
  }
  if (subject.capability !== undefined) {
    const held = grantsOf(facts, issuer, subject.capability, who).filter((g) => isCited(ctx, g.envelopeId));
    const valid = held.find((g) => live(g, ctx));
    if (valid !== undefined) return { reliesOn: [valid.envelopeId] };
    return held.length > 0 ? { expired: true } : null;
  }
  return null;
}

/** The rules of one root, mode and owner: those naming an identity by it, every other kind apart, each with its place in the facts. */
type RootRules = { readonly byIdentity: Map<string, Placed[]>; readonly others: Placed[] };
type Placed = { readonly rule: AclRuleFact; readonly place: number };

/** Facts are cached per change of the system app, so a rule list is indexed once, on its first decision. */
const ruleIndexes = new WeakMap<readonly AclRuleFact[], Map<string, RootRules>>();
const ruleKey = (rootId: string, mode: string, owner: string) => `${rootId}\u0000${mode}\u0000${owner}`;

function ruleIndex(rules: readonly AclRuleFact[]): Map<string, RootRules> {
  let index = ruleIndexes.get(rules);
  if (index !== undefined) return index;
  index = new Map();
  rules.forEach((rule, place) => {
    const key = ruleKey(rule.rootId, rule.mode, rule.owner);
    let entry = index.get(key);
    if (entry === undefined) index.set(key, (entry = { byIdentity: new Map(), others: [] }));
    const who = rule.subject.identity;
    if (who === undefined) entry.others.push({ rule, place });
    else {
      const named = entry.byIdentity.get(who);
      if (named === undefined) entry.byIdentity.set(who, [{ rule, place }]);
      else named.push({ rule, place });
    }
  });
  ruleIndexes.set(rules, index);
  return index;
}

/**
 * The `mode` rules of the roots covering `target` that could name `who`, in the facts' order (a rule
 * naming another identity never matches, so it is left out), and whether there is any rule at all.
 */
function rulesFor(facts: AclFacts, target: AclTarget, mode: "read" | "write", who: string): { candidates: AclRuleFact[]; any: boolean } {
  const index = ruleIndex(facts.rules);
  const placed: Placed[] = [];
  let any = false;
  for (const root of new Set(facts.roots.filter((r) => covers(r, target)).map((r) => r.id))) {
    const entry = index.get(ruleKey(root, mode, target.owner));
    if (entry === undefined) continue;
    any ||= entry.others.length > 0 || entry.byIdentity.size > 0;
    placed.push(...entry.others, ...(entry.byIdentity.get(who) ?? []));
  }
  return { candidates: placed.sort((a, b) => a.place - b.place).map((p) => p.rule), any };
}

function adminGrant(facts: AclFacts, who: string, owner: string, ctx: AclContext): GrantFact | undefined {
  return grantsOf(facts, owner, ADMIN_CAPABILITY, who).find((g) => live(g, ctx) && isCited(ctx, g.envelopeId));
}

/** May `author` write under `target`? */
export function evaluateWrite(facts: AclFacts, author: string, target: AclTarget, ctx: AclContext): AclDecision {
  if (author === target.owner) return { allow: true, via: "owner", reliesOn: [] };
  const admin = adminGrant(facts, author, target.owner, ctx);
  if (admin !== undefined) return { allow: true, via: "admin", reliesOn: [admin.envelopeId] };
  const { candidates: rules, any } = rulesFor(facts, target, "write", author);
  const cited = rules.filter((r) => isCited(ctx, r.envelopeId));
  // Deny beats allow among the facts this decision may see (DESIGN §4 rule 4).
  if (cited.some((r) => r.effect === "deny" && matches(facts, r.subject, author, target.owner, ctx) !== null)) {
    return { allow: false, code: "ERR_AUTH_ACL_DENIED", reason: "denied" };
  }
  let expired = false;
  for (const rule of cited) {
    if (rule.effect !== "allow") continue;
    const match = matches(facts, rule.subject, author, target.owner, ctx);
    if (match === null) continue;
    if ("expired" in match) {
      expired = true;
      continue;
    }
    return { allow: true, via: "acl", reliesOn: [rule.envelopeId, ...match.reliesOn] };
  }
  if (expired) return { allow: false, code: "ERR_AUTH_SCOPE_EXCEEDED", reason: "grant_expired" };
  if (
    ctx.cited !== null &&
    rules.some((r) => r.effect === "allow" && matches(facts, r.subject, author, target.owner, { ...ctx, cited: null }) !== null)
  ) {
    return { allow: false, code: "ERR_AUTH_NOT_OWNER", reason: "grant_not_in_deps" };
  }
  if (any) return { allow: false, code: "ERR_AUTH_ACL_DENIED", reason: "no_matching_allow" };
  return { allow: false, code: "ERR_AUTH_NOT_OWNER", reason: "not_owner" };
}

/**
 * May `reader` see `target`? Objects nobody restricted are visible within their app; once read
 * rules cover an object, only the owner, an admin (never for sync export) or an allowed subject may.
 */
export function evaluateRead(
  facts: AclFacts,
  reader: string,
  target: AclTarget,
  options: { readonly at: string; readonly forSync: boolean },
): AclDecision {
  if (reader === target.owner) return { allow: true, via: "owner", reliesOn: [] };
  const ctx: AclContext = { at: options.at, cited: null };
  if (!options.forSync && adminGrant(facts, reader, target.owner, ctx) !== undefined) return { allow: true, via: "admin", reliesOn: [] };
  const { candidates: rules, any } = rulesFor(facts, target, "read", reader);
  if (!any) return { allow: true, via: "public", reliesOn: [] };
  if (rules.some((r) => r.effect === "deny" && matches(facts, r.subject, reader, target.owner, ctx) !== null)) {
    return { allow: false, code: "ERR_AUTH_ACL_DENIED", reason: "denied" };
  }
  for (const rule of rules) {
    if (rule.effect !== "allow") continue;
    const match = matches(facts, rule.subject, reader, target.owner, ctx);
    if (match !== null && !("expired" in match)) return { allow: true, via: "acl", reliesOn: [] };
  }
  return { allow: false, code: "ERR_AUTH_ACL_DENIED", reason: "no_matching_allow" };
}
