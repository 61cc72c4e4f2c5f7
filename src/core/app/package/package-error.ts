// One constructor for package defects, so every rejection carries `data.reason` (and the path it
// concerns, when there is one) and tests can name the exact defect.
import { nodeError, type ErrorCode, type ErrorData, type NodeError } from "../../shared/errors.ts";
import { err, type Result } from "../../shared/result.ts";

export function packageError(code: ErrorCode, reason: string, message: string, data: ErrorData = {}): NodeError {
  return nodeError(code, message, { reason, ...data });
}

/** A defect of the container or a document in it (04-interfaces 06: composition and payload). */
export function invalidPackage(reason: string, message: string, data: ErrorData = {}): Result<never> {
  return err(packageError("object_invalid", reason, message, data));
}

/** A document that is not strict JSON, misses a part or has unknown fields (06 register: envelope_invalid). */
export function invalidDocument(reason: string, message: string, data: ErrorData = {}): Result<never> {
  return err(packageError("envelope_invalid", reason, message, data));
}
