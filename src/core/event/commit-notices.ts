// Turns the Graph's commit reports into the Event manager's notices (public design 11): after each
// commit, never for rejected writes, in commit order on one promise chain. It reads the changed
// objects' summaries through a narrow port (ids, never bodies); the Event manager itself reads nothing.
import type { NodeError } from "../shared/errors.ts";
import type { EventManager } from "./event-manager.ts";
import type { CommitNotice, CommitObject } from "./graph-event.ts";

/** The two reads a notice costs; the Storage manager satisfies it. */
export type CommitObjectReads = {
  versionsOfEnvelopes(envelopeIds: readonly string[]): Promise<readonly { readonly objectId: string }[]>;
  getObjects(ids: readonly string[]): Promise<ReadonlyMap<string, CommitObject>>;
};

export type CommitNoticePorts = {
  readonly events: Pick<EventManager, "publish" | "stats">;
  readonly reads: CommitObjectReads;
  /** A notice the Event manager refused (a wiring bug): the node reports the Graph degraded. */
  readonly onPublishFailed: (error: NodeError) => void;
};

export type CommitNotices = {
  /** The Graph's commit listener (graph/ports.ts CommitListener). */
  readonly onCommit: (commit: Omit<CommitNotice, "objects">) => void;
  /** Resolves once every notice queued so far has been published. */
  settled(): Promise<void>;
};

export function createCommitNotices(ports: CommitNoticePorts): CommitNotices {
  const { events, reads } = ports;
  let chain: Promise<void> = Promise.resolve();

  /** The objects an accepted envelope created or updated, for its event notice (ids, never bodies). */
  async function changedObjects(envelopeId: string): Promise<CommitObject[]> {
    const versions = await reads.versionsOfEnvelopes([envelopeId]);
    const rows = await reads.getObjects([...new Set(versions.map((v) => v.objectId))]);
    return [...rows.values()].map((row) => ({ id: row.id, kind: row.kind, typeKey: row.typeKey, owner: row.owner }));
  }

  return {
    onCommit(commit) {
      if (commit.status !== "accepted") return;
      chain = chain.then(async () => {
        // Nobody subscribed: skip the two reads a notice costs (measured: most of what sync spends
        // beyond ingest). A subscription opened later hears of later commits, as it would anyway.
        if (events.stats().subscriptions === 0) return;
        const objects = await changedObjects(commit.envelopeId);
        const published = events.publish({ ...commit, objects });
        if (!published.ok) ports.onPublishFailed(published.error);
      });
    },
    settled: () => chain,
  };
}
