// The identities this node acts for and the key it signs with for each (DESIGN §3, ADR 0021, 0030):
// read from the key store and the graph, both handed in as ports. It writes nothing.
import type { Author } from "../graph/index.ts";
import type { KeyManager } from "../key/index.ts";
import { nodeError } from "../shared/errors.ts";
import { creatorOf, type IdentityId } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { versionedCache } from "../shared/versioned-cache.ts";
import type { IdentityRow, ObjectRow } from "../storage/index.ts";

export type HeldIdentity = {
  readonly identityId: IdentityId;
  readonly name: string | null;
  readonly rootKey: string;
  /** The key this node writes with for it: the root key, or a bound device key. */
  readonly keyId: string;
  readonly scope: "identity" | "device";
  readonly createdAt: string;
};

/** An identity this node may write as now, and the key it would write with (ADR 0030). */
export type UsableIdentity = { readonly identityId: IdentityId; readonly genesisId: string; readonly keyId: string };

export type LocalIdentityPorts = {
  readonly keys: Pick<KeyManager, "list" | "signer" | "changes">;
  getIdentity(identityId: IdentityId): Promise<IdentityRow | undefined>;
  getObject(id: string): Promise<ObjectRow | undefined>;
  /** The `system.device_key` bindings that name `publicKey`, withdrawn ones left out. */
  bindingsOf(publicKey: string): Promise<readonly ObjectRow[]>;
  isKeyRevoked(publicKey: string): Promise<boolean>;
  /**
   * Moves with whatever besides the key store may change who is held: a system commit (a genesis or
   * binding arriving, a revocation) or an integrity check (it may quarantine a genesis).
   */
  systemVersion(): number;
};

export type LocalIdentities = {
  /** The key a session signs with, and the binding that makes a device key count (DESIGN §3). */
  readonly authorFor: (identityId: IdentityId, keyId: string | undefined) => Promise<Result<Author>>;
  /** The name in an identity's genesis, where this node holds it. */
  readonly identityName: (identityId: IdentityId) => Promise<string | null>;
  /** Held by their root key, or only by a device key bound to them (a restore); cached (issue 17). */
  readonly held: () => Promise<Result<readonly HeldIdentity[]>>;
  /** By the root key, or by a bound device key this node does not know revoked (ADR 0030). */
  readonly usable: () => Promise<Result<readonly UsableIdentity[]>>;
};

export function createLocalIdentities(ports: LocalIdentityPorts): LocalIdentities {
  const { keys } = ports;

  async function identityName(identityId: IdentityId): Promise<string | null> {
    const identity = await ports.getIdentity(identityId);
    const genesis = identity === undefined ? undefined : await ports.getObject(`${identity.genesisId}:0`);
    const value = genesis?.winner.value;
    const name = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as { name?: unknown }).name : undefined;
    return typeof name === "string" ? name : null;
  }

  async function readHeld(): Promise<Result<readonly HeldIdentity[]>> {
    const held = await keys.list();
    if (!held.ok) return held;
    const out: HeldIdentity[] = [];
    for (const key of held.value) {
      if (key.identityId === null || key.scope === "node" || out.some((i) => i.identityId === key.identityId)) continue;
      const identity = await ports.getIdentity(key.identityId);
      if (key.scope === "device" && identity === undefined) continue;
      const name = key.scope === "identity" ? key.label : await identityName(key.identityId);
      out.push({
        identityId: key.identityId,
        name,
        rootKey: identity?.rootKey ?? key.publicKey,
        keyId: key.keyId,
        scope: key.scope,
        createdAt: key.createdAt,
      });
    }
    return ok(out);
  }

  return {
    identityName,
    held: versionedCache(
      () => keys.changes() + ports.systemVersion(),
      readHeld,
      (held) => held.ok,
    ),

    async authorFor(identityId, keyId) {
      const held = await keys.list({ identityId });
      if (!held.ok) return held;
      const key =
        keyId === undefined ? (held.value.find((k) => k.scope === "identity") ?? held.value[0]) : held.value.find((k) => k.keyId === keyId);
      if (key === undefined)
        return err(
          nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "This node holds no key for that identity.", { reason: "no_key_for_identity" }),
        );
      const signer = await keys.signer(key.scope, key.keyId);
      if (!signer.ok) return signer;
      if (key.scope === "identity") return ok({ identityId, signer: signer.value, bindingEnvelopeId: null });
      const binding = (await ports.bindingsOf(key.publicKey)).find((row) => row.owner === identityId);
      if (binding === undefined)
        return err(
          nodeError("ERR_CRYPTO_KEY_NOT_BOUND", "The device key has no binding in this node's graph.", { reason: "binding_missing" }),
        );
      return ok({ identityId, signer: signer.value, bindingEnvelopeId: creatorOf(binding.id) });
    },

    async usable() {
      const held = await keys.list();
      if (!held.ok) return held;
      const out: UsableIdentity[] = [];
      for (const key of held.value) {
        if (key.scope === "node" || key.identityId === null || out.some((o) => o.identityId === key.identityId)) continue;
        const identity = await ports.getIdentity(key.identityId);
        if (identity === undefined) continue;
        const usable =
          key.scope === "identity"
            ? identity.rootKey === key.publicKey
            : (await ports.bindingsOf(key.publicKey)).some((row) => row.owner === key.identityId) &&
              !(await ports.isKeyRevoked(key.publicKey));
        if (usable) out.push({ identityId: key.identityId, genesisId: identity.genesisId, keyId: key.keyId });
      }
      return ok(out);
    },
  };
}
