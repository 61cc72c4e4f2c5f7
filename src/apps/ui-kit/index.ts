// A small shared kit for the built-in mini-app frontends: an element helper, coded errors in plain
// words, and a status line. Plain DOM, no framework: every app.js stays a few kilobytes.

type Child = Node | string | null | undefined | false;
type Attrs = Readonly<Record<string, string | number | boolean | undefined | ((event: Event) => void)>>;

/** `h("button", { type: "button", onclick: … }, "Send")`: attributes, `on…` listeners, children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** Coded errors (the node's ERR_* registry) as sentences a person can act on. */
const PLAIN: Readonly<Record<string, string>> = {
  ERR_SCHEMA_INVALID_VALUE: "Something you entered is too long, too short or not allowed here. Nothing was saved.",
  ERR_SCHEMA_TYPE_NOT_ALLOWED: "This app cannot save that kind of item. Nothing was saved.",
  ERR_STRUCT_INVALID_TYPE: "The app sent something the node does not understand. Nothing was saved.",
  ERR_AUTH_NOT_OWNER: "Only its owner, or someone they allowed, can change this. Nothing was changed.",
  ERR_AUTH_ACL_DENIED: "You are not allowed to do this. Nothing was changed.",
  ERR_AUTH_VISIBILITY_DENIED: "You are not in this conversation, so you cannot write in it. Nothing was sent.",
  ERR_NOT_PARTICIPANT: "You are not in this conversation, so you cannot write in it. Nothing was sent.",
  ERR_RESOURCE_RATE_LIMIT: "Too much at once. Wait a moment and try again.",
  ERR_SVC_APP_DISABLED: "This app is turned off. Turn it on again on the Apps page.",
  ERR_SVC_PICK_CANCELLED: "No contact was chosen.",
  ERR_AUTH_TOKEN_REVOKED: "This app was closed. Open it again.",
  ERR_MNG_LOG_UNAVAILABLE: "The node cannot record changes right now, so it saves nothing. Try again later.",
  ERR_STORAGE_QUOTA: "This device is out of space for the node. Nothing was saved.",
};

export function plainError(error: { readonly code: string; readonly message?: string }): string {
  return PLAIN[error.code] ?? `Something went wrong (${error.code}). Nothing was changed.`;
}

/** Shows a notice in `box` (role="status" or "alert"), with the code kept for tests and support. */
export function showNotice(box: HTMLElement, text: string, code = ""): void {
  box.textContent = text;
  box.dataset["code"] = code;
  box.hidden = text === "";
}

/** Now, as the schemas' rfc3339 fields want it. */
export const nowIso = (): string => new Date().toISOString();
