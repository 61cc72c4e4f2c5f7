// The frame's side of the port hand-over (rpc/frame-messages.ts), in a real child window: the port
// the shell sent before the app opened is kept, an app that opens before the shell sent anything
// asks for it, and a port from anywhere but the parent is not taken.
import * as Comlink from "comlink";
import { afterEach, describe, expect, it } from "vitest";
import { APP_PORT_MESSAGE, APP_READY_MESSAGE } from "../../rpc/frame-messages.ts";
import { openApp, receivePort } from "./index.ts";

const frames: HTMLIFrameElement[] = [];
afterEach(() => frames.splice(0).forEach((frame) => frame.remove()));

/** A child window of this page: its `parent` is this window, as an app frame's is the shell. */
async function childWindow(): Promise<Window> {
  const frame = document.createElement("iframe");
  frames.push(frame);
  const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  return frame.contentWindow!;
}

/** The node's end: answers whoAmI as the app `name`. */
function nodeEnd(name: string): MessagePort {
  const channel = new MessageChannel();
  Comlink.expose({ whoAmI: () => ({ ok: true, value: { app: name } }) }, channel.port1);
  return channel.port2;
}

/** The next ready request this window (the shell) gets. Posted by this test's code, its source is
 *  this window, not the child as it would be for an SDK running in the frame. */
function nextReady(): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if ((event.data as { type?: unknown } | null)?.type !== APP_READY_MESSAGE) return;
      window.removeEventListener("message", onMessage);
      resolve(event.data);
    };
    window.addEventListener("message", onMessage);
  });
}

describe("the app port hand-over", () => {
  it("keeps a port the shell sent before the app opened", async () => {
    const child = await childWindow();
    const listening = receivePort(child); // what the SDK does when it runs
    child.postMessage({ type: APP_PORT_MESSAGE }, "*", [nodeEnd("early")]);
    await listening; // the port has arrived; only now does the app open
    const app = await openApp(child);
    expect(await app.whoAmI()).toEqual({ ok: true, value: { app: "early" } });
  });

  it("asks the shell for the port when it opens, and connects on the answer", async () => {
    const child = await childWindow();
    const asked = nextReady();
    const opening = openApp(child);
    expect(await asked).toEqual({ type: APP_READY_MESSAGE });
    child.postMessage({ type: APP_PORT_MESSAGE }, "*", [nodeEnd("asked")]);
    const app = await opening;
    expect(await app.whoAmI()).toEqual({ ok: true, value: { app: "asked" } });
  });

  it("takes no port from a window other than its parent", async () => {
    const child = await childWindow();
    const listening = receivePort(child);
    // Posted first, by the child to itself (its own code, so the source is the child): the same
    // queue as the parent's, so it arrives first and must be passed over.
    (child as Window & { eval(code: string): unknown }).eval(
      `postMessage({ type: "${APP_PORT_MESSAGE}" }, "*", [new MessageChannel().port2])`,
    );
    child.postMessage({ type: APP_PORT_MESSAGE }, "*", [nodeEnd("parent")]);
    const app = await openApp(child);
    expect(await app.whoAmI()).toEqual({ ok: true, value: { app: "parent" } });
    expect(await listening).toBeDefined();
  });
});
