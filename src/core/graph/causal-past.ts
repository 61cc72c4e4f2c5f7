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

/** What is held of a link, its prev and its deps: one read of each store for all of them. */
type Held = {
  readonly full: EnvelopeRow | undefined;
  readonly stub: boolean;
  /** null at seq 1; undefined when not held (yet). */
  readonly prev: ChainLink | null | undefined;
  readonly deps: readonly (EnvelopeRow | undefined)[];
};

async function held(tx: Reads, verified: VerifiedLink): Promise<Held> {
  const { id, envelope } = verified;
  const chain = envelope.prev === null ? [id] : [id, envelope.prev];
  const deps = verified.kind === "full" ? verified.envelope.content.deps : [];
  const [full, stubs] = await Promise.all([tx.getEnvelopes([...chain, ...deps]), tx.getStubs(chain)]);
  return {
    full: full[0],
    stub: stubs[0] !== undefined,
    prev: envelope.prev === null ? null : (full[1] ?? stubs[1]),
    deps: full.slice(chain.length),
  };
}

/** DESIGN §3: `prev` is the same key's link at seq − 1. */
function checkPrev(verified: VerifiedLink, prev: ChainLink | null | undefined): Result<void> {
  const link = verified.envelope;
  if (prev === null || prev === undefined || (prev.authorKey === link.author_key && prev.keySeq === link.seq - 1)) return ok(undefined);
  return reject("ERR_SYNC_SEQUENCE_INVALID", "prev is not the previous envelope of this key.", { reason: "prev_not_previous_of_key" });
}

/** A stub's chain: prev held, the same key's seq − 1, lamport past it (its deps are hidden). */
export async function checkStubPast(tx: Reads, verified: VerifiedStub): Promise<Result<PastVerdict<object>>> {
  const link = verified.envelope;
  const here = await held(tx, verified);
  if (here.full !== undefined) return ok({ kind: "duplicate", seq: here.full.seq });
  if (here.stub) return ok({ kind: "duplicate", seq: 0 });
  const prev = checkPrev(verified, here.prev);
  if (!prev.ok) return prev;
  if (here.prev === undefined) return ok({ kind: "pending", missing: [link.prev!] });
  if (here.prev !== null && link.lamport <= here.prev.lamport) {
    return reject("ERR_SYNC_SEQUENCE_INVALID", "lamport is not past its prev.", { reason: "lamport_mismatch" });
  }
  return ok({ kind: "ready" });
}

/** A full envelope's causal past (DESIGN §3, §4 rule 2): what it relies on is here and agrees with it. */
export async function checkCausalPast(tx: Reads, verified: VerifiedEnvelope): Promise<Result<PastVerdict<ReadyPast>>> {
  const { envelope, id } = verified;
  const content = envelope.content;
  const here = await held(tx, verified);
  if (here.full !== undefined) return ok({ kind: "duplicate", seq: here.full.seq });

  const prev = checkPrev(verified, here.prev);
  if (!prev.ok) return prev;
  const missing = [...(here.prev === undefined ? [envelope.prev!] : []), ...content.deps.filter((_, i) => here.deps[i] === undefined)];
  if (missing.length > 0) return ok({ kind: "pending", missing });
  const deps = here.deps as EnvelopeRow[];
  const prevLink = here.prev as ChainLink | null;

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
  return ok({ kind: "ready", deps, references, objects, upgradesStub: here.stub });
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
