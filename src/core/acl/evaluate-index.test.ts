// The rule index behind evaluateWrite/evaluateRead (issue 17): decisions over many rules are the
// decisions the linear scan made — others' identity rules never count, a deny for the author still
// wins, the first cited allow in fact order is the one relied on, and new facts are indexed anew.
import { describe, expect, it } from "vitest";
import { evaluateRead, evaluateWrite } from "./evaluate.ts";
import { EMPTY_FACTS, type AclFacts, type AclRuleFact, type Subject } from "./facts.ts";

const target = { id: "note:0", app: "app.notes", typeKey: "notes.note", owner: "owner" };
const at = "2026-11-21T10:00:00.000Z";
const root = {
  id: "root",
  owner: "owner",
  envelopeId: "env-root",
  targetApp: "app.notes",
  scope: "object" as const,
  targetObjectId: "note:0",
  targetTypeKey: null,
};

function rule(id: string, subject: Subject, extra: Partial<AclRuleFact> = {}): AclRuleFact {
  return {
    id,
    rootId: "root",
    owner: "owner",
    envelopeId: `env-${id}`,
    mode: "write",
    effect: "allow",
    subject,
    cuts: new Map(),
    ...extra,
  };
}

const others = Array.from({ length: 1000 }, (_, i) => rule(`r${i}`, { identity: `someone-${i}` }));
const factsOf = (rules: AclRuleFact[]): AclFacts => ({ ...EMPTY_FACTS, roots: [root], rules });

describe("ACL decisions over indexed rules", () => {
  it("allows the one identity a rule names among a thousand, citing that rule", () => {
    const facts = factsOf(others);
    const decision = evaluateWrite(facts, "someone-999", target, { at, cited: new Set(["env-r999"]) });
    expect(decision).toEqual({ allow: true, via: "acl", reliesOn: ["env-r999"] });
  });

  it("refuses a writer no rule names, though rules exist (no_matching_allow), and one whose rule is not cited", () => {
    const facts = factsOf(others);
    expect(evaluateWrite(facts, "stranger", target, { at, cited: null })).toMatchObject({ allow: false, reason: "no_matching_allow" });
    expect(evaluateWrite(facts, "someone-5", target, { at, cited: new Set() })).toMatchObject({
      allow: false,
      reason: "grant_not_in_deps",
    });
  });

  it("lets a deny for the writer win over its allow, wherever it stands among the rules", () => {
    const deny = rule("deny", { identity: "someone-3" }, { effect: "deny" });
    const facts = factsOf([...others, deny]);
    const cited = new Set(["env-r3", "env-deny"]);
    expect(evaluateWrite(facts, "someone-3", target, { at, cited })).toMatchObject({
      allow: false,
      code: "ERR_AUTH_ACL_DENIED",
      reason: "denied",
    });
    expect(evaluateWrite(facts, "someone-4", target, { at, cited: new Set(["env-r4", "env-deny"]) }).allow).toBe(true);
  });

  it("relies on the first matching allow in the facts' order, a group rule before a later identity rule", () => {
    const group = rule("group", { group: "g1" });
    const member = { id: "m1", groupId: "g1", member: "someone-7", groupOwner: "owner", author: "owner", envelopeId: "env-m" };
    const facts: AclFacts = { ...factsOf([group, ...others]), memberships: [member] };
    const decision = evaluateWrite(facts, "someone-7", target, { at, cited: null });
    expect(decision).toEqual({ allow: true, via: "acl", reliesOn: ["env-group", "env-m"] });
  });

  it("ignores rules of another owner or mode, and indexes new facts anew", () => {
    const foreign = rule("foreign", { identity: "ann" }, { owner: "mallory" });
    const reading = rule("reading", { identity: "ann" }, { mode: "read" });
    const before = factsOf([foreign, reading]);
    expect(evaluateWrite(before, "ann", target, { at, cited: null })).toMatchObject({ allow: false, reason: "not_owner" });
    expect(evaluateRead(before, "ann", target, { at, forSync: false }).allow).toBe(true);
    expect(evaluateRead(before, "bob", target, { at, forSync: false })).toMatchObject({ allow: false, reason: "no_matching_allow" });
    const after = factsOf([foreign, reading, rule("ann", { identity: "ann" })]);
    expect(evaluateWrite(after, "ann", target, { at, cited: null })).toEqual({ allow: true, via: "acl", reliesOn: ["env-ann"] });
  });
});
