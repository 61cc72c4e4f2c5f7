// What a page's request to watch something must be: one callback, and not more watches than a
// reconnecting page needs. Shared by the commit and the sync notices.
import { err, nodeError, ok, type Result } from "../src/core/index.ts";

/** The page may watch a couple of times (a reconnect), never without bound. */
export const MAX_WATCHES = 2;

/** The callback of `method(callback)`, or the coded refusal; `watching` names what is watched. */
export function watchRequest(method: string, args: readonly unknown[], open: number, watching: string): Result<(...a: never[]) => unknown> {
  if (args.length !== 1 || typeof args[0] !== "function")
    return err(nodeError("ERR_STRUCT_INVALID_TYPE", `${method} takes one callback.`, { reason: "not_a_function" }));
  if (open >= MAX_WATCHES)
    return err(nodeError("ERR_RESOURCE_RATE_LIMIT", `This page already watches ${watching}.`, { reason: "watches", limit: MAX_WATCHES }));
  return ok(args[0] as (...a: never[]) => unknown);
}
