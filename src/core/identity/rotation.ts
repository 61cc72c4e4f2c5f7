// Replacing a device key (public design 06-flows/08, ADR 0021): bind a new key, then revoke the old
// one with a cut at its last envelope (DESIGN §4 rule 5), then forget it. Bind comes first, so a
// failure in between leaves two live keys (a transition window the flow allows), never none.
import type { KeyManager } from "../key/index.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import type { EnvelopeId, IdentityId } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { Author, WriteRequest } from "../graph/index.ts";
import type { EnvelopeRow, IdentityRow } from "../storage/index.ts";
import { SYSTEM_APP } from "../wire/index.ts";

export type RotationPorts = {
  readonly keys: KeyManager;
  readonly clock: Clock;
  authorFor(identityId: IdentityId, keyId: string): Promise<Result<Author>>;
  submit(author: Author, request: WriteRequest): Promise<Result<{ readonly envelopeId: EnvelopeId; readonly seq: number }>>;
  getIdentity(identityId: string): Promise<IdentityRow | undefined>;
  lastOfKey(publicKey: string): Promise<EnvelopeRow | undefined>;
};

export type RotationResult = {
  readonly keyId: string;
  readonly revokedKeyId: string;
  readonly bindingEnvelopeId: EnvelopeId;
  readonly revocationEnvelopeId: EnvelopeId;
};

function notHeld(reason: string, message: string): Result<never> {
  return err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", message, { reason }));
}

export async function rotateDeviceKey(ports: RotationPorts, identityId: IdentityId, oldKeyId: string): Promise<Result<RotationResult>> {
  const old = await ports.keys.get("device", oldKeyId);
  if (!old.ok) return old;
  if (old.value.identityId !== identityId) return notHeld("other_identity", "That device key belongs to another identity.");
  const identity = await ports.getIdentity(identityId);
  if (identity === undefined) return notHeld("unknown_identity", "This node holds no such identity.");
  // The root key signs where this node holds it; elsewhere (a restored browser) the old key replaces itself.
  const held = await ports.keys.list({ identityId, scope: "identity" });
  if (!held.ok) return held;
  const signerKey = held.value[0]?.keyId ?? oldKeyId;
  const author = await ports.authorFor(identityId, signerKey);
  if (!author.ok) return author;
  const fresh = await ports.keys.adoptDeviceKey(identityId, old.value.label === null ? {} : { label: old.value.label });
  if (!fresh.ok) return fresh;
  const value = {
    public_key: fresh.value.publicKey,
    created_at: isoTime(ports.clock),
    ...(old.value.label === null ? {} : { label: old.value.label }),
  };
  const bound = await ports.submit(author.value, {
    app: SYSTEM_APP,
    domain: "identity",
    ops: [{ op: "attr_create", type_key: "system.device_key", payload: { parent_id: `${identity.genesisId}:0`, value } }],
  });
  if (!bound.ok) {
    await ports.keys.removeDeviceKey(fresh.value.keyId);
    return bound;
  }
  // The cut honours every envelope of the old key, and the revocation itself when the old key signs it
  // (ADR 0014: a revocation never reaches its own past).
  const last = (await ports.lastOfKey(old.value.publicKey))?.keySeq ?? 0;
  const cut = signerKey === oldKeyId ? last + 1 : last;
  const revoked = await ports.submit(author.value, {
    app: SYSTEM_APP,
    domain: "revocations",
    ops: [
      {
        op: "parent_create",
        type_key: "system.revocation",
        payload: { value: { kind: "key", target: old.value.publicKey, cuts: [{ key: old.value.publicKey, last_seq: cut }] } },
      },
    ],
  });
  if (!revoked.ok) return revoked;
  const forgotten = await ports.keys.removeDeviceKey(oldKeyId);
  if (!forgotten.ok) return forgotten;
  return ok({
    keyId: fresh.value.keyId,
    revokedKeyId: oldKeyId,
    bindingEnvelopeId: bound.value.envelopeId,
    revocationEnvelopeId: revoked.value.envelopeId,
  });
}
