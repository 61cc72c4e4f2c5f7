// Signed anchors of the audit chain (ADR 0017): a checkpoint names the newest record's seq and hash
// and is signed with the node key, so a truncated, deleted or recomputed chain no longer meets it.
// The same signature seals a repair record, so nobody without the key can excuse an edit.
import type { Ed25519Verifier, Signer } from "../crypto/index.ts";
import { fromBase64url, toBase64url } from "../shared/bytes.ts";
import { canonicalBytes } from "../shared/canonical-json.ts";
import { isJsonObject, type JsonValue } from "../shared/json.ts";

export type Checkpoint = {
  readonly log: string;
  readonly seq: number;
  readonly hash: string;
  /** The node's global_seq when the checkpoint was signed: commits above it may lack outcome records. */
  readonly globalSeq: number;
  readonly at: string;
};

export type SignedCheckpoint = Checkpoint & { readonly key: string; readonly signature: string };

/** What the Log manager needs from the node: its key, a verifier and a place beside global_seq. */
export type LogAnchor = {
  readonly signer: Signer;
  readonly verifier: Ed25519Verifier;
  /** The node database's copy (ADR 0017): an attacker must forge both databases, and the signature. */
  readonly store: { read(): Promise<unknown>; write(value: JsonValue): Promise<void> };
  readonly globalSeq: () => number;
};

const CHECKPOINT_PURPOSE = "twoway.audit.checkpoint.v1";
const REPAIR_PURPOSE = "twoway.audit.repair.v1";

function signedBytes(purpose: string, body: JsonValue): Uint8Array {
  return canonicalBytes({ purpose, body });
}

export async function signCheckpoint(signer: Signer, checkpoint: Checkpoint): Promise<SignedCheckpoint> {
  const signature = await signer.sign(signedBytes(CHECKPOINT_PURPOSE, checkpoint));
  return { ...checkpoint, key: toBase64url(signer.publicKey), signature: toBase64url(signature) };
}

export type CheckpointVerdict =
  | { readonly kind: "none" }
  | { readonly kind: "valid"; readonly checkpoint: SignedCheckpoint }
  /** Present but not ours: malformed, another log's, another key's, or a bad signature. */
  | { readonly kind: "forged"; readonly reason: string };

/** Checks a stored checkpoint read back from the node database (untrusted). */
export async function checkCheckpoint(anchor: LogAnchor, log: string, stored: unknown): Promise<CheckpointVerdict> {
  if (stored === undefined || stored === null) return { kind: "none" };
  if (!isJsonObject(stored)) return { kind: "forged", reason: "malformed" };
  const { key, signature, ...body } = stored as Record<string, unknown>;
  const fields = ["log", "seq", "hash", "globalSeq", "at"];
  if (Object.keys(body).length !== fields.length || !fields.every((f) => Object.hasOwn(body, f)))
    return { kind: "forged", reason: "malformed" };
  if (!Number.isSafeInteger(body.seq) || (body.seq as number) < 1 || typeof body.hash !== "string")
    return { kind: "forged", reason: "malformed" };
  if (!Number.isSafeInteger(body.globalSeq) || typeof body.at !== "string") return { kind: "forged", reason: "malformed" };
  if (body.log !== log) return { kind: "forged", reason: "other_log" };
  if (key !== toBase64url(anchor.signer.publicKey)) return { kind: "forged", reason: "other_key" };
  const sig = typeof signature === "string" ? fromBase64url(signature) : undefined;
  if (sig === undefined) return { kind: "forged", reason: "malformed" };
  const verdict = await anchor.verifier.verify(anchor.signer.publicKey, signedBytes(CHECKPOINT_PURPOSE, body as JsonValue), sig);
  return verdict.valid ? { kind: "valid", checkpoint: stored as SignedCheckpoint } : { kind: "forged", reason: "bad_signature" };
}

/** A break a repair recorded: seqs `seq..to` and what was wrong with them. */
export type ChainBreak = { readonly seq: number; readonly to: number; readonly defect: string };

/** The signed body of a repair record: where it sits, what it excuses. */
export type RepairSeal = { readonly log: string; readonly seq: number; readonly prevHash: string; readonly breaks: readonly ChainBreak[] };

export async function signRepair(signer: Signer, seal: RepairSeal): Promise<{ key: string; signature: string }> {
  const signature = await signer.sign(signedBytes(REPAIR_PURPOSE, seal));
  return { key: toBase64url(signer.publicKey), signature: toBase64url(signature) };
}

export async function isRepairSealed(anchor: LogAnchor, seal: RepairSeal, signature: unknown): Promise<boolean> {
  const sig = typeof signature === "string" ? fromBase64url(signature) : undefined;
  if (sig === undefined) return false;
  return (await anchor.verifier.verify(anchor.signer.publicKey, signedBytes(REPAIR_PURPOSE, seal), sig)).valid;
}
