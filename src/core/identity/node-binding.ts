// Who a node speaks for (ADR 0030): a `system.node_key` attr under an identity names this node's key,
// with the node key's own signature over the pair, so neither an identity nor a node can make the
// claim alone. It grants the node key no write authority (it is no device-key binding); the Peers
// page uses it to show a peer, once its hello proved the node key, as the person, and sync_read lets
// that node read what the person may (ADR 0023, amended) while the key that signed the binding is
// not revoked: a removed device's node reads nothing more, a rotated one binds again.
import type { Author, WriteRequest } from "../graph/index.ts";
import type { Ed25519Verifier, Signer } from "../crypto/index.ts";
import { canonicalBytes } from "../shared/canonical-json.ts";
import { fromBase64url, toBase64url } from "../shared/bytes.ts";
import { isoTime, type Clock } from "../shared/clock.ts";
import { identityIdFromKey, type IdentityId } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { ok, type Result } from "../shared/result.ts";
import type { ObjectRow } from "../storage/index.ts";
import { SYSTEM_APP } from "../wire/index.ts";

export const NODE_KEY_TYPE = "system.node_key";
const PROOF_CONTEXT = "2way node key binding v1";

/**
 * The person a proven node speaks for, as this node's graph knows them; `device` is the label of the
 * device key that signed the binding (a paired or restored device), null when the root key did.
 */
export type NodePerson = { readonly identityId: IdentityId; readonly name: string; readonly device: string | null };

/** What the node key signs: the context, the identity it speaks for and the key itself (JCS). */
export function nodeBindingMessage(identityId: string, nodeKey: string): Uint8Array {
  return canonicalBytes({ context: PROOF_CONTEXT, identity_id: identityId, node_key: nodeKey });
}

/** Only what the check reads, so a test can hand rows in. */
type BindingRow = Pick<ObjectRow, "owner" | "suppressed"> & { readonly winner: Pick<ObjectRow["winner"], "value"> };

/**
 * The one identity whose binding of `nodeKey` carries a proof the key verifies; null when none does,
 * or when two identities do (a key that speaks for two people names neither).
 */
export async function ownerOfNodeKey(rows: readonly BindingRow[], nodeKey: string, verifier: Ed25519Verifier): Promise<string | null> {
  return (await provenBinding(rows, nodeKey, verifier))?.owner ?? null;
}

/** The first binding of the one proven owner (see ownerOfNodeKey), or undefined. */
async function provenBinding<R extends BindingRow>(rows: readonly R[], nodeKey: string, verifier: Ed25519Verifier): Promise<R | undefined> {
  const publicKey = fromBase64url(nodeKey);
  if (publicKey === undefined) return undefined;
  const proven: R[] = [];
  for (const row of rows) {
    const value = row.winner.value;
    if (row.suppressed !== 0 || !isJsonObject(value) || value["public_key"] !== nodeKey || typeof value["proof"] !== "string") continue;
    const proof = fromBase64url(value["proof"]);
    if (proof === undefined) continue;
    if ((await verifier.verify(publicKey, nodeBindingMessage(row.owner, nodeKey), proof)).valid) proven.push(row);
  }
  return new Set(proven.map((r) => r.owner)).size === 1 ? proven[0] : undefined;
}

export type NodeBindingPorts = {
  readonly clock: Clock;
  readonly verifier: Ed25519Verifier;
  /** This node's key; its public half is the `node_key` of every sync hello it sends. */
  readonly nodeSigner: Signer;
  /**
   * Identities this node writes as, with the genesis their attrs hang under and the key it signs with:
   * its root key, or a device key bound and (as far as this node knows) not revoked.
   */
  ownIdentities(): Promise<Result<readonly { readonly identityId: IdentityId; readonly genesisId: string; readonly keyId: string }[]>>;
  authorFor(identityId: IdentityId, keyId: string): Promise<Result<Author>>;
  submit(author: Author, request: WriteRequest): Promise<Result<unknown>>;
  nodeBindings(): Promise<readonly ObjectRow[]>;
  identityName(identityId: IdentityId): Promise<string | null>;
  /** The label of the owner's device key that signed this envelope; null for its root key or no label. */
  deviceLabelOf(envelopeId: string, owner: IdentityId): Promise<string | null>;
  /** Whether the key that signed this stored envelope is revoked (unknown envelope: true). */
  signedByRevokedKey(envelopeId: string): Promise<boolean>;
  /** Moves whenever system facts change (bindings, revocations): answers of ownerOfNode are kept until then. */
  generation(): number;
};

export type NodeBinding = {
  /** Binds this node's key to each identity it writes as that has no such binding yet; answers how many it wrote. */
  bindThisNode(): Promise<Result<number>>;
  /**
   * After a device key rotation: binds again, by the key in use, each identity whose binding of this
   * node the old (now revoked) key signed. An identity never bound here is left to the next session.
   */
  bindAgainAfterRotation(): Promise<Result<number>>;
  /** The named person a node key speaks for, or null (no proven binding, two of them, or no name). */
  personOf(nodeKey: string): Promise<NodePerson | null>;
  /**
   * The identity a node (by its node identity, as a sync hello proves it) speaks for: its one proven
   * owner, when the key that signed that binding is not revoked; else null. For sync_read.
   */
  ownerOfNode(nodeIdentity: string): Promise<IdentityId | null>;
};

export function createNodeBinding(ports: NodeBindingPorts): NodeBinding {
  const nodeKey = toBase64url(ports.nodeSigner.publicKey);
  // One at a time: two sessions attached together must not both write the binding.
  let running: Promise<Result<number>> = Promise.resolve(ok(0));

  /** `staleOnly`: only identities whose binding of this node a revoked key signed (after a rotation). */
  async function bindMissing(staleOnly: boolean): Promise<Result<number>> {
    const held = await ports.ownIdentities();
    if (!held.ok) return held;
    // A binding signed by a key since revoked (a rotated device's old key) is bound again by the key in use.
    const bound = new Set<string>();
    const stale = new Set<string>();
    for (const r of await ports.nodeBindings())
      if (r.suppressed === 0 && isJsonObject(r.winner.value) && r.winner.value["public_key"] === nodeKey)
        ((await ports.signedByRevokedKey(r.winner.envelopeId)) ? stale : bound).add(r.owner);
    let written = 0;
    for (const { identityId, genesisId, keyId } of held.value) {
      if (bound.has(identityId) || (staleOnly && !stale.has(identityId))) continue;
      const author = await ports.authorFor(identityId, keyId);
      if (!author.ok) return author;
      const proof = toBase64url(await ports.nodeSigner.sign(nodeBindingMessage(identityId, nodeKey)));
      const value = { public_key: nodeKey, proof, created_at: isoTime(ports.clock) };
      const submitted = await ports.submit(author.value, {
        app: SYSTEM_APP,
        domain: "identity",
        ops: [{ op: "attr_create", type_key: NODE_KEY_TYPE, payload: { parent_id: `${genesisId}:0`, value } }],
      });
      if (!submitted.ok) return submitted;
      written += 1;
    }
    return ok(written);
  }

  /** One binding step at a time; a step that threw must not stop every later one (each session attach waits on this chain). */
  function inTurn(staleOnly: boolean): Promise<Result<number>> {
    const step = () => bindMissing(staleOnly);
    running = running.then(step, step);
    return running;
  }

  let owners = { generation: -1, of: new Map<string, Promise<IdentityId | null>>() };
  async function findOwner(nodeIdentity: string): Promise<IdentityId | null> {
    const live: ObjectRow[] = [];
    for (const r of await ports.nodeBindings()) {
      const publicKey = isJsonObject(r.winner.value) ? r.winner.value["public_key"] : undefined;
      const key = typeof publicKey === "string" ? fromBase64url(publicKey) : undefined;
      if (key?.length !== 32 || identityIdFromKey(key) !== nodeIdentity) continue;
      if (!(await ports.signedByRevokedKey(r.winner.envelopeId))) live.push(r);
    }
    const keys = new Set(live.map((r) => (r.winner.value as { public_key: string }).public_key));
    if (keys.size !== 1) return null;
    return ((await provenBinding(live, [...keys][0]!, ports.verifier))?.owner ?? null) as IdentityId | null;
  }

  return {
    ownerOfNode(nodeIdentity) {
      if (owners.generation !== ports.generation()) owners = { generation: ports.generation(), of: new Map() };
      let found = owners.of.get(nodeIdentity);
      if (found === undefined) owners.of.set(nodeIdentity, (found = findOwner(nodeIdentity)));
      return found;
    },
    bindThisNode: () => inTurn(false),
    bindAgainAfterRotation: () => inTurn(true),
    async personOf(key) {
      const binding = await provenBinding(await ports.nodeBindings(), key, ports.verifier);
      if (binding === undefined) return null;
      const owner = binding.owner as IdentityId;
      const name = await ports.identityName(owner);
      if (name === null) return null;
      return { identityId: owner, name, device: await ports.deviceLabelOf(binding.winner.envelopeId, owner) };
    },
  };
}
