// The signed session hello (DESIGN §3 "Session"): protocol version, node identity and key, offered
// domains, and both session nonces, so a hello is good for one session only. Stateless.
import { defaultVerifier, type Ed25519Verifier, type Signer } from "../../crypto/index.ts";
import { fromBase64url, toBase64url } from "../../shared/bytes.ts";
import { canonicalBytes } from "../../shared/canonical-json.ts";
import { systemRandom, type Random } from "../../shared/clock.ts";
import { nodeError } from "../../shared/errors.ts";
import { identityIdFromKey, publicKeyText, type IdentityId } from "../../shared/ids.ts";
import type { JsonValue } from "../../shared/json.ts";
import { err, ok, type Result } from "../../shared/result.ts";
import { PROTOCOL_VERSION, type ProtocolVersion } from "../../wire/index.ts";
import { checkFrameStructure, helloSignedValue, NONCE_BYTES, versionText, type HelloFrame } from "./frames.ts";

/** A fresh session nonce for this side's `admitted` frame. */
export function newSessionNonce(random: Random = systemRandom): string {
  return toBase64url(random.bytes(NONCE_BYTES));
}

/** [major, minor] both sides speak in a session: the remote minor (protocol 11 §7.2). */
export type EffectiveVersion = readonly [major: number, minor: number];

/** Protocol 2.1 (ADR 0035): frames may be deflated both ways once the peer's hello says 2.1 or later. */
export function speaksDeflate(version: EffectiveVersion): boolean {
  return version[0] === 2 && version[1] >= 1;
}

/**
 * Public design 01-protocol/11 §4.1: compatible iff the majors are equal and the remote minor is not
 * above the local one; patch never matters. Asymmetric: the newer-minor side accepts, the older refuses.
 * Incompatible is ERR_STRUCT_INVALID_TYPE (an unsupported declaration, as an unknown envelope_version
 * is in ADR 0003), decided before any signature work, state or sync (protocol 11 §5.2).
 */
export function checkProtocolCompatibility(local: ProtocolVersion, remote: ProtocolVersion): Result<EffectiveVersion> {
  const data = { path: "protocol_version", local: versionText(local), remote: versionText(remote) };
  if (remote[0] !== local[0]) {
    return err(
      nodeError("ERR_STRUCT_INVALID_TYPE", "The peer speaks another major protocol version.", {
        ...data,
        reason: "protocol_major_mismatch",
      }),
    );
  }
  if (remote[1] > local[1]) {
    return err(
      nodeError("ERR_STRUCT_INVALID_TYPE", "The peer speaks a newer minor protocol version.", {
        ...data,
        reason: "protocol_minor_unsupported",
      }),
    );
  }
  return ok([remote[0], remote[1]]);
}

export type HelloFields = {
  readonly offeredDomains: readonly string[];
  /** This side's nonce, as sent in its `admitted` frame. */
  readonly nonce: string;
  /** The other side's nonce, from its `admitted` frame. */
  readonly peerNonce: string;
  /** Defaults to PROTOCOL_VERSION. */
  readonly protocolVersion?: ProtocolVersion;
  /** Defaults to the identity whose root key is the signer's. */
  readonly nodeIdentity?: IdentityId;
};

function reflected(): Result<never> {
  return err(
    nodeError("ERR_CRYPTO_INVALID_SIGNATURE", "The hello names one nonce for both sides.", {
      path: "peer_nonce",
      reason: "reflected_nonce",
    }),
  );
}

/** Signs a hello with the node key. Domains are sorted and deduplicated; what a verifier would refuse is refused here with the same code. */
export async function buildHello(signer: Signer, fields: HelloFields): Promise<Result<HelloFrame>> {
  const nodeKey = publicKeyText(signer.publicKey);
  const unsigned = {
    kind: "hello" as const,
    protocol_version: fields.protocolVersion ?? PROTOCOL_VERSION,
    node_identity: fields.nodeIdentity ?? identityIdFromKey(nodeKey),
    node_key: nodeKey,
    offered_domains: [...new Set(fields.offeredDomains)].sort(),
    nonce: fields.nonce,
    peer_nonce: fields.peerNonce,
  };
  const placeholder = checkFrameStructure({ ...unsigned, signature: toBase64url(new Uint8Array(64)) });
  if (!placeholder.ok) return placeholder;
  if (unsigned.nonce === unsigned.peer_nonce) return reflected();
  const signature = toBase64url(await signer.sign(canonicalBytes(unsigned)));
  return ok(Object.freeze({ ...unsigned, signature }));
}

export type VerifyHelloOptions = {
  /** The nonce this side sent in its `admitted`: the hello's `peer_nonce` must be exactly it. */
  readonly expectedPeerNonce: string;
  /** The nonce the peer sent in its `admitted`, when known: the hello's `nonce` must be exactly it. */
  readonly expectedNonce?: string;
  /** Defaults to PROTOCOL_VERSION. */
  readonly localVersion?: ProtocolVersion;
  readonly verifier?: Ed25519Verifier;
};

export type VerifiedHello = {
  readonly hello: HelloFrame;
  readonly effectiveVersion: EffectiveVersion;
  /** `node_key` is the root key of `node_identity`; otherwise the binding must be checked in the graph. */
  readonly rootKey: boolean;
};

function nonceMismatch(path: string): Result<never> {
  return err(nodeError("ERR_CRYPTO_INVALID_SIGNATURE", "The hello is not bound to this session.", { path, reason: "nonce_mismatch" }));
}

/**
 * Verifies an untrusted hello, cheapest first: structure, version compatibility (stage 1), then the
 * session binding and the signature (stage 2). A hello signed for another session fails its binding
 * as ERR_CRYPTO_INVALID_SIGNATURE: its signature does not cover this session's nonces. Whether a
 * non-root `node_key` is bound to `node_identity` is the caller's graph lookup.
 */
export async function verifyHello(value: JsonValue, options: VerifyHelloOptions): Promise<Result<VerifiedHello>> {
  const structure = checkFrameStructure(value);
  if (!structure.ok) return structure;
  const hello = structure.value;
  if (hello.kind !== "hello") {
    return err(nodeError("ERR_STRUCT_INVALID_TYPE", "Expected a hello frame.", { path: "kind", reason: "unexpected_kind" }));
  }
  const version = checkProtocolCompatibility(options.localVersion ?? PROTOCOL_VERSION, hello.protocol_version);
  if (!version.ok) return version;
  if (hello.nonce === hello.peer_nonce) return reflected();
  if (hello.peer_nonce !== options.expectedPeerNonce) return nonceMismatch("peer_nonce");
  if (options.expectedNonce !== undefined && hello.nonce !== options.expectedNonce) return nonceMismatch("nonce");
  const verifier = options.verifier ?? (await defaultVerifier());
  const verdict = await verifier.verify(
    fromBase64url(hello.node_key)!,
    canonicalBytes(helloSignedValue(hello)),
    fromBase64url(hello.signature)!,
  );
  if (!verdict.valid)
    return err(
      nodeError("ERR_CRYPTO_INVALID_SIGNATURE", "The hello signature does not verify.", { path: "signature", reason: verdict.reason }),
    );
  return ok({ hello, effectiveVersion: version.value, rootKey: identityIdFromKey(hello.node_key) === hello.node_identity });
}
