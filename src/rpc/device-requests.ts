// Checks the arguments of the device methods (ADR 0025) before the node sees them, as
// node-api-requests.ts does for the rest: one coded error for a malformed request, nothing changed.
import { err, nodeError, ok, type Result } from "../core/index.ts";
import type { PairingBeginRequest, PairingCodeRequest, PairingConfirmRequest, RemoveDeviceRequest } from "./node-api.ts";
import { checkArgumentCount } from "./node-api-requests.ts";

type Fields = Readonly<Record<string, unknown>>;
/** A pairing code with an invite offer in it (identity/pairing-code.ts bounds it at 4 × 2953). */
const MAX_TEXT = 12_000;
const MAX_LABEL = 64;

function malformed(reason: string, message: string, field?: string): Result<never> {
  return err(nodeError("ERR_STRUCT_INVALID_TYPE", message, field === undefined ? { reason } : { reason, field }));
}

/** One plain-object argument with only `allowed` keys, each a string of bounded length; `required` present. */
function stringFields(args: readonly unknown[], what: string, allowed: readonly string[], required: readonly string[]): Result<Fields> {
  const count = checkArgumentCount(args, 1);
  if (!count.ok) return count;
  const value = args[0];
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype)
    return malformed("not_an_object", `The ${what} must be a plain object.`);
  const fields = value as Fields;
  for (const [key, field] of Object.entries(fields)) {
    if (!allowed.includes(key)) return malformed("unknown_field", `The ${what} has an unknown field "${key}".`, key);
    const limit = key === "label" ? MAX_LABEL : MAX_TEXT;
    if (typeof field !== "string" || field.length > limit)
      return malformed("invalid_field", `"${key}" must be text of at most ${limit} characters.`, key);
  }
  for (const key of required)
    if (fields[key] === undefined)
      return err(nodeError("ERR_STRUCT_MISSING_FIELD", `The ${what} needs "${key}".`, { reason: "missing_field", field: key }));
  return ok(fields);
}

function withLabel(fields: Fields): { label?: string } {
  const label = typeof fields["label"] === "string" ? fields["label"].trim() : "";
  return label === "" ? {} : { label };
}

/** ADR 0031: the new device is reached through a relay room, or through its invite offer (no server). */
export function parsePairingBegin(args: readonly unknown[]): Result<PairingBeginRequest> {
  const byInvite = typeof args[0] === "object" && args[0] !== null && "invite" in args[0];
  const fields = stringFields(args, "pairing request", ["relay", "room", "invite", "label"], byInvite ? ["invite"] : ["relay", "room"]);
  if (!fields.ok) return fields;
  const { relay, room, invite } = fields.value;
  if (invite !== undefined && (relay !== undefined || room !== undefined))
    return malformed("two_reaches", "A pairing is reached by a relay room or by an invite, not both.", "invite");
  if (invite !== undefined) return ok({ invite: invite as string, ...withLabel(fields.value) });
  return ok({ relay: relay as string, room: room as string, ...withLabel(fields.value) });
}

export function parsePairingCode(args: readonly unknown[]): Result<PairingCodeRequest> {
  const fields = stringFields(args, "pairing code request", ["code"], ["code"]);
  return fields.ok ? ok({ code: fields.value["code"] as string }) : fields;
}

export function parsePairingConfirm(args: readonly unknown[]): Result<PairingConfirmRequest> {
  const fields = stringFields(args, "pairing confirmation", ["code", "confirmCode", "label"], ["code", "confirmCode"]);
  if (!fields.ok) return fields;
  return ok({ code: fields.value["code"] as string, confirmCode: fields.value["confirmCode"] as string, ...withLabel(fields.value) });
}

export function parseRemoveDevice(args: readonly unknown[]): Result<RemoveDeviceRequest> {
  const fields = stringFields(args, "remove request", ["publicKey"], ["publicKey"]);
  if (!fields.ok) return fields;
  const publicKey = fields.value["publicKey"] as string;
  if (!/^[A-Za-z0-9_-]{43}$/.test(publicKey))
    return err(
      nodeError("ERR_STRUCT_INVALID_IDENTIFIER", '"publicKey" is a public key in base64url.', {
        reason: "invalid_key_id",
        field: "publicKey",
      }),
    );
  return ok({ publicKey });
}
