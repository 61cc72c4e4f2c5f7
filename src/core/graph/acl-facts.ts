// Loads the ACL facts of the system app from materialized objects (withdrawn ones never count).
// Inside a write transaction it sees the batch's own earlier rows.
import type { AclFacts, AclRootFact, AclRuleFact, Cuts, GrantFact, MembershipFact, RevocationFact } from "../acl/index.ts";
import { creatorOf, parseObjectRef, resolveObjectRef, type EnvelopeId } from "../shared/ids.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../shared/json.ts";
import type { ObjectRow, WriteTx } from "../storage/index.ts";
import { SYSTEM_APP, type Op } from "../wire/index.ts";

const RULE_TYPES = [
  ["acl.read.allow", "read", "allow"],
  ["acl.read.deny", "read", "deny"],
  ["acl.write.allow", "write", "allow"],
  ["acl.write.deny", "write", "deny"],
] as const;

const valueOf = (row: ObjectRow): JsonObject => (isJsonObject(row.winner.value) ? row.winner.value : {});
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

function cutsOf(value: JsonObject): Cuts {
  const cuts = new Map<string, number>();
  const list = value["cuts"];
  if (Array.isArray(list))
    for (const c of list)
      if (isJsonObject(c) && typeof c["key"] === "string" && typeof c["last_seq"] === "number") cuts.set(c["key"], c["last_seq"]);
  return cuts;
}

function subjectOf(v: JsonObject): AclRuleFact["subject"] {
  return {
    ...(str(v["identity"]) === null ? {} : { identity: str(v["identity"])! }),
    ...(str(v["group"]) === null ? {} : { group: str(v["group"])! }),
    ...(str(v["capability"]) === null ? {} : { capability: str(v["capability"])! }),
  };
}

/**
 * The revocations and write denies one envelope itself makes, read from its ops before it commits
 * (DESIGN §4 rule 5 checks them against the envelope's own causal past).
 */
export function ownRevocationFacts(
  envelopeId: string,
  author: string,
  ops: readonly Op[],
): { readonly revocations: readonly RevocationFact[]; readonly denies: readonly AclRuleFact[] } {
  const revocations: RevocationFact[] = [];
  const denies: AclRuleFact[] = [];
  ops.forEach((op, i) => {
    const v = isJsonObject((op.payload as { value?: JsonValue }).value ?? null) ? (op.payload as { value: JsonObject }).value : {};
    const id = `${envelopeId}:${i}`;
    if (op.op === "parent_create" && op.type_key === "system.revocation") {
      const kind = v["kind"];
      if (kind === "key" || kind === "grant" || kind === "capability" || kind === "membership")
        revocations.push({ id, revoker: author, envelopeId, kind, target: str(v["target"]) ?? "", cuts: cutsOf(v) });
    } else if (op.op === "attr_create" && op.type_key === "acl.write.deny") {
      const ref = parseObjectRef((op.payload as { parent_id: string }).parent_id);
      if (ref === undefined) return;
      const rootId = resolveObjectRef(ref, envelopeId as EnvelopeId);
      denies.push({ id, rootId, owner: author, envelopeId, mode: "write", effect: "deny", subject: subjectOf(v), cuts: cutsOf(v) });
    }
  });
  return { revocations, denies };
}

export async function loadAclFacts(storage: Pick<WriteTx, "objectsOfType" | "listIdentities">): Promise<AclFacts> {
  const of = async (kind: string, type: string) => (await storage.objectsOfType(SYSTEM_APP, kind, type)).filter((r) => r.suppressed === 0);
  // Every read at once: one round trip instead of ten (this runs inside the write transaction after
  // each system-app commit).
  const [identities, rootRows, ruleRows, groupRows, memberRows, capabilityRows, grantRows, revocationRows] = await Promise.all([
    storage.listIdentities(),
    of("parent", "acl.root"),
    Promise.all(RULE_TYPES.map(([type]) => of("attr", type))),
    of("parent", "system.group"),
    of("edge", "system.group_member"),
    of("parent", "system.capability"),
    of("edge", "system.capability_grant"),
    of("parent", "system.revocation"),
  ]);
  const identityByParent = new Map(identities.map((i) => [`${i.genesisId}:0`, i.id]));

  const roots = rootRows.map((r): AclRootFact => {
    const v = valueOf(r);
    const scope = v["scope"] === "object" ? "object" : v["scope"] === "type" ? "type" : "app";
    return {
      id: r.id,
      owner: r.owner,
      envelopeId: creatorOf(r.id),
      targetApp: str(v["target_app"]) ?? "",
      scope,
      targetObjectId: str(v["target_object_id"]),
      targetTypeKey: str(v["target_type_key"]),
    };
  });
  const rules: AclRuleFact[] = [];
  for (const [i, [, mode, effect]] of RULE_TYPES.entries()) {
    for (const r of ruleRows[i]!) {
      const v = valueOf(r);
      const subject = subjectOf(v);
      rules.push({ id: r.id, rootId: r.parent, owner: r.owner, envelopeId: creatorOf(r.id), mode, effect, subject, cuts: cutsOf(v) });
    }
  }
  const groupOwners = new Map(groupRows.map((g) => [g.id, g.owner]));
  const memberships: MembershipFact[] = memberRows.flatMap((e) => {
    const member = identityByParent.get(e.dst);
    const groupOwner = groupOwners.get(e.parent);
    return member === undefined || groupOwner === undefined
      ? []
      : [{ id: e.id, groupId: e.parent, groupOwner, author: e.owner, member, envelopeId: creatorOf(e.id) }];
  });
  const capabilities = new Map(capabilityRows.map((c) => [c.id, { name: str(valueOf(c)["name"]) ?? "", owner: c.owner }]));
  const grants: GrantFact[] = grantRows.flatMap((e) => {
    const holder = identityByParent.get(e.dst);
    const capability = capabilities.get(e.parent);
    if (holder === undefined || capability === undefined) return [];
    return [
      {
        id: e.id,
        capabilityId: e.parent,
        name: capability.name,
        issuer: capability.owner,
        author: e.owner,
        holder,
        expiresAt: str(valueOf(e)["expires_at"]),
        envelopeId: creatorOf(e.id),
      },
    ];
  });
  const revocations: RevocationFact[] = revocationRows.flatMap((r) => {
    const v = valueOf(r);
    const kind = v["kind"];
    if (kind !== "key" && kind !== "grant" && kind !== "capability" && kind !== "membership") return [];
    return [{ id: r.id, revoker: r.owner, envelopeId: creatorOf(r.id), kind, target: str(v["target"]) ?? "", cuts: cutsOf(v) }];
  });
  return { roots, rules, memberships, grants, revocations };
}
