// What one sync session asks its peer for with `want` (DESIGN §3): dependencies the pending set
// waits for, and stubs to fetch again once read rights change. Bounded, so a hostile package cannot
// grow it; it sends frames through the session and never ingests anything itself.
import type { IngestOutcome } from "../graph/index.ts";
import type { EnvelopeId } from "../shared/ids.ts";
import { FRAME_LIMITS, type SessionFrame } from "./transport/index.ts";

/** Dependencies one session asks for at a time (`want`), so a hostile package cannot grow the set. */
export const MAX_WANTED = 4_096;

export type WantListPorts = {
  /** The session's `send`: false when the frame did not go out. */
  readonly send: (frame: SessionFrame) => boolean;
  /** Stubs held, in id order after `afterId` (SyncNodePorts.stubIds). */
  readonly stubIds: (afterId: string, limit: number) => Promise<readonly string[]>;
  /** Moves whenever the node's ACL facts change (SyncNodePorts.aclGeneration). */
  readonly aclGeneration: () => number;
};

export type WantList = {
  /** Ids asked for and not yet received. */
  readonly ids: ReadonlySet<string>;
  /**
   * What a `have` may carry: the ids above and those asked for lately and since received or
   * forgotten by `clear` (a late or repeated answer), at most `MAX_WANTED` of the latter.
   */
  readonly asked: ReadonlySet<string>;
  /** Asks the peer for dependencies the pending set waits for, each at most once until `clear`. */
  want(ids: Iterable<string>): void;
  /** Asks for what the pending outcomes among these still miss. */
  wantMissingOf(outcomes: readonly IngestOutcome[]): void;
  /** The peer answered for this id (received, or the peer does not hold it). */
  settle(id: string): void;
  /** Forgets every question: a `want` or its `have` may have been lost (`tick` asks again). */
  clear(): void;
  refreshStubs(): Promise<void>;
};

export function createWantList(ports: WantListPorts): WantList {
  const wanted = new Set<string>();
  /** `wanted` and `earlier`: every id a `have` may carry now. */
  const asked = new Set<string>();
  /** Answered or forgotten lately, oldest first; bounded like `wanted`. */
  const earlier = new Set<string>();

  function remember(id: string): void {
    earlier.delete(id);
    earlier.add(id);
    if (earlier.size <= MAX_WANTED) return;
    const oldest = earlier.values().next().value!;
    earlier.delete(oldest);
    if (!wanted.has(oldest)) asked.delete(oldest);
  }

  // The ACL generation whose stubs were asked for, and where the pass through them stands.
  let stubsAskedAt = -1;
  let stubPass: string | null = null;

  function want(ids: Iterable<string>): void {
    const fresh = [...ids].filter((id) => !wanted.has(id)).slice(0, Math.max(0, MAX_WANTED - wanted.size));
    for (let i = 0; i < fresh.length; i += FRAME_LIMITS.maxIds) {
      const batch = fresh.slice(i, i + FRAME_LIMITS.maxIds);
      if (!ports.send({ kind: "want", envelope_ids: batch as EnvelopeId[] })) continue;
      for (const id of batch) {
        wanted.add(id);
        asked.add(id);
      }
    }
  }

  /**
   * A grant may let this node read links it holds as stubs: once the ACL facts move, ask the peer
   * for every stub again, a bounded batch per tick; the peer answers full where it may now.
   */
  async function refreshStubs(): Promise<void> {
    if (stubPass === null) {
      const generation = ports.aclGeneration();
      if (generation === stubsAskedAt) return;
      stubsAskedAt = generation;
      stubPass = "";
    }
    const ids = await ports.stubIds(stubPass, Math.max(0, MAX_WANTED - wanted.size));
    want(ids);
    stubPass = ids.length === 0 ? null : ids[ids.length - 1]!;
  }

  return {
    ids: wanted,
    asked,
    want,
    wantMissingOf: (outcomes) => want(outcomes.flatMap((o) => (o.status === "pending" ? o.missing : []))),
    settle: (id) => {
      if (wanted.delete(id)) remember(id);
    },
    clear: () => {
      for (const id of wanted) remember(id);
      wanted.clear();
    },
    refreshStubs,
  };
}
