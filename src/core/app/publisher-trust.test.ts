// Which grants make this node trust a publisher: only live system.apps.publish grants that one of
// its own identities issued and authored; expiry and revocations (of the grant or the capability) end it.
import { describe, expect, it } from "vitest";
import { EMPTY_FACTS, type AclFacts, type GrantFact, type RevocationFact } from "../acl/index.ts";
import { isTrustedPublisher, PUBLISH_CAPABILITY } from "./publisher-trust.ts";

const AT = "2026-12-01T12:00:00.000Z";
const grant: GrantFact = {
  id: "g",
  capabilityId: "c",
  name: PUBLISH_CAPABILITY,
  issuer: "me",
  author: "me",
  holder: "pub",
  expiresAt: null,
  envelopeId: "e",
};
const facts = (grants: GrantFact[], revocations: RevocationFact[] = []): AclFacts => ({ ...EMPTY_FACTS, grants, revocations });
const revoke = (kind: RevocationFact["kind"], target: string, revoker = "me"): RevocationFact => ({
  id: `r-${target}`,
  revoker,
  envelopeId: "re",
  kind,
  target,
  cuts: new Map(),
});
const me = new Set(["me"]);

describe("isTrustedPublisher", () => {
  it("trusts a publisher holding a live grant from one of this node's identities", () => {
    expect(isTrustedPublisher(facts([grant]), me, "pub", AT)).toBe(true);
  });

  it.each([
    ["no grant", facts([])],
    ["a grant of another capability", facts([{ ...grant, name: "system.admin" }])],
    ["a grant to someone else", facts([{ ...grant, holder: "other" }])],
    ["a grant issued by another person", facts([{ ...grant, issuer: "stranger", author: "stranger" }])],
    ["a grant edge authored by someone other than the capability's owner", facts([{ ...grant, author: "stranger" }])],
    ["an expired grant", facts([{ ...grant, expiresAt: "2026-01-01T00:00:00.000Z" }])],
    ["a revoked grant", facts([grant], [revoke("grant", "g")])],
    ["a revoked capability", facts([grant], [revoke("capability", "c")])],
  ])("does not trust on %s", (_, f) => {
    expect(isTrustedPublisher(f, me, "pub", AT)).toBe(false);
  });

  it("ignores a revocation by someone who is not the issuer", () => {
    expect(isTrustedPublisher(facts([grant], [revoke("grant", "g", "stranger")]), me, "pub", AT)).toBe(true);
  });
});
