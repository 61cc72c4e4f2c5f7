// What a mini-app's frame and the shell say to each other by postMessage (DESIGN D9): the hand-over
// of the app's port, and asking the person to pick a contact — the only cross-app data flow, and
// only with the person's consent. Everything else a frame says to the shell is ignored. The shell
// accepts a message only from the window of an app frame it opened (`event.source`), and only in
// exactly these shapes.
import type { Result } from "../core/shared/result.ts";

/** Shell → frame: `{ type }` with the app's MessagePort as the one transferred object. */
export const APP_PORT_MESSAGE = "twoway.app-port";
/**
 * Frame → shell: `{ type }`, "I am listening, send my port". The shell sends it at the first of the
 * frame's `load` and this request, once: an app that starts late (after an await, or an SDK loaded
 * after `load`) still gets its port, and a frame that asks again gets nothing.
 */
export const APP_READY_MESSAGE = "twoway.app-ready";

/** True for exactly `{ type: APP_READY_MESSAGE }`. */
export function isReadyMessage(data: unknown): boolean {
  return exactly(data, ["type"]) && (data as { type: unknown }).type === APP_READY_MESSAGE;
}

/** A plain object with exactly these keys. */
function exactly(data: unknown, keys: readonly string[]): boolean {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false;
  if (Object.getPrototypeOf(data) !== Object.prototype) return false;
  const own = Object.keys(data).sort();
  return own.length === keys.length && own.every((key, i) => key === keys[i]);
}

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
  if (!exactly(data, ["requestId", "type"])) return undefined;
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
