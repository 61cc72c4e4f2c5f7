// The mini-app SDK (DESIGN D9): the only surface a mini-app sees. The shell hands the app's iframe
// one MessagePort; the node bound it to (person, app) before the app ran, so nothing here names an
// app or an identity. Every answer is a Result: `{ ok: false, error: { code, … } }` is data.
import * as Comlink from "comlink";
import type {
  AppAllowReadRequest,
  AppApi,
  AppEvent,
  AppIdentity,
  AppReadRequest,
  AppSubmitRequest,
  AppSubscribeFilter,
} from "../../rpc/app-api.ts";
import type { ReadResult, WriteReceipt } from "../../rpc/node-api.ts";
import type { Result } from "../../core/shared/result.ts";
import {
  APP_PORT_MESSAGE,
  APP_READY_MESSAGE,
  parsePickResult,
  PICK_CONTACT_REQUEST,
  type PickedContact,
} from "../../rpc/frame-messages.ts";

export type { PickedContact };
export type {
  AppAllowReadRequest,
  AppEvent,
  AppIdentity,
  AppReadRequest,
  AppSubmitRequest,
  AppSubscribeFilter,
  ReadResult,
  Result,
  WriteReceipt,
};

export { APP_PORT_MESSAGE };

export type AppClient = {
  /** Who is using the app, and which app the node bound this frame to. */
  whoAmI(): Promise<Result<AppIdentity>>;
  /** Writes ops to one of this app's domains, as the person; the node checks schema and ACL. */
  submit(request: AppSubmitRequest): Promise<Result<WriteReceipt>>;
  /** Reads this app's objects the person may see (`{ target, type_key?, ids?, where?, limit? … }`). */
  read(query: AppReadRequest): Promise<Result<ReadResult>>;
  /**
   * Changes of this app the person may read, after they commit, in order. `onEvent`'s promise (if
   * any) acknowledges: the next event waits for it. Ends with an `event: "close"` notice.
   */
  subscribe(
    onEvent: (event: AppEvent) => void | Promise<void>,
    filter?: AppSubscribeFilter,
  ): Promise<Result<{ readonly subscriptionId: string }>>;
  unsubscribe(subscriptionId: string): Promise<Result<void>>;
  /**
   * Lets these identities read these of the person's own objects of this app (a read rule in the
   * graph, ADR 0010). Where the app's acl.json makes a type owner-only, sync then hands the objects
   * to those peers and nobody else. At most 12 objects and 16 readers per call.
   */
  allowRead(request: AppAllowReadRequest): Promise<Result<{ readonly envelopeId: string }>>;
  /**
   * Asks the person, in the shell's own dialog, to choose one contact to share with this app. The
   * app learns only the chosen one (name, handle, identity id), or ERR_SVC_PICK_CANCELLED; one
   * request at a time (another while the dialog is open: ERR_RESOURCE_RATE_LIMIT).
   */
  pickContact(): Promise<Result<PickedContact>>;
  close(): void;
};

let pickCount = 0;

/** Posts a pick request to the shell (the parent window) and waits for its answer, from there only. */
function askShellForContact(frame: Window): Promise<Result<PickedContact>> {
  pickCount += 1;
  const requestId = `pick-${pickCount}-${Math.random().toString(36).slice(2, 10)}`;
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.source !== frame.parent) return;
      const result = parsePickResult(event.data, requestId);
      if (result === undefined) return;
      frame.removeEventListener("message", onMessage);
      resolve(result);
    };
    frame.addEventListener("message", onMessage);
    frame.parent.postMessage({ type: PICK_CONTACT_REQUEST, requestId }, "*");
  });
}

export function connectApp(port: MessagePort, frame: Window | undefined = globalThis.window): AppClient {
  const remote = Comlink.wrap<AppApi>(port);
  return {
    pickContact: () =>
      frame === undefined || frame.parent === frame
        ? // Spelled out rather than built from the error registry, which would ride along in every app's bundle.
          Promise.resolve({
            ok: false,
            error: { code: "ERR_SVC_PICK_CANCELLED", category: "state", message: "No shell hosts this app.", data: { reason: "no_shell" } },
          })
        : askShellForContact(frame),
    whoAmI: () => remote.whoAmI(),
    submit: (request) => remote.submit(request),
    read: (query) => remote.read(query),
    subscribe: (onEvent, filter) =>
      filter === undefined ? remote.subscribe(Comlink.proxy(onEvent)) : remote.subscribe(Comlink.proxy(onEvent), filter),
    unsubscribe: (subscriptionId) => remote.unsubscribe({ subscriptionId }),
    allowRead: (request) => remote.allowRead(request),
    close() {
      remote[Comlink.releaseProxy]();
      port.close();
    },
  };
}

const portOf = new WeakMap<Window, Promise<MessagePort>>();

/**
 * In the app's frame: the shell's port, from the first call on (one listener per window, so a
 * second call gets the same port). Only a message from the parent frame counts, so another frame
 * cannot hand the app a port of its own making.
 */
export function receivePort(frame: Window = window): Promise<MessagePort> {
  const known = portOf.get(frame);
  if (known !== undefined) return known;
  const port = new Promise<MessagePort>((resolve) => {
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: unknown } | null;
      if (event.source !== frame.parent || data?.type !== APP_PORT_MESSAGE || event.ports.length !== 1) return;
      frame.removeEventListener("message", onMessage);
      resolve(event.ports[0]!);
    };
    frame.addEventListener("message", onMessage);
  });
  portOf.set(frame, port);
  return port;
}

// Listen from the moment the SDK runs: the shell sends the port at the frame's load, which may come
// before an app that awaits something first calls openApp().
if (typeof window !== "undefined" && window.parent !== window) void receivePort();

/**
 * The usual start: `const app = await openApp();` then `await app.whoAmI()`. Asks the shell for the
 * port too (APP_READY_MESSAGE), for an SDK that ran after the frame's load.
 */
export async function openApp(frame: Window = window): Promise<AppClient> {
  const port = receivePort(frame);
  frame.parent.postMessage({ type: APP_READY_MESSAGE }, "*");
  return connectApp(await port, frame);
}
