// How every built-in app starts and reads: open the port, learn who is using it, wire the screen,
// follow live changes, draw once, then say ready (tests and the shell wait on `data-ready`).
import { openApp, type AppClient, type AppIdentity } from "../sdk/index.ts";
import { plainError, showNotice } from "./index.ts";
import type { Row } from "./rows.ts";

export type StartOptions = {
  /** Where a failed start or a lost live feed is said. */
  readonly status: HTMLElement;
  /** The app's own words for a coded error (defaults to the kit's). */
  readonly say?: (error: { readonly code: string; readonly message?: string }) => string;
  /** Wires the screen's controls, once the person is known. */
  readonly wire: (app: AppClient, who: AppIdentity) => void;
  /** Reads and draws; called at start and on every live change. */
  readonly refresh: (app: AppClient) => Promise<void>;
};

export async function startApp(options: StartOptions): Promise<void> {
  const say = options.say ?? plainError;
  const app = await openApp();
  const who = await app.whoAmI();
  if (!who.ok) return showNotice(options.status, say(who.error), who.error.code);
  options.wire(app, who.value);
  // Live: whatever commits in this app that the person may read, from here or a peer, redraws.
  const live = await app.subscribe((event) => (event.event === "close" ? undefined : options.refresh(app)));
  if (!live.ok) showNotice(options.status, say(live.error), live.error.code);
  await options.refresh(app);
  document.body.dataset["ready"] = "true";
}

/** The rows of one read (up to 1,000); a refusal is thrown with its code, for one notice per refresh. */
export async function readRows(app: AppClient, query: Record<string, unknown>): Promise<readonly Row[]> {
  const read = await app.read({ limit: 1000, ...query });
  if (!read.ok) throw Object.assign(new Error(read.error.message), { code: read.error.code });
  return read.value.rows as unknown as readonly Row[];
}
