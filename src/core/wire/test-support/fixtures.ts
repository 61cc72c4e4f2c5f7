// Test fixtures for the wire profile: deterministic identities and valid signed envelopes to mutate.
import { createSigner, type Ed25519Engine, type Signer } from "../../crypto/index.ts";
import { identityIdFromKey, type EnvelopeId, type IdentityId } from "../../shared/ids.ts";
import type { JsonObject } from "../../shared/json.ts";
import { assert } from "../../shared/assert.ts";
import { toBase64url, utf8 } from "../../shared/bytes.ts";
import { canonicalize } from "../../shared/canonical-json.ts";
import type { JsonValue } from "../../shared/json.ts";
import { buildEnvelope, contentDigest, type EnvelopeDraft } from "../envelope.ts";
import type { VerifiedEnvelope } from "../types.ts";

export const CREATED_AT = "2026-11-21T10:00:00.000Z";

export type TestIdentity = { readonly signer: Signer; readonly id: IdentityId };

/** A deterministic identity: the root key comes from a seed filled with `byte`. */
export async function testIdentity(byte: number, engine: Ed25519Engine = "noble"): Promise<TestIdentity> {
  const signer = await createSigner({ seed: new Uint8Array(32).fill(byte), engine });
  return { signer, id: identityIdFromKey(signer.publicKey) };
}

export async function build(signer: Signer, draft: EnvelopeDraft, authorId?: IdentityId): Promise<VerifiedEnvelope> {
  const built = await buildEnvelope(signer, draft, authorId === undefined ? {} : { authorId });
  assert(built.ok, `fixture failed to build: ${built.ok ? "" : JSON.stringify(built.error)}`);
  return built.value;
}

/** The identity's genesis: op 0 of the root key's first envelope creates `system.identity`. */
export function genesisDraft(): EnvelopeDraft {
  return {
    app: "system",
    domain: "identity",
    traceId: "trace-genesis",
    seq: 1,
    prev: null,
    lamport: 0,
    createdAt: CREATED_AT,
    ops: [{ op: "parent_create", type_key: "system.identity", payload: { value: { name: "Ada" } } }],
  };
}

/** A messaging envelope at `seq` that exercises every op kind and local `@i` references. */
export function messageDraft(prev: EnvelopeId, seq = 2, deps: readonly EnvelopeId[] = []): EnvelopeDraft {
  const body: JsonObject = { text: "hello", sent_at: CREATED_AT };
  return {
    app: "app.messaging",
    domain: "messages",
    traceId: `trace-${seq}`,
    seq,
    prev,
    deps,
    lamport: seq - 1,
    createdAt: CREATED_AT,
    ops: [
      { op: "parent_create", type_key: "message.thread", payload: { value: { title: "Plans" } } },
      { op: "parent_create", type_key: "message.item", payload: { value: body } },
      { op: "attr_create", type_key: "message.read_by", payload: { parent_id: "@1", value: ["me"] } },
      { op: "edge_create", type_key: "message.in_thread", payload: { src_parent_id: "@1", dst_parent_id: "@0", value: {} } },
      { op: "rating_create", type_key: "message.reaction", payload: { target_attr_id: "@2", value: 5 } },
      { op: "parent_update", type_key: "message.thread", payload: { parent_id: "@0", value: { title: "Plans (2)" } } },
      { op: "attr_update", type_key: "message.read_by", payload: { attr_id: "@2", value: ["me", "you"] } },
      { op: "edge_update", type_key: "message.in_thread", payload: { edge_id: "@3", value: { pinned: true } } },
      { op: "rating_update", type_key: "message.reaction", payload: { rating_id: "@4", value: 4.5 } },
    ],
  };
}

/** A deep, mutable copy of a verified envelope's JSON, for tests that break one thing at a time. */
export function mutableCopy(envelope: VerifiedEnvelope): Record<string, any> {
  return JSON.parse(envelope.text) as Record<string, any>;
}

/**
 * Re-seals a mutated envelope value, so the one broken rule is not the seal: the digest of its content
 * again (when it has content), then a signature over its link (wire profile v2).
 */
export async function reseal(signer: Signer, e: Record<string, any>): Promise<Record<string, any>> {
  const { signature: _old, content, ...link } = e as { signature: unknown; content?: JsonValue };
  const sealed = content === undefined ? link : { ...link, content_digest: contentDigest(content) };
  const signature = toBase64url(await signer.sign(utf8(canonicalize(sealed))));
  return { ...sealed, ...(content === undefined ? {} : { content }), signature };
}

/** The stub of a verified envelope, as a value: the envelope without its content. */
export function stubValue(envelope: VerifiedEnvelope): Record<string, any> {
  const { content: _content, ...stub } = mutableCopy(envelope);
  return stub;
}
