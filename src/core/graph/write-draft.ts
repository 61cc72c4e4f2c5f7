// Drafting a local write (ADR 0005 stage 0): the node builds the envelope for the session's key —
// the next seq after the key's head, deps citing everything relied on, lamport one past its causal
// past — ready to sign (a group signs its drafts at once, ADR 0034). It reads; it never writes (the
// envelope then takes the common path).
import { evaluateWrite, type AclFacts } from "../acl/index.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import { publicKeyText, type EnvelopeId } from "../shared/ids.ts";
import { err, type Result } from "../shared/result.ts";
import type { EnvelopeRow, NodeStorage } from "../storage/index.ts";
import { OP_KINDS, prepareEnvelope, type UnsignedEnvelope } from "../wire/index.ts";
import { aclTarget } from "./authorize.ts";
import { referencesOf } from "./references.ts";
import type { Author, WriteRequest } from "./types.ts";

/** Where a key's chain stands for the next draft: its last stored envelope, or a group's last draft. */
export type ChainHead = Pick<EnvelopeRow, "id" | "keySeq" | "lamport">;

export type DraftContext = {
  readonly storage: Pick<NodeStorage, "getEnvelopes" | "getObjects"> & { lastOfKey(key: string): Promise<ChainHead | undefined> };
  readonly facts: AclFacts;
  readonly clock: Clock;
};

/** A trace id for a write whose caller named none. */
export function newTraceId(): string {
  return `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export async function draftLocalWrite(ctx: DraftContext, author: Author, request: WriteRequest): Promise<Result<UnsignedEnvelope>> {
  const { storage } = ctx;
  // Op names first: the reference walk below knows only the eight kinds (DESIGN §3).
  const unknownOp = request.ops.findIndex((op) => !(OP_KINDS as readonly unknown[]).includes(op.op));
  if (unknownOp !== -1)
    return err(
      nodeError("ERR_STRUCT_INVALID_TYPE", `Op ${unknownOp} is not one of the eight op kinds.`, { reason: "unknown_op", index: unknownOp }),
    );
  const key = publicKeyText(author.signer.publicKey);
  const head = await storage.lastOfKey(key);
  const probe = referencesOf(
    request.ops.map((op) => ({ ...op, owner_identity: author.identityId })),
    "" as EnvelopeId,
  );
  const creators = [...new Set(probe.flatMap((r) => (r.ref.kind === "object" ? [r.ref.envelopeId] : [])))];
  const creatorRows = await storage.getEnvelopes(creators);
  const unknown = creators.find((_, i) => creatorRows[i] === undefined);
  if (unknown !== undefined)
    return err(
      nodeError("ERR_STRUCT_INVALID_IDENTIFIER", "An op names an object this node does not hold.", {
        reason: "unknown_object",
        envelope_id: unknown,
      }),
    );
  // Wire v2: deps list everything relied on, the key's own earlier objects too, since a peer may
  // hold the key's earlier envelopes only as stubs (DESIGN §3: prev is only the chain).
  const deps = new Set<string>(creators);
  // Writing under others' objects relies on their grants: cite them (DESIGN §4 rule 4).
  const at = isoTime(ctx.clock);
  for (const row of (await storage.getObjects(probe.map((r) => r.objectId))).values()) {
    if (row.owner === author.identityId) continue;
    const decision = evaluateWrite(ctx.facts, author.identityId, aclTarget(row), { at, cited: null });
    if (decision.allow) for (const dep of decision.reliesOn) deps.add(dep);
  }
  // Every envelope of a device key names its binding, so each one proves itself (ADR 0013).
  if (author.bindingEnvelopeId !== null) deps.add(author.bindingEnvelopeId);
  const depRows = (await storage.getEnvelopes([...deps])).filter((r): r is EnvelopeRow => r !== undefined);
  const lamports = [head, ...depRows].flatMap((r) => (r === undefined ? [] : [r.lamport]));
  return prepareEnvelope(
    author.signer.publicKey,
    {
      app: request.app,
      domain: request.domain,
      traceId: request.traceId ?? newTraceId(),
      seq: (head?.keySeq ?? 0) + 1,
      prev: head?.id ?? null,
      deps: [...deps] as EnvelopeId[],
      lamport: lamports.length === 0 ? 0 : 1 + Math.max(...lamports),
      createdAt: at,
      ops: request.ops,
    },
    { authorId: author.identityId },
  );
}
