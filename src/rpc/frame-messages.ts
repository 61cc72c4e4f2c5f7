// The one conversation a mini-app's frame may have with the shell itself (DESIGN D9): asking the
// person to pick a contact — the only cross-app data flow, and only with the person's consent.
// Everything else a frame says to the shell is ignored. The shell accepts a message only from the
// window of an app frame it opened (`event.source`), and only in exactly this shape.
import type { Result } from "../core/shared/result.ts";

/** Frame → shell: `{ type, requestId }`, nothing more. */
export const PICK_CONTACT_REQUEST = "twoway.pick-contact";
/** Shell → frame: `{ type, requestId, result }`. */
export const PICK_CONTACT_RESULT = "twoway.pick-contact.result";

/** What a picked contact shares with the app: how to show and address the person, no object ids. */
/**
 * `nodeIdentityId`: the node the person syncs from (a connected peer's proven identity), when the
 * contact records it; sync's read rules name nodes, so an app needs it to make data reach them.
 */
export type PickedContact = {
  readonly name: string;
  readonly handle: string;
  readonly identityId: string | null;
  readonly nodeIdentityId?: string | null;
};

export type PickContactResult = Result<PickedContact>;

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The request id of a well-formed pick request, or undefined for anything else. */
export function parsePickRequest(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  if (Object.getPrototypeOf(data) !== Object.prototype) return undefined;
  const keys = Object.keys(data).sort();
  if (keys.length !== 2 || keys[0] !== "requestId" || keys[1] !== "type") return undefined;
  const { type, requestId } = data as { type: unknown; requestId: unknown };
  return type === PICK_CONTACT_REQUEST && typeof requestId === "string" && REQUEST_ID.test(requestId) ? requestId : undefined;
}

/** The answer to `requestId`, if `data` is one (the frame's side of the check). */
export function parsePickResult(data: unknown, requestId: string): PickContactResult | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const message = data as { type?: unknown; requestId?: unknown; result?: unknown };
  if (message.type !== PICK_CONTACT_RESULT || message.requestId !== requestId) return undefined;
  const result = message.result as { ok?: unknown } | null;
  return typeof result === "object" && result !== null && typeof result.ok === "boolean"
    ? (message.result as PickContactResult)
    : undefined;
}
