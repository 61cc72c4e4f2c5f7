// The node's history, newest first: what changed in words, in which app, by whom, when, and whether
// it stands. Identical rows next to each other are one row ("×12"); a row opens to its envelope.
import { createMemo, createSignal, For, Show, type JSX } from "solid-js";
import type { HistoryEntry } from "../../rpc/node-api.ts";
import { describeOps, formatTimestamp, formatWhen, shortId } from "../display-format.ts";
import { groupRuns, type EnvelopeFacts } from "../envelope-words.ts";
import { AppIcon } from "./app-icon.tsx";
import { EnvelopeDetail, type VersionStep } from "./envelope-detail.tsx";

function authorLabel(entry: HistoryEntry): string {
  if (entry.isMine) return entry.authorName === null ? "You" : `You (${entry.authorName})`;
  return entry.authorName ?? `Identity ${shortId(entry.authorId)}`;
}

type Context = {
  readonly facts: ReadonlyMap<number, EnvelopeFacts>;
  readonly entries: readonly HistoryEntry[];
  readonly titleOf: (slug: string) => string;
};

const wordsOf = (entry: HistoryEntry, facts: ReadonlyMap<number, EnvelopeFacts>) => facts.get(entry.seq)?.words ?? describeOps(entry.ops);

/** Every loaded change to an object this entry creates or changes, oldest first. */
function versionsOf(entry: HistoryEntry, ctx: Context): VersionStep[] {
  const objects = new Set(ctx.facts.get(entry.seq)?.ops.flatMap((op) => op.objects) ?? []);
  if (objects.size === 0) return [];
  return ctx.entries
    .filter((e) => ctx.facts.get(e.seq)?.ops.some((op) => op.objects.some((o) => objects.has(o))))
    .sort((a, b) => a.seq - b.seq)
    .map((e) => ({ entry: e, words: wordsOf(e, ctx.facts) }));
}

export function HistoryRow(props: { entry: HistoryEntry; ctx: Context; count?: number; onShowAll?: () => void }): JSX.Element {
  const [open, setOpen] = createSignal(false);
  const accepted = () => props.entry.status === "accepted";
  const detailId = () => `envelope-${props.entry.seq}`;
  return (
    <li
      class="event"
      data-testid="history-entry"
      data-envelope-id={props.entry.envelopeId}
      data-status={props.entry.status}
      data-seq={props.entry.seq}
      data-count={props.count ?? 1}
    >
      <AppIcon slug={props.entry.app} />
      <div class="event__main">
        <p class="event__title">
          <button
            type="button"
            class="event__open"
            aria-expanded={open()}
            aria-controls={detailId()}
            onClick={() => setOpen(!open())}
            data-testid="history-open"
          >
            <span data-testid="history-words">{wordsOf(props.entry, props.ctx.facts)}</span>
          </button>
          <span class="event__where">
            {" "}
            in {props.ctx.titleOf(props.entry.app)} · {props.entry.domain}
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
        <Show when={(props.count ?? 1) > 1}>
          <button type="button" class="button button--ghost button--small" onClick={() => props.onShowAll?.()} data-testid="history-group">
            {props.count} identical changes · show each
          </button>
        </Show>
        <Show when={open()}>
          <div id={detailId()}>
            <EnvelopeDetail
              entry={props.entry}
              facts={props.ctx.facts.get(props.entry.seq)}
              author={authorLabel(props.entry)}
              versions={versionsOf(props.entry, props.ctx)}
            />
          </div>
        </Show>
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

/** One group: its newest row with the count, or every row once the person asked to see each. */
function HistoryGroup(props: { group: readonly HistoryEntry[]; ctx: Context }): JSX.Element {
  const [expanded, setExpanded] = createSignal(false);
  return (
    <Show
      when={props.group.length > 1 && !expanded()}
      fallback={<For each={props.group}>{(entry) => <HistoryRow entry={entry} ctx={props.ctx} />}</For>}
    >
      <HistoryRow entry={props.group[0]!} ctx={props.ctx} count={props.group.length} onShowAll={() => setExpanded(true)} />
    </Show>
  );
}

export function HistoryList(props: {
  entries: readonly HistoryEntry[];
  titleOf: (slug: string) => string;
  facts?: ReadonlyMap<number, EnvelopeFacts>;
}): JSX.Element {
  const ctx = createMemo<Context>(() => ({ facts: props.facts ?? new Map(), entries: props.entries, titleOf: props.titleOf }));
  // A group that is still the same rows keeps its array, so a live re-read keeps open rows open.
  let previous = new Map<string, HistoryEntry[]>();
  const groups = createMemo(() => {
    const next = new Map<string, HistoryEntry[]>();
    const facts = ctx().facts;
    const sameness = (e: HistoryEntry) => `${e.authorId}|${e.app}|${e.status}|${wordsOf(e, facts)}|${e.domain}`;
    const list = groupRuns(props.entries, sameness).map((group) => {
      const key = `${group[0]!.seq}-${group.at(-1)!.seq}-${group.map((e) => e.status).join()}-${wordsOf(group[0]!, facts)}`;
      const kept = previous.get(key) ?? group;
      next.set(key, kept);
      return kept;
    });
    previous = next;
    return list;
  });
  return (
    <Show when={props.entries.length > 0} fallback={<p class="empty">Nothing here yet. Changes you make appear here.</p>}>
      <ul class="events" data-testid="history-list">
        <For each={groups()}>{(group) => <HistoryGroup group={group} ctx={ctx()} />}</For>
      </ul>
    </Show>
  );
}
