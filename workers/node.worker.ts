// The node's home: a dedicated module worker reached only through Comlink (DESIGN §1).
// It exposes NodeApi and nothing else; every method resolves to a Result, never throws (D6).
import * as Comlink from "comlink";
import { err, isWebCryptoEd25519Available, nodeError, ok, PROTOCOL_VERSION, type Result } from "../src/core/index.ts";
import type { NodeApi, NodeInfo } from "../src/rpc/node-api.ts";

/** STYLE "Errors and results": the worker boundary turns a bug into `internal_error`, logged here. */
function internalError(cause: unknown): Result<never> {
  console.error("node worker: unexpected failure", cause);
  const message = cause instanceof Error ? cause.message : String(cause);
  return err(nodeError("internal_error", message));
}

function guarded<Args extends unknown[], T>(method: (...args: Args) => Promise<Result<T>>): (...args: Args) => Promise<Result<T>> {
  return async (...args) => {
    try {
      return await method(...args);
    } catch (cause) {
      return internalError(cause);
    }
  };
}

async function start(): Promise<NodeInfo> {
  const ed25519Engine = (await isWebCryptoEd25519Available()) ? "webcrypto" : "noble";
  // A worker's clock starts with the worker, so now() is the time from spawn to ready.
  return { protocolVersion: PROTOCOL_VERSION, ed25519Engine, startupMs: Math.round(performance.now()) };
}

// Start at once; the promise settles to a Result, so it can never become an unhandled rejection.
const started: Promise<Result<NodeInfo>> = start().then(ok, internalError);

const api: NodeApi = {
  info: guarded(() => started),
};

Comlink.expose(api);
