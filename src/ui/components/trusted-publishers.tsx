// The publishers the person trusts (Apps page): who, which of their apps are installed, and a way
// to stop trusting one — asked twice, since it turns that publisher's apps off (their data stays).
import { createSignal, For, Show, type JSX } from "solid-js";
import type { TrustedPublisherSummary } from "../../rpc/node-api.ts";

export function TrustedPublishers(props: {
  publishers: readonly TrustedPublisherSummary[];
  onDistrust: (publisherId: string) => void;
}): JSX.Element {
  const [confirming, setConfirming] = createSignal<string | undefined>();
  return (
    <Show when={props.publishers.length > 0} fallback={<p class="empty empty--compact">You trust no publisher yet.</p>}>
      <ul class="app-rows" data-testid="trusted-publishers">
        <For each={props.publishers}>
          {(p) => {
            const name = () => p.name ?? "An unnamed publisher";
            return (
              <li class="app-row" data-testid="trusted-publisher" data-publisher={p.publisherId}>
                <span class="app-row__title" dir="auto">
                  {name()} · {p.apps.length === 0 ? "no apps installed" : p.apps.join(", ")}
                </span>
                <Show
                  when={confirming() === p.publisherId}
                  fallback={
                    <button type="button" class="button button--quiet" data-testid="distrust" onClick={() => setConfirming(p.publisherId)}>
                      Stop trusting
                    </button>
                  }
                >
                  <span class="app-row__confirm" role="group" aria-label={`Stop trusting ${name()}?`}>
                    <span>Its apps turn off; their data stays.</span>
                    <button type="button" class="button" data-testid="distrust-confirm" onClick={() => props.onDistrust(p.publisherId)}>
                      Stop trusting
                    </button>
                    <button type="button" class="button button--quiet" onClick={() => setConfirming(undefined)}>
                      Keep
                    </button>
                  </span>
                </Show>
              </li>
            );
          }}
        </For>
      </ul>
    </Show>
  );
}
