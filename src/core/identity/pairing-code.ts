// The pairing code and the confirm code (DESIGN D10, ADR 0025, ADR 0031). The pairing code carries the
// new device's key, its node, a one-time secret, when it expires and how to reach the new device (a
// relay room, or a WebRTC invite offer for no server at all); it travels out of band (read off a
// screen or a QR code). The confirm code is derived from both nodes, the key and the secret, so a
// relay that puts itself between the two devices makes the two screens disagree.
import { sha256 } from "../crypto/index.ts";
import { fromBase64url, toBase64url, utf8 } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import { nodeError } from "../shared/errors.ts";
import { parseIdentityId, parsePublicKeyText, type IdentityId, type PublicKeyText } from "../shared/ids.ts";
import { isJsonObject } from "../shared/json.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { parseWireJson } from "../shared/wire-json.ts";

export const PAIRING_CODE_PREFIX = "2way-pair:";
export const PAIRING_CODE_VERSION = 2;
export const PAIRING_SECRET_BYTES = 16;
/** Six digits: a relay that cannot see the secret has one chance in a million per attempt. */
export const CONFIRM_CODE_DIGITS = 6;
/** ADR 0031: a code works for ten minutes after the new device made it. */
export const PAIRING_CODE_LIFETIME_MS = 10 * 60_000;
/** Clocks of two devices disagree; an expiry further ahead than this is not one we could have made. */
export const PAIRING_CLOCK_SKEW_MS = 5 * 60_000;
/** An invite offer (peering/invite-code.ts) fits a QR code (2953 bytes), so the pairing code can too. */
const MAX_INVITE_CHARS = 2953;
const MAX_CODE_CHARS = 4 * MAX_INVITE_CHARS;
const MAX_REACH_CHARS = 512;

/** How the existing device reaches the new one: a relay room it has joined, or its WebRTC invite offer. */
export type PairingReach = { readonly relay: string; readonly room: string } | { readonly invite: string };

export type PairingOffer = {
  readonly deviceKey: PublicKeyText;
  /** The new device's node identity: the one its signed sync hello proves. */
  readonly node: IdentityId;
  /** base64url of PAIRING_SECRET_BYTES random bytes. */
  readonly secret: string;
  /** Milliseconds since the epoch, by the new device's clock. */
  readonly expiresAt: number;
  readonly reach: PairingReach;
};

function invalid(reason: string): Result<never> {
  return err(nodeError("ERR_PAIRING_CODE_INVALID", "This is not a pairing code, or part of it is missing.", { reason }));
}

export function isInviteReach(reach: PairingReach): reach is { readonly invite: string } {
  return "invite" in reach;
}

export function encodePairingCode(offer: PairingOffer): string {
  const { reach } = offer;
  const body = {
    v: PAIRING_CODE_VERSION,
    key: offer.deviceKey,
    node: offer.node,
    secret: offer.secret,
    exp: offer.expiresAt,
    ...(isInviteReach(reach) ? { invite: reach.invite } : { relay: reach.relay, room: reach.room }),
  };
  return PAIRING_CODE_PREFIX + toBase64url(utf8(canonicalize(body)));
}

function isShortText(value: unknown, max = MAX_REACH_CHARS): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= max;
}

/** A relay room, or an invite offer in its own text form (peering/invite-code.ts decodes it fully). */
function parseReach(body: Readonly<Record<string, unknown>>): PairingReach | undefined {
  const { relay, room, invite } = body;
  if (invite !== undefined)
    return isShortText(invite, MAX_INVITE_CHARS) && /^twoway\d+\.o\.[A-Za-z0-9_-]+$/.test(invite) ? { invite } : undefined;
  return isShortText(relay) && /^wss?:\/\//.test(relay) && isShortText(room) ? { relay, room } : undefined;
}

const FIELDS = ["exp,invite,key,node,secret,v", "exp,key,node,relay,room,secret,v"];

/** Untrusted text (typed, pasted or scanned): bounded, strict, every field checked. */
export function parsePairingCode(text: unknown): Result<PairingOffer> {
  if (typeof text !== "string" || text.length > MAX_CODE_CHARS) return invalid("not_text");
  const trimmed = text.trim();
  if (!trimmed.startsWith(PAIRING_CODE_PREFIX)) return invalid("prefix");
  const bytes = fromBase64url(trimmed.slice(PAIRING_CODE_PREFIX.length));
  if (bytes === undefined) return invalid("encoding");
  const parsed = parseWireJson(bytes);
  if (!parsed.ok || !isJsonObject(parsed.value)) return invalid("json");
  const body = parsed.value;
  if (body["v"] !== PAIRING_CODE_VERSION) return invalid("version");
  if (!FIELDS.includes(Object.keys(body).sort().join(","))) return invalid("fields");
  const deviceKey = parsePublicKeyText(body["key"]);
  const node = parseIdentityId(body["node"]);
  const secret = typeof body["secret"] === "string" ? fromBase64url(body["secret"]) : undefined;
  if (deviceKey === undefined || node === undefined) return invalid("key");
  if (secret?.length !== PAIRING_SECRET_BYTES) return invalid("secret");
  const expiresAt = body["exp"];
  if (typeof expiresAt !== "number" || !Number.isSafeInteger(expiresAt) || expiresAt <= 0) return invalid("expiry");
  const reach = parseReach(body);
  if (reach === undefined) return invalid("reach");
  return ok({ deviceKey, node, secret: body["secret"] as string, expiresAt, reach });
}

/**
 * Both screens compute this: the new device with its own node and the peer its session proved, the
 * existing device with the node in the code and its own. Any swapped key or node changes it.
 */
export function confirmCode(offer: Pick<PairingOffer, "deviceKey" | "node" | "secret">, existingNode: string): string {
  const input = canonicalize({ key: offer.deviceKey, new_node: offer.node, existing_node: existingNode, secret: offer.secret });
  const digest = sha256(utf8(`2way pairing confirm v1\n${input}`));
  const value = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  return (value % 10 ** CONFIRM_CODE_DIGITS).toString().padStart(CONFIRM_CODE_DIGITS, "0");
}

/** What a person typed for a confirm code: digits only, spaces and dashes ignored. */
export function normalizeConfirmCode(typed: unknown): string | undefined {
  if (typeof typed !== "string" || typed.length > 32) return undefined;
  const digits = typed.replace(/[\s-]/g, "");
  return /^\d+$/.test(digits) ? digits : undefined;
}
