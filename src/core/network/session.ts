// One sync session with one peer over one transport (DESIGN §3 "Session", D7): mutual puzzle
// admission, signed hellos bound to both nonces, domain negotiation, cursors, packages pulled by the
// receiver's cursors, then live push. The transport and its handle are never an identity.
import type { DosGuard } from "../dos-guard/index.ts";
import type { IngestOutcome } from "../graph/index.ts";
import { systemClock, systemRandom, type Clock, type Random } from "../shared/clock.ts";
import { nodeError, isProtocolErrorCode, type NodeError } from "../shared/errors.ts";
import type { SessionPeer } from "../state/index.ts";
import type { SyncNodePorts } from "./ports.ts";
import {
  buildHello,
  decodeFrame,
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  newSessionNonce,
  PRE_ADMISSION_KINDS,
  PRE_ADMISSION_MAX_FRAME_BYTES,
  verifyHello,
  type SessionFrame,
  type Transport,
} from "./transport/index.ts";
import { createRecentIds } from "./recent-ids.ts";
import { createWantList, MAX_WANTED } from "./want-list.ts";

export type SessionState = "admitting" | "greeting" | "syncing" | "closed";

export type SessionStatus = {
  readonly state: SessionState;
  readonly peer: SessionPeer | null;
  readonly negotiated: readonly string[];
  /** Per domain: how far this node has received the peer's history. */
  readonly received: Readonly<Record<string, number>>;
  /** Per domain: how far the peer says it has received ours. */
  readonly acked: Readonly<Record<string, number>>;
  readonly packagesIn: number;
  readonly packagesOut: number;
  /** True once everything this side holds in every negotiated domain has been sent: from now on, live push. */
  readonly live: boolean;
  /** Dependencies asked for with `want` and not yet received. */
  readonly wanted: number;
  /** Received frames waiting to be handled (at most `maxQueuedFrames`). */
  readonly queued: number;
  /** Packages sent and not yet acknowledged by the peer's cursors (at most `maxPackagesInFlight`). */
  readonly inFlight: number;
  /**
   * Expected protocol events this session recovered from by itself: a package lost or out of turn
   * (resync), a rewind, a late answer to a `want`. Not errors: nothing needs the person.
   */
  readonly recovered: number;
  /**
   * Changes (envelopes) received from the peer in this session, of how many it said it had for
   * this node (ADR 0026 `progress`): "done of total"; total is done once the peer has sent all.
   */
  readonly progress: { readonly done: number; readonly total: number };
  /** Converged: this side has sent all and the peer acked it, the peer says it has sent all, nothing is missing. */
  readonly upToDate: boolean;
  /** The last refusal or failure that needs attention; recovered events never land here. */
  readonly lastError: NodeError | null;
  readonly closeReason: string | null;
};

export type SessionOptions = {
  readonly transport: Transport;
  readonly node: SyncNodePorts;
  readonly guard: DosGuard;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Envelopes per package (at most 1,000). */
  readonly packageLimit?: number;
  /** Messages a peer may send per second before the guard hears of it. */
  readonly maxMessagesPerSecond?: number;
  readonly maxFrameBytes?: number;
  /** Received frames waiting to be handled; beyond it the peer's frames are dropped and reported. */
  readonly maxQueuedFrames?: number;
  /**
   * Packages sent and not yet acknowledged (ADR 0026): the sender never has more on the way, so it
   * cannot fill its peer's inbound queue however slow the peer is. Default 8.
   */
  readonly maxPackagesInFlight?: number;
  /**
   * A cursor that repeats rewinds only once the session has made no progress for this long (no ack
   * moved a cursor, nothing went out into an empty window, no rewind): packages on the way are not lost.
   */
  readonly rewindAfterMs?: number;
  /** A session not past its hellos after this long closes (`handshake_timeout`) on the next tick. */
  readonly handshakeTimeoutMs?: number;
  /** Offer only these of the node's domains in this session (a device that syncs a subset). */
  readonly domains?: readonly string[];
  readonly onChange?: (status: SessionStatus) => void;
};

export type SyncSession = {
  status(): SessionStatus;
  /** Resends what the peer has not acknowledged and tells it where this side stands (call periodically). */
  tick(): Promise<void>;
  /** Resolves once every frame received so far has been handled. */
  idle(): Promise<void>;
  close(reason?: string): void;
};

/** A receiver acks at the latest after this many accepted packages (a sender's window is larger). */
const ACK_EVERY = 4;

/** Frame kinds that carry sync work, allowed only once the hellos are done. */
const AFTER_HELLO = new Set(["domains", "cursors", "progress", "package", "want", "have"]);

/**
 * Ids of envelopes the peer sent that a session remembers, to offer none back. A package's
 * envelopes are offered back (if at all) by the pump right after they commit, so the recent ones suffice.
 */
const MAX_FROM_PEER = 16_384;

/** A sender counts what it has for its peer up to this many envelopes (a bound on the work). */
const MAX_COUNTED = 1_000_000;

type FrameKind = SessionFrame["kind"];
type FrameOf<K extends FrameKind> = Extract<SessionFrame, { kind: K }>;
type FrameHandlers = { [K in FrameKind]: (frame: FrameOf<K>) => Promise<void> };

export function startSession(options: SessionOptions): SyncSession {
  const { transport, node, guard } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const packageLimit = options.packageLimit ?? 200;
  const maxRate = options.maxMessagesPerSecond ?? 200;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const maxQueuedFrames = options.maxQueuedFrames ?? 64;
  const maxInFlight = options.maxPackagesInFlight ?? 8;
  const rewindAfterMs = options.rewindAfterMs ?? 2_000;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 30_000;
  const startedAt = clock.now();
  const connection = { connectionId: transport.id };
  const myNonce = newSessionNonce(random);
  const offered = (): string[] => node.offeredDomains().filter((d) => options.domains === undefined || options.domains.includes(d));

  let state: SessionState = "admitting";
  let peerAdmitted = false; // we admitted the peer (it solved our puzzle)
  let peerNonce: string | null = null; // the peer admitted us and told us its nonce
  let helloSent = false;
  let peer: SessionPeer | null = null;
  let negotiated = new Set<string>();
  const received: Record<string, number> = {};
  const acked: Record<string, number> = {};
  const sendFrom: Record<string, number> = {};
  let packagesIn = 0;
  let packagesOut = 0;
  let queuedFrames = 0;
  let dropped = 0;
  const caughtUp = new Set<string>();
  /** Per domain: the `to_seq` of each package sent and not yet acknowledged, oldest first. */
  const inFlight: Record<string, number[]> = {};
  /**
   * When the session last made progress: an ack moved a cursor, a package went out into an empty
   * window, a rewind. Over one ordered link a busy peer works through the packages of every domain
   * in turn, so one domain waits while others move. A repeated cursor rewinds only after
   * `rewindAfterMs` without any (ADR 0026).
   */
  let progressAt = startedAt;
  /** Full envelopes the peer sent in this session, most recent last: never offered back (ADR 0026). */
  const fromPeer = createRecentIds(MAX_FROM_PEER);
  /** Accepted a package since the last tick: the acks say where this side stands, the tick need not. */
  let acceptedSinceTick = false;
  /** Per domain: the cursor a gap was last reported at; a repeat waits for the tick. */
  const gapReported: Record<string, number> = {};
  /** Domains whose pump waits in the queue: a burst of commits needs one pass, not one each. */
  const pumpScheduled = new Set<string>();
  let tickQueued = false;
  /** Domains whose accepted packages this side has not acknowledged yet. */
  const unacked = new Set<string>();
  let acceptedSinceAck = 0;
  let recovered = 0;
  /** Incoming progress: envelopes accepted, the peer's last count of what it had left, and whether it said "all sent". */
  let changesIn = 0;
  let expectedIn = 0;
  let peerSentAll = false;
  /** This side told the peer it has sent all (reset by the next package it sends). */
  let toldSentAll = false;
  let counted = false;
  const wants = createWantList({
    send,
    stubIds: (afterId, limit) => node.stubIds(afterId, limit),
    aclGeneration: () => node.aclGeneration(),
  });
  let lastError: NodeError | null = null;
  let closeReason: string | null = null;
  let windowStart = clock.now();
  let windowCount = 0;
  let queue: Promise<void> = Promise.resolve();
  let unsubscribeCommits: (() => void) | null = null;

  const status = (): SessionStatus => ({
    state,
    peer,
    negotiated: [...negotiated].sort(),
    received: { ...received },
    acked: { ...acked },
    packagesIn,
    packagesOut,
    live: state === "syncing" && [...negotiated].every((d) => caughtUp.has(d)),
    wanted: wants.ids.size,
    queued: queuedFrames,
    inFlight: packagesInFlight(),
    recovered,
    progress: { done: changesIn, total: peerSentAll ? changesIn : Math.max(expectedIn, changesIn) },
    upToDate: state === "syncing" && sentAll() && peerSentAll && wants.ids.size === 0,
    lastError,
    closeReason,
  });
  const changed = () => options.onChange?.(status());

  /** Serial: frames, pumps and ticks never interleave. A failure in one step never stops the next. */
  function enqueue(step: () => Promise<void>): Promise<void> {
    queue = queue.then(step).catch((cause: unknown) => {
      lastError = nodeError("internal_error", cause instanceof Error ? cause.message : String(cause));
    });
    return queue;
  }

  function send(frame: SessionFrame): boolean {
    if (state === "closed") return false;
    const bytes = encodeFrame(frame, { maxFrameBytes });
    if (!bytes.ok) {
      lastError = bytes.error;
      return false;
    }
    const sent = transport.send(bytes.value);
    if (!sent.ok) lastError = sent.error;
    return sent.ok;
  }

  /** Waits for the transport to drain below its low-water mark (backpressure, ADR 0008). */
  function drained(): Promise<void> {
    if (transport.bufferedAmount() <= transport.limits.lowWaterMark || state === "closed") return Promise.resolve();
    return new Promise((resolve) => {
      const off = transport.onDrain(() => {
        off();
        resolve();
      });
      const offClose = transport.onClose(() => {
        offClose();
        resolve();
      });
    });
  }

  function close(reason = "closed_locally"): void {
    if (state === "closed") return;
    send({ kind: "close", reason });
    state = "closed";
    closeReason = reason;
    unsubscribeCommits?.();
    guard.release(connection.connectionId);
    transport.close(reason);
    changed();
  }

  /** The peer's input was refused: remember it for status and record it for audit. */
  function rejected(error: NodeError): void {
    lastError = error;
    node.recordRejection(error, { connection: connection.connectionId, peer: peer?.identity ?? null });
  }

  /** A protocol violation: tell the peer the code (never the input), and let the guard decide. */
  function violation(error: NodeError, event: "violation" | "malformed_frame" | "rate_exceeded"): void {
    rejected(error);
    if (isProtocolErrorCode(error.code)) send({ kind: "error", code: error.code, reason: String(error.data["reason"] ?? "rejected") });
    const verdict = guard.report(connection.connectionId, event);
    if (!verdict.ok) close("peer_cut_off");
    changed();
  }

  async function maybeHello(): Promise<void> {
    if (helloSent || !peerAdmitted || peerNonce === null) return;
    const hello = await buildHello(node.nodeSigner, {
      offeredDomains: offered(),
      nonce: myNonce,
      peerNonce,
      nodeIdentity: node.nodeIdentity,
    });
    if (!hello.ok) return close("hello_failed");
    helloSent = true;
    state = "greeting";
    send(hello.value);
    changed();
  }

  function sentAll(): boolean {
    return [...negotiated].every((d) => caughtUp.has(d)) && packagesInFlight() === 0;
  }

  /**
   * Progress (ADR 0026): once the peer's cursors are known, how many envelopes this side has for
   * it; and once all is sent and acknowledged, "0 left", so the peer's "N of M" ends at M.
   */
  async function countForPeer(): Promise<void> {
    if (counted) return;
    counted = true;
    const pending: Record<string, number> = {};
    for (const d of [...negotiated].sort()) pending[d] = await node.countAfter(d, acked[d] ?? 0, MAX_COUNTED);
    send({ kind: "progress", pending });
  }

  function reportSentAll(): void {
    if (!counted || toldSentAll || !sentAll()) return;
    toldSentAll = true;
    send({ kind: "progress", pending: Object.fromEntries([...negotiated].sort().map((d) => [d, 0])) });
  }

  function packagesInFlight(): number {
    return Object.values(inFlight).reduce((n, list) => n + list.length, 0);
  }

  /** One pump per domain waits in the queue at a time. */
  function schedulePump(domain: string): void {
    if (pumpScheduled.has(domain)) return;
    pumpScheduled.add(domain);
    void enqueue(async () => {
      pumpScheduled.delete(domain);
      await pump(domain);
      reportSentAll();
    });
  }

  async function pump(domain: string): Promise<void> {
    // The window (ADR 0026): at most `maxInFlight` packages on the way; the peer's next ack resumes.
    while (state === "syncing" && peer !== null && packagesInFlight() < maxInFlight) {
      const pkg = await node.exportPackage(peer.identity, domain, sendFrom[domain] ?? 0, packageLimit, fromPeer);
      if (!pkg.ok) {
        lastError = pkg.error;
        return;
      }
      if (pkg.value === null) {
        caughtUp.add(domain);
        return;
      }
      caughtUp.delete(domain);
      toldSentAll = false;
      if (!send({ kind: "package", frame: pkg.value.frame, envelopes: pkg.value.envelopes })) return;
      packagesOut += 1;
      sendFrom[domain] = pkg.value.frame.to_seq;
      if (packagesInFlight() === 0) progressAt = clock.now();
      (inFlight[domain] ??= []).push(pkg.value.frame.to_seq);
      await drained();
    }
  }

  async function sendCursors(): Promise<void> {
    if (peer === null) return;
    const mine = await node.cursors(peer.identity);
    const cursors = Object.fromEntries([...negotiated].sort().map((d) => [d, mine[d] ?? 0]));
    for (const [d, seq] of Object.entries(cursors)) received[d] = seq;
    send({ kind: "cursors", cursors });
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
    send({ kind: "cursors", cursors });
  }

  async function handle(bytes: Uint8Array): Promise<void> {
    if (state === "closed") return;
    // Rate limit per peer, before any parsing (protocol 10 §3.6).
    const now = clock.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      windowCount = 0;
    }
    if (++windowCount > maxRate)
      return violation(nodeError("ERR_RESOURCE_RATE_LIMIT", "The peer sends too fast.", { reason: "message_rate" }), "rate_exceeded");
    // Before admission a peer may send only small puzzle frames (DESIGN D7); anything else is dropped unread.
    const limit = peerAdmitted ? maxFrameBytes : PRE_ADMISSION_MAX_FRAME_BYTES;
    if (bytes.length > limit)
      return violation(
        nodeError("ERR_RESOURCE_RATE_LIMIT", "The frame is larger than allowed now.", { reason: "frame_too_large" }),
        "malformed_frame",
      );
    const decoded = decodeFrame(bytes, { maxFrameBytes: limit });
    if (!decoded.ok) return violation(decoded.error, "malformed_frame");
    const frame = decoded.value;
    if (!peerAdmitted && !PRE_ADMISSION_KINDS.includes(frame.kind)) {
      return violation(
        nodeError("ERR_RESOURCE_PUZZLE_FAILED", "Nothing but puzzle frames before admission.", { reason: "frame_before_admission" }),
        "violation",
      );
    }
    if (AFTER_HELLO.has(frame.kind) && peer === null) {
      return violation(
        nodeError("ERR_STRUCT_INVALID_TYPE", "Sync frames come after the hellos.", { reason: "frame_before_hello" }),
        "violation",
      );
    }
    return dispatch(frame.kind, frame);
  }

  /** One named handler per frame kind; `handle` has checked size, rate, admission and order first. */
  const handlers: FrameHandlers = {
    challenge: onChallenge,
    solution: onSolution,
    admitted: onAdmitted,
    hello: onHello,
    cursors: onCursors,
    package: onPackage,
    error: onError,
    close: onClose,
    want: onWant,
    have: onHave,
    domains: onDomains,
    progress: onProgress,
  };

  function dispatch<K extends FrameKind>(kind: K, frame: FrameOf<K>): Promise<void> {
    return handlers[kind](frame);
  }

  async function onChallenge(frame: FrameOf<"challenge">): Promise<void> {
    if (peerNonce !== null) return; // admitted already: a copy of the challenge needs no answer
    const { kind: _kind, ...challenge } = frame;
    const solution = await guard.solve(challenge);
    if (!solution.ok) return close("puzzle_unsolved");
    send({ kind: "solution", ...solution.value });
  }

  function onSolution(frame: FrameOf<"solution">): Promise<void> {
    // A copy of the solution that admitted the peer (the link duplicated it, or our challenge was
    // duplicated and solved twice) changes nothing; checking it again would read `replayed`.
    if (peerAdmitted) return Promise.resolve();
    const { kind: _kind, ...solution } = frame;
    const admitted = guard.verify(connection, solution);
    if (!admitted.ok) {
      rejected(admitted.error);
      send({ kind: "error", code: "ERR_RESOURCE_PUZZLE_FAILED", reason: String(admitted.error.data["reason"] ?? "failed") });
      close("puzzle_failed");
      return Promise.resolve();
    }
    peerAdmitted = true;
    send({ kind: "admitted", nonce: myNonce });
    return maybeHello();
  }

  function onAdmitted(frame: FrameOf<"admitted">): Promise<void> {
    peerNonce = frame.nonce;
    return maybeHello();
  }

  async function onHello(frame: FrameOf<"hello">): Promise<void> {
    if (peer !== null) return; // a copy: the session is bound to the first verified hello
    if (!helloSent || peerNonce === null)
      return violation(nodeError("ERR_STRUCT_INVALID_TYPE", "Hello before admission.", { reason: "early_hello" }), "violation");
    const verified = await verifyHello(frame, { expectedPeerNonce: myNonce, expectedNonce: peerNonce });
    if (!verified.ok) {
      rejected(verified.error);
      return close("hello_rejected");
    }
    // Node keys are self-certifying here; a node key bound some other way is not supported yet.
    if (!verified.value.rootKey) {
      rejected(
        nodeError("ERR_CRYPTO_KEY_NOT_BOUND", "The peer's node key is not its node identity's root key.", {
          reason: "node_key_not_root",
        }),
      );
      return close("node_key_not_root");
    }
    if (await node.isKeyRevoked(verified.value.hello.node_key)) {
      rejected(nodeError("ERR_CRYPTO_KEY_REVOKED", "The peer's node key is revoked.", { reason: "sender_key_revoked" }));
      send({ kind: "error", code: "ERR_CRYPTO_KEY_REVOKED", reason: "sender_key_revoked" });
      return close("key_revoked");
    }
    peer = { identity: verified.value.hello.node_identity, key: verified.value.hello.node_key };
    const mine = new Set(offered());
    negotiated = new Set(verified.value.hello.offered_domains.filter((d) => mine.has(d)));
    state = "syncing";
    await sendCursors();
    unsubscribeCommits = node.onCommit((commit) => {
      const domain = `${commit.app}/${commit.domain}`;
      if (negotiated.has(domain)) schedulePump(domain);
    });
    changed();
  }

  async function onCursors(frame: FrameOf<"cursors">): Promise<void> {
    // The peer says where it stands (ADR 0026): its cursor acknowledges the packages up to it. A
    // cursor that has not moved since it last spoke while packages are on the way means they may be
    // lost, or merely still on the way to a busy peer: rewind there only once the session has made
    // no progress for `rewindAfterMs` (one rewind per loss, none for a slow link). A cursor below
    // the last is an old frame overtaken.
    for (const [domain, seq] of Object.entries(frame.cursors)) {
      if (!negotiated.has(domain)) continue;
      const before = acked[domain];
      if (before !== undefined && seq < before) continue;
      if (before === undefined || seq > before) progressAt = clock.now();
      acked[domain] = seq;
      inFlight[domain] = (inFlight[domain] ?? []).filter((to) => to > seq);
      const next = sendFrom[domain];
      if (next === undefined || seq >= next) sendFrom[domain] = seq;
      else if (seq === before) rewind(domain, seq);
    }
    await countForPeer();
    for (const domain of sortedSystemFirst(negotiated)) await pump(domain);
    reportSentAll();
    changed();
  }

  function rewind(domain: string, seq: number): void {
    const now = clock.now();
    if (now - progressAt < rewindAfterMs) return;
    progressAt = now;
    sendFrom[domain] = seq;
    inFlight[domain] = [];
    recovered += 1;
  }

  async function onPackage(frame: FrameOf<"package">): Promise<void> {
    const accepted = await node.acceptPackage(peer!, negotiated, { frame: frame.frame, envelopes: frame.envelopes });
    if (accepted.ok) {
      packagesIn += 1;
      acceptedSinceTick = true;
      changesIn += frame.envelopes.length;
      rememberFromPeer(accepted.value);
      peerSentAll = false;
      received[frame.frame.sync_domain] = frame.frame.to_seq;
      delete gapReported[frame.frame.sync_domain];
      ackSoon(frame.frame.sync_domain);
      wants.wantMissingOf(accepted.value);
      changed();
      return;
    }
    const reason = accepted.error.data["reason"];
    // ADR 0017: this node's own log cannot write, so it took nothing; the peer did no wrong. The
    // cursor stays, and the next package after recovery finds the gap and resyncs.
    if (accepted.error.code === "ERR_MNG_LOG_UNAVAILABLE") {
      lastError = accepted.error;
      changed();
      return;
    }
    if (accepted.error.code === "ERR_SYNC_SEQUENCE_INVALID") {
      // A duplicate is harmless; a gap or overlap means frames were lost or reordered: an expected
      // event, audited but not an error. Say where this side stands, once per cursor (the tick repeats).
      if (reason === "replayed") return;
      node.recordRejection(accepted.error, { connection: connection.connectionId, peer: peer?.identity ?? null });
      recovered += 1;
      const domain = frame.frame.sync_domain;
      const cursor = Number(accepted.error.data["cursor"]);
      if (gapReported[domain] !== cursor) {
        gapReported[domain] = cursor;
        unacked.add(domain);
        sendAcks();
      }
      changed();
      return;
    }
    return violation(accepted.error, "violation");
  }

  function onError(frame: FrameOf<"error">): Promise<void> {
    lastError = nodeError(frame.code, `The peer reported ${frame.code}.`, { reason: frame.reason, from: "peer" });
    changed();
    return Promise.resolve();
  }

  function onClose(frame: FrameOf<"close">): Promise<void> {
    closeReason = frame.reason;
    close(frame.reason);
    return Promise.resolve();
  }

  async function onWant(frame: FrameOf<"want">): Promise<void> {
    // Full only in the domains this session syncs (the peer asked for what it syncs); elsewhere the stub.
    const have = await node.exportWanted(peer!.identity, frame.envelope_ids, negotiated);
    if (!have.ok) {
      lastError = have.error;
      return;
    }
    if (have.value !== null) send({ kind: "have", ...have.value });
  }

  async function onHave(frame: FrameOf<"have">): Promise<void> {
    // Ids asked for in an earlier round count too: a `have` may come after the tick asked again,
    // or after a package brought the envelope (ADR 0026); ingesting one twice changes nothing.
    const late = frame.envelope_ids.filter((id) => !wants.ids.has(id) && wants.asked.has(id)).length;
    const accepted = await node.acceptWanted(peer!, wants.asked, { envelope_ids: frame.envelope_ids, envelopes: frame.envelopes });
    if (!accepted.ok) return violation(accepted.error, "violation");
    if (late > 0) recovered += 1;
    for (const id of frame.envelope_ids) wants.settle(id);
    rememberFromPeer(accepted.value.flatMap((r) => (r.ok ? [r.value] : [])));
    wants.wantMissingOf(accepted.value.flatMap((r) => (r.ok ? [r.value] : [])));
    changed();
  }

  /** The peer holds what it sent in full: offering it back would cost both sides for nothing. */
  function rememberFromPeer(outcomes: readonly IngestOutcome[]): void {
    for (const outcome of outcomes) if (outcome.status !== "stub") fromPeer.add(outcome.id);
  }

  function onProgress(frame: FrameOf<"progress">): Promise<void> {
    const left = Object.entries(frame.pending).reduce((n, [d, count]) => n + (negotiated.has(d) ? count : 0), 0);
    expectedIn = changesIn + left;
    peerSentAll = left === 0;
    changed();
    return Promise.resolve();
  }

  function onDomains(_frame: FrameOf<"domains">): Promise<void> {
    return Promise.resolve(); // negotiation is by intersection of the hellos
  }

  transport.onMessage((bytes) => {
    // Bounded memory under a flood (DESIGN D7): frames beyond the queue are dropped unread.
    if (state === "closed") return;
    if (queuedFrames >= maxQueuedFrames) {
      // One report waits in the queue at a time, so dropping costs no memory.
      if (dropped++ === 0) {
        void enqueue(() => {
          dropped = 0;
          const error = nodeError("ERR_RESOURCE_PEER_LIMIT", "The peer sends faster than this node handles.", {
            reason: "inbound_queue_full",
          });
          violation(error, "rate_exceeded");
          return Promise.resolve();
        });
      }
      return;
    }
    queuedFrames += 1;
    void enqueue(async () => {
      queuedFrames -= 1;
      await handle(bytes);
      if (queuedFrames === 0) sendAcks();
    });
  });
  transport.onClose((reason) => {
    if (state !== "closed") {
      state = "closed";
      closeReason = reason;
      unsubscribeCommits?.();
      guard.release(connection.connectionId);
      changed();
    }
  });

  function begin(): void {
    const decision = guard.admit(connection);
    if (decision.kind === "challenge") send({ kind: "challenge", ...decision.challenge });
    else if (decision.kind === "deny") {
      lastError = decision.error;
      close("admission_denied");
    }
  }
  if (transport.state === "open") begin();
  else transport.onOpen(begin);

  return {
    status,
    tick: () => {
      // Every step before the hellos can be lost too (a challenge, a solution, a hello): give up
      // after `handshakeTimeoutMs`, so whoever opened the link can open a fresh one.
      if (state === "admitting" || state === "greeting") {
        if (clock.now() - startedAt >= handshakeTimeoutMs) close("handshake_timeout");
        return queue;
      }
      // A slow node queues ticks behind its work: one waiting is enough.
      if (tickQueued || state !== "syncing") return queue;
      tickQueued = true;
      return enqueue(async () => {
        tickQueued = false;
        if (state !== "syncing") return;
        // Where this side stands, for lost acks and a lost last package: only when no package was
        // accepted since the last tick (then the acks said it), so a busy receiver's tick never
        // looks like a loss to its sender.
        if (!acceptedSinceTick) await sendCursors();
        acceptedSinceTick = false;
        // Ask again for what is still missing: a `want` or its `have` may have been lost.
        wants.clear();
        wants.want(await node.missingDependencies(MAX_WANTED));
        await wants.refreshStubs();
      });
    },
    idle: () => queue,
    close: (reason) => close(reason),
  };
}

/** System domains first, so identities arrive before what they authored. */
function sortedSystemFirst(domains: ReadonlySet<string>): string[] {
  return [...domains].sort((a, b) => Number(!a.startsWith("system/")) - Number(!b.startsWith("system/")) || (a < b ? -1 : a > b ? 1 : 0));
}
