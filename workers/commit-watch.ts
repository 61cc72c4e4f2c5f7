// Commit notices to the shell's page (issue 15): after every commit — a local write, a mini-app's,
// or a peer's synced envelope — the page learns that the graph moved, so open screens re-read
// without polling or a reload. Backpressured by construction: one notice in flight at a time,
// acknowledged by the page's promise; commits meanwhile coalesce into the next notice, so a sync
// of ten thousand envelopes is a handful of notices and memory stays flat.
import { ok, type Result } from "../src/core/index.ts";
import { watchRequest } from "./watch-request.ts";

import type { CommitNotice } from "../src/rpc/node-api.ts";

export type { CommitNotice };

export type CommitSource = { onCommit(listener: (commit: { readonly seq: number; readonly app: string }) => void): () => void };

/** Delivers coalesced notices to `deliver` until closed, or until a delivery fails (the page left). */
export function watchCommits(source: CommitSource, deliver: (notice: CommitNotice) => Promise<unknown>): { close(): void } {
  let pending: { toSeq: number; apps: Set<string>; commits: number } | undefined;
  let inFlight = false;
  let closed = false;

  async function flush(): Promise<void> {
    while (!closed && pending !== undefined) {
      const next = pending;
      pending = undefined;
      inFlight = true;
      try {
        await deliver({ toSeq: next.toSeq, apps: [...next.apps].sort(), commits: next.commits });
      } catch {
        stop();
      } finally {
        inFlight = false;
      }
    }
  }

  const unlisten = source.onCommit((commit) => {
    if (closed) return;
    pending ??= { toSeq: commit.seq, apps: new Set(), commits: 0 };
    pending.toSeq = Math.max(pending.toSeq, commit.seq);
    pending.apps.add(commit.app);
    pending.commits += 1;
    if (!inFlight) void flush();
  });

  function stop(): void {
    closed = true;
    pending = undefined;
    unlisten();
  }
  return { close: stop };
}

export type CommitService = {
  /** `onNotice` is a Comlink.proxy; its returned promise acknowledges the notice. */
  readonly watchCommits: (...args: unknown[]) => Promise<Result<void>>;
  readonly closeWatches: () => void;
};

export function createCommitService(node: CommitSource): CommitService {
  const watches: { close(): void }[] = [];
  return {
    watchCommits(...args) {
      const request = watchRequest("watchCommits", args, watches.length, "the node's commits");
      if (!request.ok) return Promise.resolve(request);
      const onNotice = request.value as (notice: CommitNotice) => unknown;
      watches.push(watchCommits(node, (notice) => Promise.resolve(onNotice(notice))));
      return Promise.resolve(ok(undefined));
    },
    closeWatches() {
      for (const watch of watches.splice(0)) watch.close();
    },
  };
}
