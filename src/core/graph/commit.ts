// The commit (ADR 0005, last stage): one envelope's rows in the batch's transaction with the next
// global_seq — its objects and versions, a fork it reveals (evidence, and the key withdrawn from that
// seq on), its identity if it is a genesis, the stub it upgrades. Suppressed when a revocation reaches
// it, it relies on a withdrawn envelope, or its key forked (DESIGN §3, §4 rule 5).
import type { Reach } from "../acl/index.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { ok, type Result } from "../shared/result.ts";
import type { Budgets, WriteTx } from "../storage/index.ts";
import { IDENTITY_TYPE_KEY, SYSTEM_APP, type VerifiedEnvelope, type VerifiedStub } from "../wire/index.ts";
import { materialize } from "./materialize.ts";
import { createdObjectId, isCreate } from "./references.ts";
import type { Evaluated, ReadyPast } from "./types.ts";
import { applyWithdrawal, forkWithdrawalSet, versionKey, withdrawNow, type Withdrawal } from "./withdrawal.ts";

export type Committed = {
  readonly evaluated: Evaluated;
  /** System objects changed (this envelope's or a fork's withdrawal): the ACL facts must be reloaded. */
  readonly systemChanged: boolean;
  /** An accepted revocation or deny: what it reaches is withdrawn next. */
  readonly revokes: boolean;
};

export async function commitEnvelope(
  tx: WriteTx,
  verified: VerifiedEnvelope,
  past: ReadyPast,
  revoked: Reach | null,
  ctx: {
    readonly clock: Clock;
    readonly budgets: Budgets;
    /** False when the Graph knows the pending set is empty: then there is no row of this envelope to remove. */
    readonly maybePending?: boolean;
  },
): Promise<Result<Committed>> {
  const { envelope, id } = verified;
  const content = envelope.content;
  // Both reads in one round trip; the fork record is read even when the answer is already known.
  const [atKeySeq, forked] = await Promise.all([
    tx.envelopeIdsAtKeySeq(envelope.author_key, envelope.seq),
    tx.forkedAtOrBefore(envelope.author_key, envelope.seq),
  ]);
  const rivals = atKeySeq.filter((rival) => rival !== id);
  // Rule 5: relying on revoked authority beyond the cut, on a withdrawn envelope (among deps: prev
  // is only the chain), or on a forked key.
  const inherited = revoked !== null || past.deps.some((r) => r.status === "suppressed") || forked;
  const suppressed = rivals.length > 0 || inherited;
  const seq = tx.globalSeq + 1;
  const now = isoTime(ctx.clock);
  const rows = materialize({ verified, seq, references: past.references, existing: past.objects, suppressed });
  const changes: Withdrawal = {
    objects: new Map(rows.objects.map((row) => [row.id, row])),
    versions: new Map(rows.versions.map((v) => [versionKey(v), v])),
  };
  const withdrawn = rivals.length > 0 ? await forkWithdrawalSet(tx, envelope.author_key, envelope.seq, rivals) : [];
  await applyWithdrawal(tx, withdrawn, changes);
  const isGenesis = content.ops[0]?.type_key === IDENTITY_TYPE_KEY;
  const status = suppressed ? "suppressed" : "accepted";
  const applied = await tx.apply(
    {
      seq,
      envelope: {
        seq,
        id,
        text: verified.text,
        authorId: envelope.author_id,
        authorKey: envelope.author_key,
        keySeq: envelope.seq,
        app: content.app,
        domain: content.domain,
        lamport: envelope.lamport,
        prev: envelope.prev,
        deps: content.deps,
        status,
        committedAt: now,
      },
      objects: [...changes.objects.values()],
      versions: [...changes.versions.values()],
      suppressEnvelopes: withdrawn,
      ...(rivals.length > 0
        ? { fork: { authorKey: envelope.author_key, keySeq: envelope.seq, envelopeIds: [...rivals, id].sort(), detectedAt: now } }
        : {}),
      ...(isGenesis && !suppressed ? { identity: { id: envelope.author_id, rootKey: envelope.author_key, genesisId: id, seq } } : {}),
      removePending: ctx.maybePending === false ? [] : [id],
      ...(past.upgradesStub ? { replacesStub: id } : {}),
    },
    ctx.budgets,
  );
  if (!applied.ok) return applied;
  const objectIds = content.ops.flatMap((op, i) => (isCreate(op) ? [createdObjectId(id, i)] : []));
  return ok({
    evaluated: { kind: "commit", envelopeStatus: status, outcome: { status, id, seq, objectIds } },
    systemChanged: content.app === SYSTEM_APP || [...changes.objects.values()].some((row) => row.app === SYSTEM_APP),
    revokes:
      content.app === SYSTEM_APP &&
      !suppressed &&
      content.ops.some((op) => op.type_key === "system.revocation" || op.type_key.endsWith(".deny")),
  });
}

/**
 * Holds a stub whose chain checked out (DESIGN §3): no effects, no global_seq. A second link at its
 * key's seq is a fork, found from links alone: evidence, and the key's envelopes from there withdrawn.
 */
export async function holdStub(tx: WriteTx, verified: VerifiedStub, clock: Clock): Promise<Committed> {
  const { envelope: link, id } = verified;
  const now = isoTime(clock);
  const rivals = (await tx.envelopeIdsAtKeySeq(link.author_key, link.seq)).filter((rival) => rival !== id);
  const withdrew = rivals.length > 0 && (await withdrawNow(tx, await forkWithdrawalSet(tx, link.author_key, link.seq, rivals)));
  await tx.holdStub({
    stub: {
      id,
      text: verified.text,
      authorId: link.author_id,
      authorKey: link.author_key,
      keySeq: link.seq,
      prev: link.prev,
      lamport: link.lamport,
      receivedAt: now,
    },
    ...(rivals.length > 0
      ? { fork: { authorKey: link.author_key, keySeq: link.seq, envelopeIds: [...rivals, id].sort(), detectedAt: now } }
      : {}),
    removePending: [id],
  });
  return { evaluated: { kind: "stub" }, systemChanged: withdrew, revokes: false };
}
