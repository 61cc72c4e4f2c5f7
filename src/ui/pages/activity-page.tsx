// Activity: the node's history (every envelope it stores, accepted or suppressed) in words, rows
// that open to their envelope, re-read on every commit (watchCommits), and the audit log's
// rejections (everything it refused, with code and trace id), newest first.
import { createEffect, createResource, Show, type JSX } from "solid-js";
import type { HistoryEntry, Rejection } from "../../rpc/node-api.ts";
import { ErrorNotice } from "../components/error-notice.tsx";
import { HistoryList } from "../components/history-list.tsx";
import { Icon } from "../components/icon.tsx";
import { ProgressBar } from "../components/progress-bar.tsx";
import { RejectionList } from "../components/rejection-list.tsx";
import { ResultView } from "../components/result-view.tsx";
import { SegmentedTabs } from "../components/segmented-tabs.tsx";
import { formatCount } from "../display-format.ts";
import { createEnvelopeTexts } from "../envelope-texts.ts";
import { createPagedFeed, type PagedFeed } from "../paged-feed.ts";
import { useShell } from "../shell-context.tsx";

const PAGE_SIZE = 50;

function MoreButton<T>(props: { feed: PagedFeed<T>; label: string }): JSX.Element {
  return (
    <>
      <Show when={props.feed.moreError()}>{(error) => <ErrorNotice error={error()} />}</Show>
      <Show when={props.feed.hasMore()}>
        <div class="actions actions--center">
          <button
            type="button"
            class="button"
            disabled={props.feed.loadingMore()}
            onClick={() => void props.feed.loadMore()}
            data-testid="load-older"
          >
            {props.feed.loadingMore() ? "Loading…" : props.label}
          </button>
        </div>
      </Show>
    </>
  );
}

function HistoryFeed(props: { titleOf: (slug: string) => string }): JSX.Element {
  const shell = useShell();
  const feed = createPagedFeed<HistoryEntry>(
    () => shell.connection.revision() + 1,
    async (beforeSeq) => {
      const page = await shell.connection.call("history", beforeSeq === undefined ? { limit: PAGE_SIZE } : { beforeSeq, limit: PAGE_SIZE });
      return page.ok
        ? { ok: true, value: { items: page.value.entries, nextBeforeSeq: page.value.nextBeforeSeq, total: page.value.globalSeq } }
        : page;
    },
  );
  // The signed texts behind the loaded rows: what each change says, and its detail when opened.
  const texts = createEnvelopeTexts(shell.connection);
  createEffect(() => void texts.load(feed.items()));
  const total = () => {
    const page = feed.first();
    return page?.ok ? (page.value.total ?? 0) : 0;
  };
  // Not keyed on the page: a live re-read updates the rows in place, so an opened row stays open.
  return (
    <Show
      when={feed.first()?.ok}
      fallback={
        <ResultView result={feed.first()} fallback={<ProgressBar label="Reading history…" />}>
          {() => null}
        </ResultView>
      }
    >
      <section class="card feed" data-testid="history">
        <div class="feed__head">
          <p class="feed__summary" data-testid="history-summary">
            {formatCount(total())} changes stored on this node
          </p>
          <button type="button" class="button button--ghost button--small" onClick={() => feed.refresh()} aria-label="Refresh">
            <Icon name="refresh" size={16} />
            Refresh
          </button>
        </div>
        <HistoryList entries={feed.items()} titleOf={props.titleOf} facts={texts.facts()} />
        <MoreButton feed={feed} label="Show older changes" />
      </section>
    </Show>
  );
}

function RejectionFeed(props: { titleOf: (slug: string) => string }): JSX.Element {
  const shell = useShell();
  const feed = createPagedFeed<Rejection>(
    () => shell.connection.revision() + 1,
    async (beforeSeq) => {
      const page = await shell.connection.call(
        "rejections",
        beforeSeq === undefined ? { limit: PAGE_SIZE } : { beforeSeq, limit: PAGE_SIZE },
      );
      return page.ok ? { ok: true, value: { items: page.value.rejections, nextBeforeSeq: page.value.nextBeforeSeq } } : page;
    },
  );
  return (
    <ResultView result={feed.first()} fallback={<ProgressBar label="Reading the audit log…" />}>
      {() => (
        <section class="card feed" data-testid="rejections">
          <div class="feed__head">
            <p class="feed__summary">Refused writes and envelopes, from the hash-chained audit log</p>
            <button type="button" class="button button--ghost button--small" onClick={() => feed.refresh()} aria-label="Refresh">
              <Icon name="refresh" size={16} />
              Refresh
            </button>
          </div>
          <RejectionList rejections={feed.items()} titleOf={props.titleOf} />
          <MoreButton feed={feed} label="Show older rejections" />
        </section>
      )}
    </ResultView>
  );
}

export function ActivityPage(props: { view: "activity" | "rejected" }): JSX.Element {
  const shell = useShell();
  const [apps] = createResource(() => shell.connection.call("listApps"));
  const titleOf = (slug: string): string => {
    const list = apps();
    return (list?.ok ? list.value.find((app) => app.slug === slug)?.title : undefined) ?? slug;
  };
  return (
    <main class="content" data-testid="activity" data-view={props.view}>
      <header class="page-head">
        <h1 class="page-head__title">Activity</h1>
        <p class="page-head__lead">
          What this node stored, newest first. Nothing is ever rewritten: a withdrawn change stays here, marked suppressed.
        </p>
      </header>
      <SegmentedTabs
        current={props.view}
        tabs={[
          { route: "activity", label: "History", testId: "tab-history" },
          { route: "rejected", label: "Rejected", testId: "tab-rejected" },
        ]}
      />
      <Show when={props.view === "activity"} fallback={<RejectionFeed titleOf={titleOf} />}>
        <HistoryFeed titleOf={titleOf} />
      </Show>
    </main>
  );
}
