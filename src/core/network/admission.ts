// Admission and greeting (DESIGN D7): each side sets the other a puzzle, then both sign hellos bound
// to both nonces. The first verified hello binds the peer and the negotiated domains; nothing here
// moves envelopes, and the transport is never an identity.
import type { DosGuard } from "../dos-guard/index.ts";
import type { Random } from "../shared/clock.ts";
import type { ProtocolVersion } from "../wire/index.ts";
import { nodeError } from "../shared/errors.ts";
import type { FrameOf, SessionCore } from "./session-core.ts";
import { buildHello, newSessionNonce, verifyHello } from "./transport/index.ts";

export type AdmissionDeps = {
  readonly guard: DosGuard;
  readonly random: Random;
  /** Defaults to PROTOCOL_VERSION (SessionOptions.protocolVersion). */
  readonly protocolVersion?: ProtocolVersion;
  /** The domains this session offers (the node's, narrowed by SessionOptions.domains). */
  readonly offered: () => string[];
  /** The peer is bound and the session syncs: say where this side stands, follow commits. */
  readonly greeted: () => Promise<void>;
};

export type Admission = {
  /** We admitted the peer (it solved our puzzle): it may now send full-size frames. */
  readonly isPeerAdmitted: () => boolean;
  /** Sends our puzzle once the link is open, or closes if the guard denies the peer. */
  readonly begin: () => void;
  readonly onChallenge: (frame: FrameOf<"challenge">) => Promise<void>;
  readonly onSolution: (frame: FrameOf<"solution">) => Promise<void>;
  readonly onAdmitted: (frame: FrameOf<"admitted">) => Promise<void>;
  readonly onHello: (frame: FrameOf<"hello">) => Promise<void>;
};

export function createAdmission(core: SessionCore, deps: AdmissionDeps): Admission {
  const { guard } = deps;
  const { node } = core;
  const connection = { connectionId: core.connectionId };
  const myNonce = newSessionNonce(deps.random);
  let peerAdmitted = false; // we admitted the peer (it solved our puzzle)
  let peerNonce: string | null = null; // the peer admitted us and told us its nonce
  let helloSent = false;

  function begin(): void {
    const decision = guard.admit(connection);
    if (decision.kind === "challenge") core.send({ kind: "challenge", ...decision.challenge });
    else if (decision.kind === "deny") {
      core.lastError = decision.error;
      core.close("admission_denied");
    }
  }

  async function maybeHello(): Promise<void> {
    if (helloSent || !peerAdmitted || peerNonce === null) return;
    const hello = await buildHello(node.nodeSigner, {
      offeredDomains: deps.offered(),
      nonce: myNonce,
      peerNonce,
      nodeIdentity: node.nodeIdentity,
      ...(deps.protocolVersion === undefined ? {} : { protocolVersion: deps.protocolVersion }),
    });
    if (!hello.ok) return core.close("hello_failed");
    helloSent = true;
    core.state = "greeting";
    core.send(hello.value);
    core.changed();
  }

  async function onChallenge(frame: FrameOf<"challenge">): Promise<void> {
    if (peerNonce !== null) return; // admitted already: a copy of the challenge needs no answer
    const { kind: _kind, ...challenge } = frame;
    const solution = await guard.solve(challenge);
    if (!solution.ok) return core.close("puzzle_unsolved");
    core.send({ kind: "solution", ...solution.value });
  }

  function onSolution(frame: FrameOf<"solution">): Promise<void> {
    // A copy of the solution that admitted the peer (the link duplicated it, or our challenge was
    // duplicated and solved twice) changes nothing; checking it again would read `replayed`.
    if (peerAdmitted) return Promise.resolve();
    const { kind: _kind, ...solution } = frame;
    const admitted = guard.verify(connection, solution);
    if (!admitted.ok) {
      core.rejected(admitted.error);
      core.send({ kind: "error", code: "ERR_RESOURCE_PUZZLE_FAILED", reason: String(admitted.error.data["reason"] ?? "failed") });
      core.close("puzzle_failed");
      return Promise.resolve();
    }
    peerAdmitted = true;
    core.send({ kind: "admitted", nonce: myNonce });
    return maybeHello();
  }

  function onAdmitted(frame: FrameOf<"admitted">): Promise<void> {
    peerNonce = frame.nonce;
    return maybeHello();
  }

  async function onHello(frame: FrameOf<"hello">): Promise<void> {
    if (core.peer !== null) return; // a copy: the session is bound to the first verified hello
    if (!helloSent || peerNonce === null)
      return core.violation(nodeError("ERR_STRUCT_INVALID_TYPE", "Hello before admission.", { reason: "early_hello" }), "violation");
    const verified = await verifyHello(frame, {
      expectedPeerNonce: myNonce,
      expectedNonce: peerNonce,
      ...(deps.protocolVersion === undefined ? {} : { localVersion: deps.protocolVersion }),
    });
    if (!verified.ok) {
      core.rejected(verified.error);
      return core.close("hello_rejected");
    }
    // Node keys are self-certifying here; a node key bound some other way is not supported yet.
    if (!verified.value.rootKey) {
      core.rejected(
        nodeError("ERR_CRYPTO_KEY_NOT_BOUND", "The peer's node key is not its node identity's root key.", {
          reason: "node_key_not_root",
        }),
      );
      return core.close("node_key_not_root");
    }
    if (await node.isKeyRevoked(verified.value.hello.node_key)) {
      core.rejected(nodeError("ERR_CRYPTO_KEY_REVOKED", "The peer's node key is revoked.", { reason: "sender_key_revoked" }));
      core.send({ kind: "error", code: "ERR_CRYPTO_KEY_REVOKED", reason: "sender_key_revoked" });
      return core.close("key_revoked");
    }
    core.peer = { identity: verified.value.hello.node_identity, key: verified.value.hello.node_key };
    core.effectiveVersion = verified.value.effectiveVersion;
    const mine = new Set(deps.offered());
    core.negotiated = new Set(verified.value.hello.offered_domains.filter((d) => mine.has(d)));
    core.state = "syncing";
    await deps.greeted();
    core.changed();
  }

  return { isPeerAdmitted: () => peerAdmitted, begin, onChallenge, onSolution, onAdmitted, onHello };
}
