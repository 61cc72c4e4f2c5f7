// One sync session with one peer over one transport (DESIGN §3 "Session", D7): mutual puzzle
// admission, signed hellos bound to both nonces, domain negotiation, cursors, packages pulled by the
// receiver's cursors, then live push. The transport and its handle are never an identity.
// This file tells that story; each step is its own module beside it.
import { systemClock, systemRandom } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import { createAdmission } from "./admission.ts";
import { startFrameIntake, type FrameHandlers } from "./frame-intake.ts";
import { createFromPeer } from "./from-peer.ts";
import { startLivePush } from "./live-push.ts";
import { createPackageExport } from "./package-export.ts";
import { createPackageImport } from "./package-import.ts";
import { createSessionCore } from "./session-core.ts";
import type { SessionOptions, SessionStatus, SyncSession } from "./session-types.ts";
import { DEFAULT_MAX_FRAME_BYTES, versionText } from "./transport/index.ts";
import { createWantHave } from "./want-have.ts";

/** Packages decoded and prepared ahead of their turn at most (ADR 0027): the pipeline's depth. */
const PREPARED_AHEAD = 2;

export function startSession(options: SessionOptions): SyncSession {
  const { transport, node, guard } = options;
  const clock = options.clock ?? systemClock;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 30_000;
  const startedAt = clock.now();
  const offered = (): string[] => node.offeredDomains().filter((d) => options.domains === undefined || options.domains.includes(d));

  // What every step shares: state, peer, the serial queue, the ways to send, refuse and close.
  const core = createSessionCore({ transport, node, guard, clock, maxFrameBytes, changed: () => options.onChange?.(status()) });
  // Envelopes the peer sent in full: never offered back (ADR 0026).
  const fromPeer = createFromPeer();
  // Dependencies asked for and answered (`want`/`have`), stubs asked again when read rights move.
  const wantHave = createWantHave(core, fromPeer);
  // The peer's packages in; this side's cursors and acks out.
  const incoming = createPackageImport(core, fromPeer, wantHave.wants);
  // This side's packages out, pulled by the peer's cursors, a window at a time.
  const outgoing = createPackageExport(core, fromPeer, {
    packageLimit: options.packageLimit ?? 200,
    maxInFlight: options.maxPackagesInFlight ?? 8,
    rewindAfterMs: options.rewindAfterMs ?? 2_000,
    startedAt,
  });
  // Puzzles both ways, then hellos; once greeted: say where this side stands, and push live.
  const admission = createAdmission(core, {
    guard,
    random: options.random ?? systemRandom,
    ...(options.protocolVersion === undefined ? {} : { protocolVersion: options.protocolVersion }),
    offered,
    greeted: async () => {
      await incoming.sendCursors();
      startLivePush(core, { pump: outgoing.pump, reportSentAll: outgoing.reportSentAll });
    },
  });

  /** One named handler per frame kind; the intake has checked size, rate, admission and order first. */
  const handlers: FrameHandlers = {
    challenge: admission.onChallenge,
    solution: admission.onSolution,
    admitted: admission.onAdmitted,
    hello: admission.onHello,
    cursors: outgoing.onCursors,
    package: incoming.onPackage,
    progress: incoming.onProgress,
    want: wantHave.onWant,
    have: wantHave.onHave,
    domains: () => Promise.resolve(), // negotiation is by intersection of the hellos
    error: (frame) => {
      core.lastError = nodeError(frame.code, `The peer reported ${frame.code}.`, { reason: frame.reason, from: "peer" });
      core.changed();
      return Promise.resolve();
    },
    close: (frame) => {
      core.closeReason = frame.reason;
      core.close(frame.reason);
      return Promise.resolve();
    },
  };
  const intake = startFrameIntake(core, {
    transport,
    handlers,
    isPeerAdmitted: admission.isPeerAdmitted,
    // Package n+1 is decoded and its signatures checked while package n commits (ADR 0027).
    early: {
      ready: () => core.state === "syncing" && core.peer !== null,
      prepare: incoming.prepare,
      package: incoming.onPackage,
      aheadOf: PREPARED_AHEAD,
    },
    drainedQueue: incoming.sendAcks,
    maxRate: options.maxMessagesPerSecond ?? 200,
    maxFrameBytes,
    maxQueuedFrames: options.maxQueuedFrames ?? 64,
  });

  function status(): SessionStatus {
    const syncing = core.state === "syncing";
    return {
      state: core.state,
      peer: core.peer,
      negotiated: [...core.negotiated].sort(),
      protocol: core.effectiveVersion === null ? null : versionText(core.effectiveVersion),
      received: incoming.received(),
      acked: outgoing.acked(),
      packagesIn: incoming.packagesIn(),
      packagesOut: outgoing.packagesOut(),
      live: syncing && outgoing.isCaughtUp(),
      wanted: wantHave.wants.ids.size,
      queued: intake.queued(),
      inFlight: outgoing.inFlight(),
      recovered: core.recovered,
      progress: incoming.progress(),
      upToDate: syncing && outgoing.sentAll() && incoming.peerSentAll() && wantHave.wants.ids.size === 0,
      lastError: core.lastError,
      closeReason: core.closeReason,
    };
  }

  let tickQueued = false;
  function tick(): Promise<void> {
    // Every step before the hellos can be lost too (a challenge, a solution, a hello): give up
    // after `handshakeTimeoutMs`, so whoever opened the link can open a fresh one.
    if (core.state === "admitting" || core.state === "greeting") {
      if (clock.now() - startedAt >= handshakeTimeoutMs) core.close("handshake_timeout");
      return core.idle();
    }
    // A slow node queues ticks behind its work: one waiting is enough.
    if (tickQueued || core.state !== "syncing") return core.idle();
    tickQueued = true;
    return core.enqueue(async () => {
      tickQueued = false;
      if (core.state !== "syncing") return;
      await incoming.tick(); // where this side stands, for lost acks and a lost last package
      await wantHave.askAgain(); // a `want` or its `have` may have been lost
    });
  }

  if (transport.state === "open") admission.begin();
  else transport.onOpen(admission.begin);

  return { status, tick, idle: core.idle, close: (reason) => core.close(reason) };
}
