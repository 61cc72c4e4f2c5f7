// The mini-app host (DESIGN D9): one sandboxed iframe per open app, and one MessageChannel whose
// other end the worker binds to (identity, app). The frame gets its port once, at the first of its
// load and its ready request, posted to that frame's window only. The shell reads two messages from
// a frame, only from this frame's own window: that request, and one to let the person pick a
// contact (rpc/frame-messages.ts).
import * as Comlink from "comlink";
import { createSignal, onCleanup, Show, type JSX } from "solid-js";
import { nodeError } from "../../core/shared/errors.ts";
import { err } from "../../core/shared/result.ts";
import type { OpenedApp } from "../../rpc/node-api.ts";
import {
  APP_PORT_MESSAGE,
  isReadyMessage,
  parsePickRequest,
  PICK_CONTACT_RESULT,
  type PickContactResult,
} from "../../rpc/frame-messages.ts";
import { APP_FRAME_SANDBOX, frameDocument } from "../app-frame-document.ts";
import type { ShellError } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";
import { ContactPicker } from "./contact-picker.tsx";
import { ErrorNotice } from "./error-notice.tsx";

export function AppFrame(props: { slug: string; onClose: () => void }): JSX.Element {
  const shell = useShell();
  const [opened, setOpened] = createSignal<{ app: OpenedApp; port: MessagePort } | undefined>();
  const [error, setError] = createSignal<ShellError | undefined>();
  const channel = new MessageChannel();
  let handedOver = false;
  let frame: HTMLIFrameElement | undefined;
  const [picking, setPicking] = createSignal<string | undefined>();
  onCleanup(() => channel.port1.close());

  function answer(requestId: string, result: PickContactResult): void {
    frame?.contentWindow?.postMessage({ type: PICK_CONTACT_RESULT, requestId, result }, "*");
  }

  // Only this app's frame window counts: another frame, a popup or the page itself is ignored.
  const onMessage = (event: MessageEvent): void => {
    if (frame?.contentWindow == null || event.source !== frame.contentWindow) return;
    if (isReadyMessage(event.data)) return handOver();
    if (!handedOver) return;
    const requestId = parsePickRequest(event.data);
    if (requestId === undefined) return;
    if (picking() !== undefined)
      return answer(
        requestId,
        err(nodeError("ERR_RESOURCE_RATE_LIMIT", "The person is already choosing a contact for this app.", { reason: "pick_in_progress" })),
      );
    setPicking(requestId);
  };
  window.addEventListener("message", onMessage);
  onCleanup(() => window.removeEventListener("message", onMessage));

  function settlePick(result: PickContactResult): void {
    const requestId = picking();
    setPicking(undefined);
    if (requestId !== undefined) answer(requestId, result);
  }

  // The frame is made for one slug; a new slug mounts a new AppFrame (keyed by the page).
  const slug = props.slug; // eslint-disable-line solid/reactivity
  void shell.connection
    .callRaw("openApp", [Comlink.transfer({ slug, port: channel.port2 }, [channel.port2])])
    .then((result) => (result.ok ? setOpened({ app: result.value as OpenedApp, port: channel.port1 }) : setError(result.error)));

  function handOver(): void {
    const current = opened();
    // "*" because the frame's origin is opaque; the port goes to this frame's window and no other.
    // A frame that reloads itself, or asks again, gets none: its port went the first time.
    if (current === undefined || frame?.contentWindow == null || handedOver) return;
    handedOver = true;
    frame.contentWindow.postMessage({ type: APP_PORT_MESSAGE }, "*", [current.port]);
  }

  return (
    <section class="app-frame" data-testid="app-frame" data-slug={props.slug}>
      <div class="app-frame__bar">
        <span>{opened()?.app.app.title ?? props.slug}</span>
        <button type="button" class="button button--quiet" data-testid="close-app" onClick={() => props.onClose()}>
          Close
        </button>
      </div>
      <Show when={error()}>{(e) => <ErrorNotice error={e()} title={`${props.slug} cannot open.`} />}</Show>
      <Show when={opened()}>
        {(current) => (
          <iframe
            class="app-frame__view"
            title={current().app.app.title}
            data-testid="app-iframe"
            sandbox={APP_FRAME_SANDBOX}
            referrerPolicy="no-referrer"
            srcdoc={frameDocument(current().app.frontend)}
            ref={(element) => (frame = element)}
            onLoad={() => handOver()}
          />
        )}
      </Show>
      <Show when={picking() !== undefined}>
        <ContactPicker
          appTitle={opened()?.app.app.title ?? props.slug}
          onPick={(contact) => settlePick({ ok: true, value: contact })}
          onCancel={() =>
            settlePick(err(nodeError("ERR_SVC_PICK_CANCELLED", "The person chose not to share a contact.", { reason: "declined" })))
          }
        />
      </Show>
    </section>
  );
}
