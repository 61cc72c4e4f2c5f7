// acl.json's read defaults, enforced (DESIGN D8): for every type a package marks "owner", each of
// this node's identities states in the graph that only it reads its own objects of that type — an
// `acl.root` of scope type with one `acl.read.allow` naming itself (ADR 0010: once read rules cover
// an object, only its owner or an allowed subject sees it, and sync exports it to no one else).
// The statements are written at install, before the app can create one object of the type, so no
// object ever syncs before the rule that keeps it private. "app" types need no statement.
import type { AclFacts } from "../acl/index.ts";
import type { Op } from "../wire/index.ts";
import type { AclDefaults } from "./package/index.ts";

/** The types of `app` whose objects only their owner may read, per the package's acl.json. */
export function ownerOnlyTypes(acl: AclDefaults): readonly string[] {
  return Object.entries(acl.read)
    .filter(([, rule]) => rule === "owner")
    .map(([typeKey]) => typeKey)
    .sort();
}

/** Whether `identity` already restricts reading its `typeKey` objects of `app` (any read rule counts). */
export function hasReadRule(facts: AclFacts, identity: string, app: string, typeKey: string): boolean {
  const roots = new Set(
    facts.roots
      .filter((r) => r.owner === identity && r.scope === "type" && r.targetApp === app && r.targetTypeKey === typeKey)
      .map((r) => r.id),
  );
  return facts.rules.some((rule) => rule.mode === "read" && rule.owner === identity && roots.has(rule.rootId));
}

/** One envelope's ops in the system app's acl domain: the root and its allow naming the owner. */
export function ownerOnlyOps(identity: string, app: string, typeKey: string): Omit<Op, "owner_identity">[] {
  return [
    { op: "parent_create", type_key: "acl.root", payload: { value: { target_app: app, scope: "type", target_type_key: typeKey } } },
    { op: "attr_create", type_key: "acl.read.allow", payload: { parent_id: "@0", value: { identity } } },
  ];
}
