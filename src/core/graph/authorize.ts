// Stage 4, authorization (DESIGN §4 rules 4 and 5, ADR 0010, ADR 0014): a device key within its
// delegation, only a revoker may revoke, a revocation never reaches its own past, writes under
// others' objects cite a grant, and which revocation (if any) reaches the envelope. Reads only.
import { evaluateRead, evaluateWrite, revocationReaching, type AclFacts, type AclTarget, type Reach } from "../acl/index.ts";
import { nodeError, type ErrorCode } from "../shared/errors.ts";
import { identityIdFromKey, parsePublicKeyText } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { EnvelopeRow, ObjectRow, WriteTx } from "../storage/index.ts";
import type { Op, VerifiedEnvelope } from "../wire/index.ts";
import { ownRevocationFacts } from "./acl-facts.ts";
import { delegatedApps, deviceKeyBindings } from "./device-keys.ts";
import { updateTarget, type OpReference } from "./references.ts";
import type { Mode, ReadyPast } from "./types.ts";

type Reads = Pick<WriteTx, "getEnvelopes" | "getObject" | "objectsOfType">;

/** Envelopes a revocation's own-past check walks at most (rule 5); beyond it, the revocation is refused. */
const MAX_OWN_PAST = 4_096;

const REVOCATION_TARGET_TYPES: Readonly<Record<string, string>> = {
  grant: "system.capability_grant",
  membership: "system.group_member",
  capability: "system.capability",
};

export const aclTarget = (row: ObjectRow): AclTarget => ({ id: row.id, app: row.app, typeKey: row.typeKey, owner: row.owner });

function reject(code: ErrorCode, message: string, data: Record<string, string | number> = {}): Result<never> {
  return err(nodeError(code, message, data));
}

/**
 * Replicated validity sees only what the envelope cites; in `author` mode the envelope also meets
 * every fact this node holds, so the node never authors what it would withdraw. Returns the
 * revocation reaching the envelope (its effects are then stored suppressed), or null.
 */
export async function authorize(
  tx: Reads,
  facts: AclFacts,
  verified: VerifiedEnvelope,
  past: ReadyPast,
  mode: Mode,
): Promise<Result<Reach | null>> {
  const { envelope, id } = verified;
  const content = envelope.content;
  const author = envelope.author_id;
  if (verified.keyRole === "device") {
    const binding = (await deviceKeyBindings(tx, envelope.author_key)).find((b) => b.owner === author);
    const apps = binding === undefined ? null : delegatedApps(binding);
    if (apps !== null && !apps.includes(content.app)) {
      return reject("ERR_AUTH_SCOPE_EXCEEDED", "The device key is not delegated for this app.", { reason: "key_scope", app: content.app });
    }
  }
  const revokers = await checkRevokers(tx, content.ops, author);
  if (!revokers.ok) return revokers;
  const ownPast = await checkOwnPast(tx, verified, facts);
  if (!ownPast.ok) return ownPast;
  const at = content.created_at;
  const cited = new Set<string>(content.deps);
  for (const { opIndex, row } of writesUnder(content.ops, past.references, past.objects)) {
    if (row.owner === author) continue;
    for (const decision of [
      // Authored writes meet every fact first (its message is the more useful one), then the cited rule.
      ...(mode === "author" ? [evaluateWrite(facts, author, aclTarget(row), { at, cited: null })] : []),
      evaluateWrite(facts, author, aclTarget(row), { at, cited }),
    ]) {
      if (!decision.allow)
        return reject(
          decision.code,
          decision.code === "ERR_AUTH_NOT_OWNER"
            ? "Only the owner, or a holder of a grant, may write under this object."
            : "Access is denied.",
          { reason: decision.reason, op_index: opIndex, object_id: row.id },
        );
    }
  }
  if (mode === "author") {
    for (const ref of past.references) {
      const row = ref.ref.kind === "object" ? past.objects.get(ref.objectId) : undefined;
      if (row === undefined || row.owner === author) continue;
      if (!evaluateRead(facts, author, aclTarget(row), { at, forSync: false }).allow) {
        return reject("ERR_AUTH_VISIBILITY_DENIED", "An op names an object its author may not see.", {
          reason: "not_visible",
          op_index: ref.opIndex,
        });
      }
    }
  }
  const reach = revocationReaching(facts, {
    id,
    authorId: author,
    authorKey: envelope.author_key,
    keySeq: envelope.seq,
    deps: content.deps,
  });
  if (reach !== null && mode === "author") {
    return reach.kind === "key"
      ? reject("ERR_CRYPTO_KEY_REVOKED", "The signing key is revoked.", { reason: "key_revoked" })
      : reject("ERR_CAPABILITY_REVOKED", "A grant this write relies on is revoked.", { reason: "grant_revoked" });
  }
  return ok(reach);
}

/** Only a key's identity revokes the key; only a grant's, membership's or capability's owner revokes it. */
async function checkRevokers(tx: Reads, ops: readonly Op[], author: string): Promise<Result<void>> {
  for (const [i, op] of ops.entries()) {
    if (op.type_key !== "system.revocation" || op.op !== "parent_create") continue;
    const value = (op.payload as { value: { kind: string; target: string } }).value;
    let allowed: boolean;
    if (value.kind === "key") {
      const key = parsePublicKeyText(value.target);
      allowed =
        (key !== undefined && identityIdFromKey(key) === author) ||
        (await deviceKeyBindings(tx, value.target, { includeWithdrawn: true })).some((b) => b.owner === author);
    } else {
      const target = await tx.getObject(value.target);
      allowed = target !== undefined && target.owner === author && target.typeKey === REVOCATION_TARGET_TYPES[value.kind];
    }
    if (!allowed)
      return reject("ERR_AUTH_NOT_OWNER", "Only the owner of what is revoked may revoke it.", { reason: "not_revoker", op_index: i });
  }
  return ok(undefined);
}

/**
 * DESIGN §4 rule 5 (ADR 0014): a revocation never reaches itself or its own causal past, or it would
 * withdraw what it stands on. The past is the envelope, its key's chain below it, and through deps
 * (all held full, or it would not be evaluated) the same again: what every node applying it holds alike.
 */
async function checkOwnPast(tx: Reads, verified: VerifiedEnvelope, facts: AclFacts): Promise<Result<void>> {
  const { envelope, id } = verified;
  const own = ownRevocationFacts(id, envelope.author_id, envelope.content.ops);
  if (own.revocations.length === 0 && own.denies.length === 0) return ok(undefined);
  const highest = new Map<string, number>([[envelope.author_key, envelope.seq]]);
  const past: EnvelopeRow[] = [];
  const seen = new Set<string>([id]);
  let frontier: readonly string[] = envelope.content.deps;
  while (frontier.length > 0) {
    const rows = (await tx.getEnvelopes(frontier.filter((d) => !seen.has(d)))).filter((r): r is EnvelopeRow => r !== undefined);
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      past.push(row);
      highest.set(row.authorKey, Math.max(highest.get(row.authorKey) ?? 0, row.keySeq));
    }
    if (seen.size > MAX_OWN_PAST)
      return reject("ERR_AUTH_REVOCATION_CUT_INVALID", "The revocation's causal past is too large to check.", {
        reason: "causal_past_too_large",
      });
    frontier = rows.flatMap((row) => row.deps);
  }
  let reached: string | null = null;
  for (const r of own.revocations)
    if (reached === null && r.kind === "key" && (highest.get(r.target) ?? 0) > (r.cuts.get(r.target) ?? 0)) reached = r.target;
  const scoped: AclFacts = {
    ...facts,
    revocations: own.revocations.filter((r) => r.kind !== "key"),
    rules: [...facts.rules, ...own.denies],
  };
  for (const row of past) {
    if (reached !== null) break;
    const ref = { id: row.id, authorId: row.authorId, authorKey: row.authorKey, keySeq: row.keySeq, deps: row.deps };
    if (revocationReaching(scoped, ref) !== null) reached = row.authorKey;
  }
  if (reached === null) return ok(undefined);
  return reject("ERR_AUTH_REVOCATION_CUT_INVALID", "The revocation's cut would withdraw the revocation itself or what it relies on.", {
    reason: "cut_reaches_own_past",
    key: reached,
  });
}

/**
 * The existing objects an envelope writes under (ADR 0005): an update's target, an attribute's
 * parent, an edge's source. Parents and ratings write under nothing; local refs are the author's own.
 */
function writesUnder(
  ops: readonly Op[],
  references: readonly OpReference[],
  objects: ReadonlyMap<string, ObjectRow>,
): { opIndex: number; row: ObjectRow }[] {
  return ops.flatMap((op, opIndex) => {
    if (op.op === "parent_create" || op.op === "rating_create") return [];
    const target = updateTarget(references, opIndex);
    const row = target === undefined || target.ref.kind === "local" ? undefined : objects.get(target.objectId);
    return row === undefined ? [] : [{ opIndex, row }];
  });
}
