// A structural check reports the first defect in its fixed walk, as one code (ADR 0003). `fail`
// throws only inside `firstViolation`, which turns it into a coded Result; it never escapes.
import { nodeError, type ErrorCode } from "./errors.ts";
import { err, ok, type Result } from "./result.ts";

class Violation extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Stops the walk: `path` names the field, `reason` is the stable snake_case word in `data.reason`. */
export function fail(code: ErrorCode, path: string, reason: string): never {
  throw new Violation(code, path, reason);
}

/** Runs a walk that calls `fail`; `subject` names what was checked in the message ("Envelope"). */
export function firstViolation<T>(subject: string, walk: () => T): Result<T> {
  try {
    return ok(walk());
  } catch (caught) {
    if (!(caught instanceof Violation)) throw caught;
    const where = caught.path === "" ? "top level" : caught.path;
    return err(nodeError(caught.code, `${subject} rejected at ${where}: ${caught.reason}.`, { path: caught.path, reason: caught.reason }));
  }
}
