// The node's history, newest first: what changed, in which app, by whom, when, and whether it stands.
import { For, Show, type JSX } from "solid-js";
import type { HistoryEntry } from "../../rpc/node-api.ts";
import { describeOps, formatTimestamp, formatWhen, shortId } from "../display-format.ts";
import { AppIcon } from "./app-icon.tsx";

function authorLabel(entry: HistoryEntry): string {
  if (entry.isMine) return entry.authorName === null ? "You" : `You (${entry.authorName})`;
  return entry.authorName ?? `Identity ${shortId(entry.authorId)}`;
}

export function HistoryRow(props: { entry: HistoryEntry; appTitle: string }): JSX.Element {
  const accepted = () => props.entry.status === "accepted";
  return (
    <li
      class="event"
      data-testid="history-entry"
      data-envelope-id={props.entry.envelopeId}
      data-status={props.entry.status}
      data-seq={props.entry.seq}
    >
      <AppIcon slug={props.entry.app} />
      <div class="event__main">
        <p class="event__title">
          {describeOps(props.entry.ops)}
          <span class="event__where">
            {" "}
            in {props.appTitle} · {props.entry.domain}
          </span>
        </p>
        <p class="event__meta">
          <span data-testid="history-author">{authorLabel(props.entry)}</span>
          <span aria-hidden="true"> · </span>
          <time dateTime={props.entry.createdAt} title={formatTimestamp(props.entry.createdAt)}>
            {formatWhen(props.entry.createdAt)}
          </time>
          <span aria-hidden="true"> · </span>
          <code class="event__id" title={props.entry.envelopeId}>
            {shortId(props.entry.envelopeId)}
          </code>
        </p>
      </div>
      <div class="event__side">
        <span
          class={`pill ${accepted() ? "pill--ok" : "pill--pending"}`}
          title={accepted() ? "Part of this node's state" : "Kept in history, but its effects are withdrawn"}
        >
          {accepted() ? "Accepted" : "Suppressed"}
        </span>
        <span class="event__seq" title="global_seq: this node's accept order">
          #{props.entry.seq}
        </span>
      </div>
    </li>
  );
}

export function HistoryList(props: { entries: readonly HistoryEntry[]; titleOf: (slug: string) => string }): JSX.Element {
  return (
    <Show when={props.entries.length > 0} fallback={<p class="empty">Nothing here yet. Changes you make appear here.</p>}>
      <ul class="events" data-testid="history-list">
        <For each={props.entries}>{(entry) => <HistoryRow entry={entry} appTitle={props.titleOf(entry.app)} />}</For>
      </ul>
    </Show>
  );
}
