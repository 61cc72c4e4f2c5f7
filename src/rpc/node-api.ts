// The plain-data contract between the shell (page) and the node worker, carried by Comlink.
// Every method resolves to a Result: expected failures are data, never thrown across the port (D6).
import type { Result } from "../core/shared/result.ts";

export type NodeInfo = {
  /** [major, minor, patch] of the wire protocol. */
  readonly protocolVersion: readonly [number, number, number];
  /** Which Ed25519 implementation the worker verifies with. */
  readonly ed25519Engine: "webcrypto" | "noble";
  /** Milliseconds from worker start to ready. */
  readonly startupMs: number;
};

export interface NodeApi {
  info(): Promise<Result<NodeInfo>>;
}
