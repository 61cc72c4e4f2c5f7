// The page's commit notices: delivered in order, coalesced while the page has not acknowledged,
// never more than one in flight, and stopped when closed or when the page's side fails.
import { describe, expect, it } from "vitest";
import { createCommitService, watchCommits, type CommitNotice, type CommitSource } from "./commit-watch.ts";

function source(): CommitSource & { commit(seq: number, app: string): void; listeners: number } {
  const listeners = new Set<(c: { seq: number; app: string }) => void>();
  return {
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    commit(seq, app) {
      for (const l of listeners) l({ seq, app });
    },
    get listeners() {
      return listeners.size;
    },
  };
}

/** A page whose acknowledgements the test releases one at a time. */
function page() {
  const seen: CommitNotice[] = [];
  const acks: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    seen,
    get maxInFlight() {
      return maxInFlight;
    },
    deliver(notice: CommitNotice): Promise<void> {
      seen.push(notice);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) =>
        acks.push(() => {
          inFlight -= 1;
          resolve();
        }),
      );
    },
    async ack(): Promise<void> {
      acks.shift()?.();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

describe("commit notices to the page", () => {
  it("delivers the first commit at once and coalesces the rest until the page acknowledges", async () => {
    const s = source();
    const p = page();
    watchCommits(s, (n) => p.deliver(n));
    s.commit(1, "app.contacts");
    expect(p.seen).toEqual([{ toSeq: 1, apps: ["app.contacts"], commits: 1 }]);
    for (let seq = 2; seq <= 1000; seq++) s.commit(seq, seq % 2 === 0 ? "app.notes" : "system");
    expect(p.seen).toHaveLength(1);
    await p.ack();
    expect(p.seen[1]).toEqual({ toSeq: 1000, apps: ["app.notes", "system"], commits: 999 });
    await p.ack();
    expect(p.seen).toHaveLength(2);
    expect(p.maxInFlight).toBe(1);
  });

  it("stops listening when closed, and when the page's side fails", async () => {
    const s = source();
    const p = page();
    const watch = watchCommits(s, (n) => p.deliver(n));
    expect(s.listeners).toBe(1);
    watch.close();
    expect(s.listeners).toBe(0);
    s.commit(1, "system");
    expect(p.seen).toEqual([]);

    let calls = 0;
    watchCommits(s, () => {
      calls += 1;
      return Promise.reject(new Error("page gone"));
    });
    s.commit(2, "system");
    for (let i = 0; i < 5; i++) await Promise.resolve();
    s.commit(3, "system");
    expect(calls).toBe(1);
    expect(s.listeners).toBe(0);
  });
});

describe("the page's watchCommits", () => {
  it("refuses anything but one callback (not_a_function) and a third watch (ERR_RESOURCE_RATE_LIMIT); closeWatches stops all", async () => {
    const s = source();
    const service = createCommitService(s);
    expect(await service.watchCommits()).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "not_a_function" } },
    });
    expect(await service.watchCommits("callback")).toMatchObject({ ok: false, error: { data: { reason: "not_a_function" } } });
    expect(
      await service.watchCommits(
        () => undefined,
        () => undefined,
      ),
    ).toMatchObject({ ok: false, error: { data: { reason: "not_a_function" } } });
    expect(s.listeners).toBe(0);
    const seen: CommitNotice[] = [];
    expect(await service.watchCommits((n: CommitNotice) => void seen.push(n))).toEqual({ ok: true, value: undefined });
    expect((await service.watchCommits(() => undefined)).ok).toBe(true);
    expect(await service.watchCommits(() => undefined)).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "watches" } },
    });
    expect(s.listeners).toBe(2);
    s.commit(1, "system");
    expect(seen).toEqual([{ toSeq: 1, apps: ["system"], commits: 1 }]);
    service.closeWatches();
    expect(s.listeners).toBe(0);
  });
});
