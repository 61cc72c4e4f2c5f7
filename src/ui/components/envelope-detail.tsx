// An Activity row opened: who wrote it with which key, when, that its signature was checked, where
// it sits, each op in words, and the other loaded changes to the same objects (version history).
import { For, Show, type JSX } from "solid-js";
import type { HistoryEntry } from "../../rpc/node-api.ts";
import { formatTimestamp, shortId } from "../display-format.ts";
import type { EnvelopeFacts } from "../envelope-words.ts";

export type VersionStep = { readonly entry: HistoryEntry; readonly words: string };

export function EnvelopeDetail(props: {
  entry: HistoryEntry;
  facts: EnvelopeFacts | undefined;
  author: string;
  versions: readonly VersionStep[];
}): JSX.Element {
  return (
    <div class="envelope-detail" data-testid="envelope-detail">
      <dl class="envelope-detail__facts">
        <dt>Author</dt>
        <dd data-testid="detail-author">
          {props.author} <code title={props.entry.authorId}>{shortId(props.entry.authorId)}</code>
        </dd>
        <dt>Device key</dt>
        <dd data-testid="detail-key">
          <Show when={props.facts?.signingKey} fallback="Not loaded">
            {(key) => <code title={key()}>{shortId(key(), 10)}</code>}
          </Show>
        </dd>
        <dt>Written</dt>
        <dd>
          <time dateTime={props.entry.createdAt}>{formatTimestamp(props.entry.createdAt)}</time> (author's clock); stored here{" "}
          <time dateTime={props.entry.committedAt}>{formatTimestamp(props.entry.committedAt)}</time>
        </dd>
        <dt>Signature</dt>
        <dd data-testid="detail-signature" data-verified="true">
          Verified: this node checked it against the author's key before storing the change, and its integrity check re-checks it.
          <Show when={props.facts?.signature}>
            {(sig) => (
              <>
                {" "}
                <code title={sig()}>{shortId(sig(), 8)}</code>
              </>
            )}
          </Show>
        </dd>
        <dt>Status</dt>
        <dd>{props.entry.status === "accepted" ? "Part of this node's state" : "Kept in history, but its effects are withdrawn"}</dd>
        <dt>Where</dt>
        <dd>
          #{props.entry.seq} on this node
          <Show when={props.facts?.chainSeq != null}> · change {props.facts?.chainSeq} of its key</Show>
          <Show when={(props.facts?.deps ?? 0) > 0}> · builds on {props.facts?.deps} earlier</Show> ·{" "}
          <code title={props.entry.envelopeId}>{shortId(props.entry.envelopeId)}</code>
        </dd>
      </dl>
      <Show when={(props.facts?.ops.length ?? 0) > 1}>
        <ul class="envelope-detail__ops" data-testid="detail-ops">
          <For each={props.facts?.ops ?? []}>{(op) => <li>{op.words}</li>}</For>
        </ul>
      </Show>
      <div data-testid="version-history">
        <p class="envelope-detail__head">Version history</p>
        <Show
          when={props.versions.length > 1}
          fallback={<p class="envelope-detail__none">No other change to the same thing among the changes loaded here.</p>}
        >
          <ol class="envelope-detail__versions">
            <For each={props.versions}>
              {(step) => (
                <li
                  data-testid="version-step"
                  data-seq={step.entry.seq}
                  aria-current={step.entry.seq === props.entry.seq ? "true" : undefined}
                >
                  {step.words} · <time dateTime={step.entry.createdAt}>{formatTimestamp(step.entry.createdAt)}</time> · #{step.entry.seq}
                </li>
              )}
            </For>
          </ol>
        </Show>
      </div>
    </div>
  );
}
