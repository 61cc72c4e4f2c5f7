// Commit notices (public design 11): one per accepted commit, in commit order, none for suppressed
// writes, no reads while nobody subscribes, a refused notice reported rather than thrown.
import { describe, expect, it } from "vitest";
import { nodeError, type NodeError } from "../shared/errors.ts";
import { ok, err, type Result } from "../shared/result.ts";
import { createCommitNotices, type CommitNotice, type CommitObject, type CommitObjectReads } from "./index.ts";

const NOTE: CommitObject = { id: "e1:0", kind: "parent", typeKey: "notes.note", owner: "me" };

function setup(options: { subscriptions?: number; publish?: (notice: CommitNotice) => Result<void> } = {}) {
  const published: CommitNotice[] = [];
  const failures: NodeError[] = [];
  let reads = 0;
  const storage: CommitObjectReads = {
    versionsOfEnvelopes: (ids) => {
      reads += 1;
      return Promise.resolve(ids.map((id) => ({ objectId: `${id}:0` })));
    },
    getObjects: (ids) => {
      reads += 1;
      return Promise.resolve(new Map(ids.map((id) => [id, { ...NOTE, id, extra: "not copied" } as CommitObject])));
    },
  };
  const notices = createCommitNotices({
    events: {
      stats: () => ({ subscriptions: options.subscriptions ?? 1, queued: 0 }),
      publish: (notice) => {
        published.push(notice);
        return options.publish?.(notice) ?? ok(undefined);
      },
    },
    reads: storage,
    onPublishFailed: (error) => failures.push(error),
  });
  return { notices, published, failures, reads: () => reads };
}

const commit = (envelopeId: string, seq: number, status: "accepted" | "suppressed" = "accepted") =>
  ({ envelopeId, seq, app: "app.notes", domain: "notes", status }) as const;

describe("commit notices", () => {
  it("publishes one notice per accepted commit, in commit order, with the changed objects' summaries", async () => {
    const { notices, published } = setup();
    notices.onCommit(commit("e1", 1));
    notices.onCommit(commit("e2", 2));
    await notices.settled();
    expect(published.map((n) => n.seq)).toEqual([1, 2]);
    expect(published[0]).toEqual({ ...commit("e1", 1), objects: [{ id: "e1:0", kind: "parent", typeKey: "notes.note", owner: "me" }] });
  });

  it("never publishes a suppressed commit", async () => {
    const { notices, published, reads } = setup();
    notices.onCommit(commit("e1", 1, "suppressed"));
    await notices.settled();
    expect(published).toEqual([]);
    expect(reads()).toBe(0);
  });

  it("skips the reads while nobody subscribes", async () => {
    const { notices, published, reads } = setup({ subscriptions: 0 });
    notices.onCommit(commit("e1", 1));
    await notices.settled();
    expect(published).toEqual([]);
    expect(reads()).toBe(0);
  });

  it("reports a notice the Event manager refuses (internal_error) and goes on", async () => {
    const { notices, published, failures } = setup({
      publish: (n) => (n.seq === 1 ? err(nodeError("internal_error", "refused", { reason: "seq_not_increasing" })) : ok(undefined)),
    });
    notices.onCommit(commit("e1", 1));
    notices.onCommit(commit("e2", 2));
    await notices.settled();
    expect(failures.map((f) => f.code)).toEqual(["internal_error"]);
    expect(published.map((n) => n.seq)).toEqual([1, 2]);
  });
});
