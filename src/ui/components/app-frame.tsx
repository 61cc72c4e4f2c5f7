// The mini-app host (DESIGN D9): one sandboxed iframe per open app, and one MessageChannel whose
// other end the worker binds to (identity, app). The frame gets its port once, after it loaded,
// posted to that frame's window only; the shell accepts no messages from frames at all.
import * as Comlink from "comlink";
import { createSignal, onCleanup, Show, type JSX } from "solid-js";
import type { OpenedApp } from "../../rpc/node-api.ts";
import { APP_PORT_MESSAGE } from "../../apps/sdk/index.ts";
import { APP_FRAME_SANDBOX, frameDocument } from "../app-frame-document.ts";
import type { ShellError } from "../node-client.ts";
import { useShell } from "../shell-context.tsx";
import { ErrorNotice } from "./error-notice.tsx";

export function AppFrame(props: { slug: string; onClose: () => void }): JSX.Element {
  const shell = useShell();
  const [opened, setOpened] = createSignal<{ app: OpenedApp; port: MessagePort } | undefined>();
  const [error, setError] = createSignal<ShellError | undefined>();
  const channel = new MessageChannel();
  let handedOver = false;
  onCleanup(() => channel.port1.close());

  // The frame is made for one slug; a new slug mounts a new AppFrame (keyed by the page).
  const slug = props.slug; // eslint-disable-line solid/reactivity
  void shell.connection
    .callRaw("openApp", [Comlink.transfer({ slug, port: channel.port2 }, [channel.port2])])
    .then((result) => (result.ok ? setOpened({ app: result.value as OpenedApp, port: channel.port1 }) : setError(result.error)));

  function handOver(frame: HTMLIFrameElement): void {
    const current = opened();
    // "*" because the frame's origin is opaque; the port goes to this frame's window and no other.
    // A frame that reloads itself loads again, but its port went with the first load: it gets none.
    if (current === undefined || handedOver) return;
    handedOver = true;
    frame.contentWindow?.postMessage({ type: APP_PORT_MESSAGE }, "*", [current.port]);
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
            onLoad={(event) => handOver(event.currentTarget)}
          />
        )}
      </Show>
    </section>
  );
}
