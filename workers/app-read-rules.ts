// Read rules a mini-app's person states in the graph (DESIGN D8/D9, ADR 0010), written by the worker
// as that person in the system app's acl domain, never by the app itself:
// - at open, the package's acl.json "owner" types for the bound identity, if it has none yet (an
//   identity made after the app was installed got none at install);
// - on the app's request (`allowRead`), an object-scoped root per object naming who else may read
//   it. A root covers only its owner's objects of the bound app, so an app can open nothing else.
// Until an object's allow exists, the owner-only type rule keeps it home: sync never exports it.
import { err, nodeError, ok, type IdentityId, type Result, type TwoWayNode } from "../src/core/index.ts";

/** One request's bounds: one envelope of at most 12 × (1 + 17) ops, under the wire's 256. */
export const ALLOW_READ_LIMITS = { maxObjects: 12, maxReaders: 16 } as const;

const OBJECT_ID = /^[A-Za-z0-9_-]{10,128}:\d{1,6}$/;
const IDENTITY_ID = /^[A-Za-z0-9_-]{10,128}$/;

export type AllowReadRequest = { readonly objectIds: readonly string[]; readonly readers: readonly string[] };

function refused(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_TYPE", message, { reason }));
}

export function parseAllowRead(args: readonly unknown[]): Result<AllowReadRequest> {
  if (args.length !== 1) return refused("argument_count", "allowRead takes one request.");
  const r = args[0] as { objectIds?: unknown; readers?: unknown } | null;
  if (r === null || typeof r !== "object" || Object.keys(r).some((k) => k !== "objectIds" && k !== "readers"))
    return refused("not_an_object", "The request is { objectIds, readers }.");
  const list = (v: unknown, max: number, shape: RegExp) =>
    Array.isArray(v) && v.length > 0 && v.length <= max && v.every((x) => typeof x === "string" && shape.test(x));
  if (!list(r.objectIds, ALLOW_READ_LIMITS.maxObjects, OBJECT_ID))
    return refused("invalid_object_ids", `objectIds: 1 to ${ALLOW_READ_LIMITS.maxObjects} object ids.`);
  if (!list(r.readers, ALLOW_READ_LIMITS.maxReaders, IDENTITY_ID))
    return refused("invalid_readers", `readers: 1 to ${ALLOW_READ_LIMITS.maxReaders} identity ids.`);
  return ok({ objectIds: [...new Set(r.objectIds as string[])], readers: [...new Set(r.readers as string[])] });
}

async function systemSubmit(node: TwoWayNode, identityId: IdentityId, ops: unknown[]): Promise<Result<{ envelopeId: string }>> {
  const session = await node.openSession({ identityId, app: "system" });
  if (!session.ok) return session;
  try {
    const written = await session.value.submit({ domain: "acl", ops: ops as Parameters<typeof session.value.submit>[0]["ops"] });
    return written.ok ? ok({ envelopeId: written.value.envelopeId }) : written;
  } finally {
    session.value.close();
  }
}

/** The owner-only type rules of `app` that `identityId` lacks, stated now (ADR 0010 read rules). */
export async function ensureOwnerOnly(
  node: TwoWayNode,
  identityId: IdentityId,
  app: string,
  typeKeys: readonly string[],
): Promise<Result<void>> {
  if (typeKeys.length === 0) return ok(undefined);
  const session = await node.openSession({ identityId, app: "system" });
  if (!session.ok) return session;
  const roots = await session.value.read({ target: "parent", type_key: "acl.root", where: { target_app: app, scope: "type" }, limit: 500 });
  session.value.close();
  if (!roots.ok) return roots;
  const have = new Set(
    roots.value.rows
      .filter((row) => row.owner_identity === identityId)
      .map((row) => (row.value as { target_type_key?: string }).target_type_key),
  );
  const ops = typeKeys
    .filter((typeKey) => !have.has(typeKey))
    .flatMap((typeKey, i) => [
      { op: "parent_create", type_key: "acl.root", payload: { value: { target_app: app, scope: "type", target_type_key: typeKey } } },
      { op: "attr_create", type_key: "acl.read.allow", payload: { parent_id: `@${i * 2}`, value: { identity: identityId } } },
    ]);
  if (ops.length === 0) return ok(undefined);
  const written = await systemSubmit(node, identityId, ops);
  return written.ok ? ok(undefined) : written;
}

/** One envelope: per object, a root of scope object with an allow for the owner and each reader. */
export async function allowRead(
  node: TwoWayNode,
  identityId: IdentityId,
  app: string,
  request: AllowReadRequest,
): Promise<Result<{ readonly envelopeId: string }>> {
  const readers = [...new Set([identityId, ...request.readers])];
  const ops: unknown[] = [];
  for (const objectId of request.objectIds) {
    const root = ops.length;
    ops.push({
      op: "parent_create",
      type_key: "acl.root",
      payload: { value: { target_app: app, scope: "object", target_object_id: objectId } },
    });
    for (const identity of readers)
      ops.push({ op: "attr_create", type_key: "acl.read.allow", payload: { parent_id: `@${root}`, value: { identity } } });
  }
  return systemSubmit(node, identityId, ops);
}
