// Live push (DESIGN §3): once greeted, every commit in a negotiated domain pumps that domain to the
// peer, so new envelopes go out without waiting for the peer to ask. Follows commits, sends nothing itself.
import type { SessionCore } from "./session-core.ts";

export type LivePushDeps = {
  readonly pump: (domain: string) => Promise<void>;
  readonly reportSentAll: () => void;
};

/** Follows the node's commits until the session closes. */
export function startLivePush(core: SessionCore, deps: LivePushDeps): void {
  /** Domains whose pump waits in the queue: a burst of commits needs one pass, not one each. */
  const pumpScheduled = new Set<string>();

  function schedulePump(domain: string): void {
    if (pumpScheduled.has(domain)) return;
    pumpScheduled.add(domain);
    void core.enqueue(async () => {
      pumpScheduled.delete(domain);
      await deps.pump(domain);
      deps.reportSentAll();
    });
  }

  const unsubscribe = core.node.onCommit((commit) => {
    const domain = `${commit.app}/${commit.domain}`;
    if (core.negotiated.has(domain)) schedulePump(domain);
  });
  core.onClosed(unsubscribe);
}
