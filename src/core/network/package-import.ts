// Receiving packages (ADR 0026): each accepted package moves this side's cursor for its domain and
// is acknowledged soon, in batches; a gap or overlap is reported once per cursor so the sender
// resyncs; the peer's `progress` gives the "N of M". Ingesting is the node's (acceptPackage).
import type { EarlyPackage } from "./frame-intake.ts";
import type { FromPeer } from "./from-peer.ts";
import type { FrameOf, SessionCore } from "./session-core.ts";
import type { WantList } from "./want-list.ts";

/** A receiver acks at the latest after this many accepted packages (a sender's window is larger). */
const ACK_EVERY = 4;

export type PackageImport = {
  readonly onPackage: (frame: FrameOf<"package">, early?: EarlyPackage) => Promise<void>;
  readonly prepare: (frame: FrameOf<"package">) => EarlyPackage;
  readonly onProgress: (frame: FrameOf<"progress">) => Promise<void>;
  /** Tells the peer this side's cursors in every negotiated domain, as stored. */
  readonly sendCursors: () => Promise<void>;
  /** Acknowledges the domains that moved since the last ack (call once the inbound queue is empty). */
  readonly sendAcks: () => void;
  /**
   * The tick's part (lost acks, a lost last package): say where this side stands, but only when no
   * package was accepted since the last tick (then the acks said it), so a busy receiver's tick
   * never looks like a loss to its sender.
   */
  readonly tick: () => Promise<void>;
  readonly received: () => Record<string, number>;
  readonly packagesIn: () => number;
  readonly progress: () => { done: number; total: number };
  /** The peer said it has sent all, and sent nothing since. */
  readonly peerSentAll: () => boolean;
};

export function createPackageImport(core: SessionCore, fromPeer: FromPeer, wants: WantList): PackageImport {
  const { node } = core;
  const received: Record<string, number> = {};
  let packagesIn = 0;
  /** Accepted a package since the last tick: the acks say where this side stands, the tick need not. */
  let acceptedSinceTick = false;
  /** Per domain: the cursor a gap was last reported at; a repeat waits for the tick. */
  const gapReported: Record<string, number> = {};
  /** Domains whose accepted packages this side has not acknowledged yet. */
  const unacked = new Set<string>();
  let acceptedSinceAck = 0;
  /** Incoming progress: envelopes accepted, the peer's last count of what it had left, and whether it said "all sent". */
  let changesIn = 0;
  let expectedIn = 0;
  let peerSentAll = false;

  /** The checks that need no state (ADR 0027): run ahead, while the package before commits. */
  function prepare(frame: FrameOf<"package">): EarlyPackage {
    return node.preparePackage(core.peer!, core.negotiated, { frame: frame.frame, envelopes: frame.envelopes });
  }

  async function onPackage(frame: FrameOf<"package">, early?: EarlyPackage): Promise<void> {
    // Packages commit one at a time, in the order they came; the next ones were prepared meanwhile.
    const prepared = await (early ?? prepare(frame));
    const accepted = prepared.ok ? await node.commitPackage(core.peer!, prepared.value) : prepared;
    if (accepted.ok) {
      packagesIn += 1;
      acceptedSinceTick = true;
      changesIn += frame.envelopes.length;
      fromPeer.remember(accepted.value);
      peerSentAll = false;
      received[frame.frame.sync_domain] = frame.frame.to_seq;
      delete gapReported[frame.frame.sync_domain];
      ackSoon(frame.frame.sync_domain);
      wants.wantMissingOf(accepted.value);
      core.changed();
      return;
    }
    const reason = accepted.error.data["reason"];
    // ADR 0017: this node's own log cannot write, so it took nothing; the peer did no wrong. The
    // cursor stays, and the next package after recovery finds the gap and resyncs.
    if (accepted.error.code === "ERR_MNG_LOG_UNAVAILABLE") {
      core.lastError = accepted.error;
      core.changed();
      return;
    }
    if (accepted.error.code === "ERR_SYNC_SEQUENCE_INVALID") {
      // A duplicate is harmless; a gap or overlap means frames were lost or reordered: an expected
      // event, audited but not an error. Say where this side stands, once per cursor (the tick repeats).
      if (reason === "replayed") return;
      node.recordRejection(accepted.error, { connection: core.connectionId, peer: core.peer?.identity ?? null });
      core.recovered += 1;
      const domain = frame.frame.sync_domain;
      const cursor = Number(accepted.error.data["cursor"]);
      if (gapReported[domain] !== cursor) {
        gapReported[domain] = cursor;
        unacked.add(domain);
        sendAcks();
      }
      core.changed();
      return;
    }
    return core.violation(accepted.error, "violation");
  }

  function onProgress(frame: FrameOf<"progress">): Promise<void> {
    const left = Object.entries(frame.pending).reduce((n, [d, count]) => n + (core.negotiated.has(d) ? count : 0), 0);
    expectedIn = changesIn + left;
    peerSentAll = left === 0;
    core.changed();
    return Promise.resolve();
  }

  async function sendCursors(): Promise<void> {
    if (core.peer === null) return;
    const mine = await node.cursors(core.peer.identity);
    const cursors = Object.fromEntries([...core.negotiated].sort().map((d) => [d, mine[d] ?? 0]));
    for (const [d, seq] of Object.entries(cursors)) received[d] = seq;
    core.send({ kind: "cursors", cursors });
  }

  /**
   * Acks (ADR 0026): the cursors of the domains that moved, from memory (no storage read), once
   * nothing else waits in the queue or every ACK_EVERY packages, so a window of packages costs
   * one or two frames back, not one each (the peer counts frames against its rate limit).
   */
  function ackSoon(domain: string): void {
    unacked.add(domain);
    if (++acceptedSinceAck >= ACK_EVERY) sendAcks();
  }

  function sendAcks(): void {
    if (unacked.size === 0) return;
    const cursors = Object.fromEntries([...unacked].sort().map((d) => [d, received[d] ?? 0]));
    unacked.clear();
    acceptedSinceAck = 0;
    core.send({ kind: "cursors", cursors });
  }

  async function tick(): Promise<void> {
    if (!acceptedSinceTick) await sendCursors();
    acceptedSinceTick = false;
  }

  return {
    onPackage,
    prepare,
    onProgress,
    sendCursors,
    sendAcks,
    tick,
    received: () => ({ ...received }),
    packagesIn: () => packagesIn,
    progress: () => ({ done: changesIn, total: peerSentAll ? changesIn : Math.max(expectedIn, changesIn) }),
    peerSentAll: () => peerSentAll,
  };
}
