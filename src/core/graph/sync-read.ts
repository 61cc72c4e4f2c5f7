// sync_read (public design 06; DESIGN §4): may a peer receive a stored envelope in full? Every object
// it creates or updates must be readable by the peer; admin grants never count for export. Identity
// envelopes always travel, so any node can verify authors it has never met. What it may not read
// travels as its stub (ADR 0013). A peer node the graph proves bound to a person (ADR 0030, by a key
// not revoked) is that person's own device: it reads what the person may (ADR 0023, amended).
import { evaluateRead, type AclFacts } from "../acl/index.ts";
import type { EnvelopeRow, NodeStorage } from "../storage/index.ts";
import { storedEnvelope, SYSTEM_APP } from "../wire/index.ts";
import { aclTarget } from "./authorize.ts";
import { createdObjectId, isCreate, referencesOf, updateTarget } from "./references.ts";
import type { SyncReadDecision } from "./types.ts";

/** The decision for each row, with one read of the objects for all of them. */
export async function syncReadRows(
  storage: Pick<NodeStorage, "getObjects">,
  facts: () => Promise<AclFacts>,
  peer: string,
  rows: readonly EnvelopeRow[],
  personOfPeer: () => Promise<string | null> = () => Promise.resolve(null),
): Promise<SyncReadDecision[]> {
  const written = rows.map((row) => (row.app === SYSTEM_APP && row.domain === "identity" ? null : writtenBy(row)));
  if (written.every((w) => w === null)) return rows.map(() => ({ allow: true, reason: "identity" }));
  const known = await facts();
  const objects = await storage.getObjects(written.flatMap((w) => w?.ids ?? []));
  // Asked once, and only when a rule refuses the peer node itself.
  let person: Promise<string | null> | undefined;
  const decisions: SyncReadDecision[] = [];
  for (const w of written) {
    if (w === null) {
      decisions.push({ allow: true, reason: "identity" });
      continue;
    }
    let decision: SyncReadDecision = { allow: true, reason: "readable" };
    // In id order, as one storage read per envelope listed them: the first denial is the reason.
    for (const id of [...new Set(w.ids)].sort()) {
      const object = objects.get(id);
      if (object === undefined) continue;
      const target = aclTarget(object);
      const read = evaluateRead(known, peer, target, { at: w.createdAt, forSync: true });
      if (read.allow) continue;
      const asPerson = (await (person ??= personOfPeer())) ?? null;
      if (asPerson !== null && evaluateRead(known, asPerson, target, { at: w.createdAt, forSync: true }).allow) continue;
      decision = { allow: false, reason: read.reason };
      break;
    }
    decisions.push(decision);
  }
  return decisions;
}

/** The objects a stored envelope creates or updates, and its created_at (the time sync_read judges at). */
function writtenBy(row: EnvelopeRow): { readonly ids: readonly string[]; readonly createdAt: string } {
  const content = storedEnvelope(row.text).content;
  const references = referencesOf(content.ops, row.id);
  const ids = content.ops
    .map((op, i) => (isCreate(op) ? createdObjectId(row.id, i) : updateTarget(references, i)?.objectId))
    .filter((x): x is NonNullable<typeof x> => x !== undefined);
  return { ids, createdAt: content.created_at };
}
