// Sending packages (ADR 0026): the peer's cursors say where it stands and acknowledge what it took;
// this side pumps the next packages from there, at most a window in flight, rewinds a cursor that
// repeats once the session stalls, and counts what is left for the peer's progress. Never ingests.
import type { FromPeer } from "./from-peer.ts";
import type { FrameOf, SessionCore } from "./session-core.ts";

/** A sender counts what it has for its peer up to this many envelopes (a bound on the work). */
const MAX_COUNTED = 1_000_000;

export type PackageExportLimits = {
  readonly packageLimit: number;
  readonly maxInFlight: number;
  readonly rewindAfterMs: number;
  /** When the session started: its first progress. */
  readonly startedAt: number;
};

export type PackageExport = {
  readonly onCursors: (frame: FrameOf<"cursors">) => Promise<void>;
  /** Sends the next packages of `domain` while the window has room. */
  readonly pump: (domain: string) => Promise<void>;
  /** Once the peer's cursors are known and all is sent and acknowledged, tells the peer "0 left" (once). */
  readonly reportSentAll: () => void;
  /** Everything held in every negotiated domain went out (live push from now on). */
  readonly isCaughtUp: () => boolean;
  /** Caught up, and the peer acknowledged every package. */
  readonly sentAll: () => boolean;
  readonly inFlight: () => number;
  readonly packagesOut: () => number;
  readonly acked: () => Record<string, number>;
};

export function createPackageExport(core: SessionCore, fromPeer: FromPeer, limits: PackageExportLimits): PackageExport {
  const { node, clock } = core;
  const acked: Record<string, number> = {};
  const sendFrom: Record<string, number> = {};
  const caughtUp = new Set<string>();
  /** Per domain: the `to_seq` of each package sent and not yet acknowledged, oldest first. */
  const inFlight: Record<string, number[]> = {};
  /**
   * When the session last made progress: an ack moved a cursor, a package went out into an empty
   * window, a rewind. Over one ordered link a busy peer works through the packages of every domain
   * in turn, so one domain waits while others move. A repeated cursor rewinds only after
   * `rewindAfterMs` without any (ADR 0026).
   */
  let progressAt = limits.startedAt;
  let packagesOut = 0;
  /** This side told the peer it has sent all (reset by the next package it sends). */
  let toldSentAll = false;
  let counted = false;

  const packagesInFlight = (): number => Object.values(inFlight).reduce((n, list) => n + list.length, 0);
  const isCaughtUp = (): boolean => [...core.negotiated].every((d) => caughtUp.has(d));
  const sentAll = (): boolean => isCaughtUp() && packagesInFlight() === 0;

  async function onCursors(frame: FrameOf<"cursors">): Promise<void> {
    // The peer says where it stands (ADR 0026): its cursor acknowledges the packages up to it. A
    // cursor that has not moved since it last spoke while packages are on the way means they may be
    // lost, or merely still on the way to a busy peer: rewind there only once the session has made
    // no progress for `rewindAfterMs` (one rewind per loss, none for a slow link). A cursor below
    // the last is an old frame overtaken.
    for (const [domain, seq] of Object.entries(frame.cursors)) {
      if (!core.negotiated.has(domain)) continue;
      const before = acked[domain];
      if (before !== undefined && seq < before) continue;
      if (before === undefined || seq > before) progressAt = clock.now();
      acked[domain] = seq;
      inFlight[domain] = (inFlight[domain] ?? []).filter((to) => to > seq);
      const next = sendFrom[domain];
      if (next === undefined || seq >= next) sendFrom[domain] = seq;
      else if (seq === before) rewind(domain, seq);
    }
    // The first window goes out before the count (ADR 0027): counting reads every row after the
    // peer's cursor, and the peer has a window of packages to ingest meanwhile.
    for (const domain of sortedSystemFirst(core.negotiated)) await pump(domain);
    await countForPeer();
    reportSentAll();
    core.changed();
  }

  function rewind(domain: string, seq: number): void {
    const now = clock.now();
    if (now - progressAt < limits.rewindAfterMs) return;
    progressAt = now;
    sendFrom[domain] = seq;
    inFlight[domain] = [];
    core.recovered += 1;
  }

  async function pump(domain: string): Promise<void> {
    // The window (ADR 0026): at most `maxInFlight` packages on the way; the peer's next ack resumes.
    while (core.state === "syncing" && core.peer !== null && packagesInFlight() < limits.maxInFlight) {
      const pkg = await node.exportPackage(core.peer.identity, domain, sendFrom[domain] ?? 0, limits.packageLimit, fromPeer);
      if (!pkg.ok) {
        core.lastError = pkg.error;
        return;
      }
      if (pkg.value === null) {
        caughtUp.add(domain);
        return;
      }
      caughtUp.delete(domain);
      toldSentAll = false;
      if (!core.send({ kind: "package", frame: pkg.value.frame, envelopes: pkg.value.envelopes })) return;
      packagesOut += 1;
      sendFrom[domain] = pkg.value.frame.to_seq;
      if (packagesInFlight() === 0) progressAt = clock.now();
      (inFlight[domain] ??= []).push(pkg.value.frame.to_seq);
      await core.drained();
    }
  }

  /**
   * Progress (ADR 0026): once the peer's cursors are known and the first window is out, how many
   * envelopes this side has for it after what it sent (ADR 0027: the peer takes those packages before
   * this frame, so it counts them as done); and once all is sent and acknowledged, "0 left", so the
   * peer's "N of M" ends at M.
   */
  async function countForPeer(): Promise<void> {
    if (counted) return;
    counted = true;
    const pending: Record<string, number> = {};
    for (const d of [...core.negotiated].sort()) pending[d] = await node.countAfter(d, sendFrom[d] ?? acked[d] ?? 0, MAX_COUNTED);
    core.send({ kind: "progress", pending });
  }

  function reportSentAll(): void {
    if (!counted || toldSentAll || !sentAll()) return;
    toldSentAll = true;
    core.send({ kind: "progress", pending: Object.fromEntries([...core.negotiated].sort().map((d) => [d, 0])) });
  }

  return {
    onCursors,
    pump,
    reportSentAll,
    isCaughtUp,
    sentAll,
    inFlight: packagesInFlight,
    packagesOut: () => packagesOut,
    acked: () => ({ ...acked }),
  };
}

/** System domains first, so identities arrive before what they authored. */
function sortedSystemFirst(domains: ReadonlySet<string>): string[] {
  return [...domains].sort((a, b) => Number(!a.startsWith("system/")) - Number(!b.startsWith("system/")) || (a < b ? -1 : a > b ? 1 : 0));
}
