// The audit log's rejections: every write or received envelope the node refused, with its code.
import { For, Show, type JSX } from "solid-js";
import type { Rejection } from "../../rpc/node-api.ts";
import { formatTimestamp, formatWhen } from "../display-format.ts";
import { Icon } from "./icon.tsx";

const SOURCES: Readonly<Record<Rejection["kind"], string>> = {
  write_rejected: "Write from this device",
  ingest_rejected: "Received envelope",
  sync_rejected: "Sent by a peer",
};

export function RejectionList(props: { rejections: readonly Rejection[]; titleOf: (slug: string) => string }): JSX.Element {
  return (
    <Show
      when={props.rejections.length > 0}
      fallback={<p class="empty">No rejections. Everything this node was asked to store passed its checks.</p>}
    >
      <ul class="events" data-testid="rejection-list">
        <For each={props.rejections}>
          {(rejection) => (
            <li class="event" data-testid="rejection" data-code={rejection.code ?? ""}>
              <span class="app-icon app-icon--error app-icon--sm" aria-hidden="true">
                <Icon name="alert" size={18} />
              </span>
              <div class="event__main">
                <p class="event__title">{rejection.message}</p>
                <p class="event__meta">
                  {SOURCES[rejection.kind]}
                  <Show when={rejection.app}>{(app) => <> · {props.titleOf(app())}</>}</Show>
                  <span aria-hidden="true"> · </span>
                  <time dateTime={rejection.at} title={formatTimestamp(rejection.at)}>
                    {formatWhen(rejection.at)}
                  </time>
                  <Show when={rejection.traceId}>
                    {(traceId) => (
                      <>
                        <span aria-hidden="true"> · </span>
                        trace <code class="event__id">{traceId()}</code>
                      </>
                    )}
                  </Show>
                </p>
              </div>
              <div class="event__side">
                <code class="code-badge" data-testid="rejection-code">
                  {rejection.code ?? "rejected"}
                </code>
              </div>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}
