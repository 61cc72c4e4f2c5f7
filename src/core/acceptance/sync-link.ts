// Two sync sides over a loopback link driven by hand, shared by the pacing (ADR 0026) and pipeline
// (ADR 0027) tests: a node with the notes app and a person, frames decoded, a link that changes what
// it sends, and delivery by hand until nothing moves.
import type { TwoWayNode } from "../node.ts";
import { decodeFrame, type LoopbackPair, type SessionFrame, type SyncSession, type Transport } from "../network/index.ts";
import type { IdentityId } from "../shared/ids.ts";
import type { Result } from "../shared/result.ts";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher, type TestNode } from "./fixtures.ts";

const FAST_PUZZLES = { "dos.difficulty.base_bits": 6, "dos.difficulty.max_bits": 12 };

export type Side = TestNode & { me: IdentityId };

/** A fresh node with the notes app and one person named `name`. */
export async function side(name: string): Promise<Side> {
  const started = await startNode({ config: FAST_PUZZLES });
  expectOk(await started.node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  return { ...started, me: expectOk(await started.node.identities.create({ name })).identityId };
}

/** A node's state digest: equal on two nodes that hold the same state. */
export const digest = async (node: TwoWayNode): Promise<string> => (await node.stateDigest()).digest;

export function frameOf(bytes: Uint8Array): SessionFrame | null {
  const decoded = decodeFrame(bytes, { deflate: true });
  return decoded.ok ? decoded.value : null;
}

/** The transport with `send` replaced by `send(bytes, target)`: a link that drops or alters frames. */
export function withSend(transport: Transport, send: (bytes: Uint8Array, target: Transport) => Result<void>): Transport {
  return new Proxy(transport, {
    get(target, prop) {
      if (prop === "send") return (bytes: Uint8Array) => send(bytes, target);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Delivers by hand (manual delivery): everything due at once each round, until nothing moves. */
export async function pumpManually(pair: LoopbackPair, sessions: readonly SyncSession[], rounds = 400): Promise<void> {
  let last = "";
  let quiet = 0;
  for (let i = 0; i < rounds && quiet < 4; i++) {
    pair.flush();
    await Promise.all(sessions.map((s) => s.idle()));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    const now = JSON.stringify([pair.pending(), sessions.map((s) => s.status())]);
    quiet = now === last && pair.pending() === 0 ? quiet + 1 : 0;
    last = now;
  }
}
