// Stage 2 against local state (ADR 0005, DESIGN §3): is the envelope here already, is its causal
// past here (prev in either form, every dep in full), do prev and lamport agree with it, is a device
// key bound among its deps, and was every object it names created in that declared past. Reads only.
import { nodeError, type ErrorCode } from "../shared/errors.ts";
import type { EnvelopeId } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { EnvelopeRow, WriteTx } from "../storage/index.ts";
import { storedEnvelope, type VerifiedEnvelope, type VerifiedLink, type VerifiedStub } from "../wire/index.ts";
import { DEVICE_KEY_TYPE } from "./device-keys.ts";
import { referencesOf } from "./references.ts";
import type { ChainLink, ReadyPast } from "./types.ts";

type Reads = Pick<WriteTx, "getEnvelopes" | "getStubs" | "getObjects" | "getIdentity">;

/** Held already, waiting for what is missing, or ready for the next stages. */
export type PastVerdict<T> =
  | { readonly kind: "duplicate"; readonly seq: number }
  | { readonly kind: "pending"; readonly missing: readonly EnvelopeId[] }
  | ({ readonly kind: "ready" } & T);

function reject(code: ErrorCode, message: string, data: Record<string, string | number>): Result<never> {
  return err(nodeError(code, message, data));
}

/** Held in full (its global_seq) or as a stub (0), or not at all. */
async function heldAs(tx: Reads, id: string): Promise<{ full: EnvelopeRow | undefined; stub: boolean }> {
  const [[full], [stub]] = await Promise.all([tx.getEnvelopes([id]), tx.getStubs([id])]);
  return { full, stub: stub !== undefined };
}

/**
 * The link's prev as held (full or stub): null at seq 1, "missing" when not held yet (wait for it),
 * an error when it is not this key's previous link (DESIGN §3).
 */
async function chainPrev(tx: Reads, verified: VerifiedLink): Promise<Result<ChainLink | null | "missing">> {
  const link = verified.envelope;
  if (link.prev === null) return ok(null);
  const [[full], [stub]] = await Promise.all([tx.getEnvelopes([link.prev]), tx.getStubs([link.prev])]);
  const prev: ChainLink | undefined = full ?? stub;
  if (prev === undefined) return ok("missing");
  if (prev.authorKey !== link.author_key || prev.keySeq !== link.seq - 1) {
    return reject("ERR_SYNC_SEQUENCE_INVALID", "prev is not the previous envelope of this key.", { reason: "prev_not_previous_of_key" });
  }
  return ok(prev);
}

/** A stub's chain: prev held, the same key's seq − 1, lamport past it (its deps are hidden). */
export async function checkStubPast(tx: Reads, verified: VerifiedStub): Promise<Result<PastVerdict<object>>> {
  const { envelope: link, id } = verified;
  const held = await heldAs(tx, id);
  if (held.full !== undefined) return ok({ kind: "duplicate", seq: held.full.seq });
  if (held.stub) return ok({ kind: "duplicate", seq: 0 });
  const prev = await chainPrev(tx, verified);
  if (!prev.ok) return prev;
  if (prev.value === "missing") return ok({ kind: "pending", missing: [link.prev!] });
  if (prev.value !== null && link.lamport <= prev.value.lamport) {
    return reject("ERR_SYNC_SEQUENCE_INVALID", "lamport is not past its prev.", { reason: "lamport_mismatch" });
  }
  return ok({ kind: "ready" });
}

/** A full envelope's causal past (DESIGN §3, §4 rule 2): what it relies on is here and agrees with it. */
export async function checkCausalPast(tx: Reads, verified: VerifiedEnvelope): Promise<Result<PastVerdict<ReadyPast>>> {
  const { envelope, id } = verified;
  const content = envelope.content;
  const held = await heldAs(tx, id);
  if (held.full !== undefined) return ok({ kind: "duplicate", seq: held.full.seq });

  const prev = await chainPrev(tx, verified);
  if (!prev.ok) return prev;
  const depRows = await tx.getEnvelopes(content.deps);
  const missing = [...(prev.value === "missing" ? [envelope.prev!] : []), ...content.deps.filter((_, i) => depRows[i] === undefined)];
  if (missing.length > 0) return ok({ kind: "pending", missing });
  const deps = depRows as EnvelopeRow[];
  const prevLink = prev.value as ChainLink | null;

  // DESIGN §3: lamport = 1 + max over prev and deps.
  const lamports = [...(prevLink === null ? [] : [prevLink.lamport]), ...deps.map((r) => r.lamport)];
  const expected = lamports.length === 0 ? 0 : 1 + Math.max(...lamports);
  if (envelope.lamport !== expected) {
    return reject("ERR_SYNC_SEQUENCE_INVALID", "lamport is not one more than its causal past.", { reason: "lamport_mismatch", expected });
  }
  // A device key is bound by an attribute among the envelope's own deps (ADR 0013): a peer may hold
  // the key's earlier envelopes only as stubs, so the chain proves nothing about binding.
  if (verified.keyRole === "device" && !(await isBound(tx, envelope.author_id, envelope.author_key, deps)))
    return reject("ERR_CRYPTO_KEY_NOT_BOUND", "The signing key is not bound to the author among the envelope's deps.", {
      reason: "binding_not_in_deps",
    });

  // References: every object named must have been created in the envelope's declared causal past.
  const references = referencesOf(content.ops, id);
  const globalRefs = references.filter((r) => r.ref.kind === "object");
  const objects = await tx.getObjects(globalRefs.map((r) => r.objectId));
  for (const ref of globalRefs) {
    if (ref.ref.kind !== "object") continue;
    const path = `content.ops[${ref.opIndex}].payload.${ref.field}`;
    if (!content.deps.includes(ref.ref.envelopeId))
      return reject("ERR_SYNC_MISSING_DEPENDENCY", "An op names an object whose creator is not among the envelope's deps.", {
        reason: "undeclared_dependency",
        path,
      });
    if (!objects.has(ref.objectId))
      return reject("ERR_STRUCT_INVALID_IDENTIFIER", "An op names an object that does not exist.", { reason: "unknown_object", path });
  }
  return ok({ kind: "ready", deps, references, objects, upgradesStub: held.stub });
}

/** A device key is bound by a `system.device_key` attribute on the author's identity, among deps. */
async function isBound(tx: Reads, authorId: string, authorKey: string, deps: readonly EnvelopeRow[]): Promise<boolean> {
  const identity = await tx.getIdentity(authorId);
  if (identity === undefined) return false;
  const identityObject = `${identity.genesisId}:0`;
  return deps.some((row) => {
    if (row.authorId !== authorId || row.status !== "accepted") return false;
    const ops = storedEnvelope(row.text).content.ops;
    return ops.some((op) => {
      if (op.op !== "attr_create" || op.type_key !== DEVICE_KEY_TYPE) return false;
      const p = op.payload as { parent_id: string; value: { public_key?: unknown } };
      return p.parent_id === identityObject && p.value.public_key === authorKey;
    });
  });
}
