// Stage 4, ownership part (DESIGN §4 rule 4; public design 06 enforcement matrix row 1): own data
// needs no ACL; writing under another identity's object is denied unless a grant allows it. Pure.
import { nodeError } from "../shared/errors.ts";
import { err, ok, type Result } from "../shared/result.ts";

/** What ownership needs to know about one write: the op, the object it writes under, and its owner. */
export type OwnershipCheck = {
  readonly opIndex: number;
  readonly op: string;
  /** The object the op writes under: an update's target, an attribute's parent, an edge's source. */
  readonly under: { readonly objectId: string; readonly owner: string } | null;
};

/** A grant lookup; the permissions issue plugs ACL objects, capabilities and groups in here. */
export type GrantCheck = (author: string, objectId: string, op: string) => boolean;

export const NO_GRANTS: GrantCheck = () => false;

/**
 * Denies an op that writes under an object owned by someone else without a grant. Creating a
 * parent writes under nothing; ratings evaluate others' objects and write under nothing of theirs.
 */
export function checkOwnership(author: string, checks: readonly OwnershipCheck[], grants: GrantCheck = NO_GRANTS): Result<void> {
  for (const check of checks) {
    if (check.under === null || check.under.owner === author) continue;
    if (grants(author, check.under.objectId, check.op)) continue;
    return err(
      nodeError("ERR_AUTH_NOT_OWNER", "Only the owner may write under this object.", {
        reason: "not_owner",
        op_index: check.opIndex,
        object_id: check.under.objectId,
      }),
    );
  }
  return ok(undefined);
}
