// A newest-first list read page by page (history, rejections): the first page re-reads whenever
// `source` changes (a write through this tab), older pages load on request.
import { createResource, createSignal, type Accessor, type Resource } from "solid-js";
import type { ShellError, ShellResult } from "./node-client.ts";

export type FeedPage<T> = { readonly items: readonly T[]; readonly nextBeforeSeq: number | null; readonly total?: number };

export type PagedFeed<T> = {
  readonly first: Resource<ShellResult<FeedPage<T>>>;
  /** Every item loaded so far, newest first. */
  readonly items: Accessor<readonly T[]>;
  readonly hasMore: Accessor<boolean>;
  readonly loadingMore: Accessor<boolean>;
  readonly moreError: Accessor<ShellError | undefined>;
  loadMore(): Promise<void>;
  refresh(): void;
};

export function createPagedFeed<T>(
  source: Accessor<unknown>,
  fetchPage: (beforeSeq: number | undefined) => Promise<ShellResult<FeedPage<T>>>,
): PagedFeed<T> {
  const [older, setOlder] = createSignal<readonly T[]>([]);
  const [cursor, setCursor] = createSignal<number | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [moreError, setMoreError] = createSignal<ShellError>();
  const [first, { refetch }] = createResource(source, async () => {
    const page = await fetchPage(undefined);
    setOlder([]);
    setMoreError(undefined);
    setCursor(page.ok ? page.value.nextBeforeSeq : null);
    return page;
  });

  async function loadMore(): Promise<void> {
    const before = cursor();
    if (before === null || loadingMore()) return;
    setLoadingMore(true);
    setMoreError(undefined);
    const page = await fetchPage(before);
    setLoadingMore(false);
    if (!page.ok) return void setMoreError(page.error);
    setOlder((items) => [...items, ...page.value.items]);
    setCursor(page.value.nextBeforeSeq);
  }

  const items = (): readonly T[] => {
    const page = first();
    return [...(page?.ok ? page.value.items : []), ...older()];
  };

  return { first, items, hasMore: () => cursor() !== null, loadingMore, moreError, loadMore, refresh: () => void refetch() };
}
