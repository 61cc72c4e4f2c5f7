// The in-memory transport: two ends of one link with seeded fault injection and a frame trace, so
// sync tests replay exactly (STYLE: loopback transport with drop, duplicate, reorder). No timers.
import { assert } from "../../shared/assert.ts";
import { manualClock, seededRandom, type Clock, type Random } from "../../shared/clock.ts";
import { ok, type Result } from "../../shared/result.ts";
import {
  CLOSE_REASONS,
  DEFAULT_TRANSPORT_LIMITS,
  checkTransportLimits,
  sendRefusals,
  type Transport,
  type TransportLimits,
  type TransportState,
} from "./transport.ts";
import { checkFaults, damage, Dice, DEFAULT_REORDER_WINDOW, fateOf, type Faults } from "./faults.ts";
import { formatTrace, type Side, type TraceEntry, type TraceFate } from "./trace.ts";
import { emit, TransportEvents } from "./listeners.ts";

export type { Faults } from "./faults.ts";

export type LoopbackOptions = {
  readonly faults?: Faults;
  /** Fault decisions; default `seededRandom(0)`, so a pair without options is deterministic too. */
  readonly random?: Random;
  /** Time for latency and delay; default a manual clock at 0 that `advance` moves. */
  readonly clock?: Clock;
  /** `microtask` (default) delivers on its own; `manual` only on `step`, `flush` or `advance`. */
  readonly delivery?: "microtask" | "manual";
  /** Milliseconds before any message is due. */
  readonly latency?: number;
  /** `false`: both ends stay `connecting` until `open()`. */
  readonly open?: boolean;
  readonly limits?: Partial<TransportLimits>;
  /** The trace keeps the latest this many entries (default 100,000). */
  readonly traceLimit?: number;
};

export type LoopbackTransport = Transport & { readonly side: Side };

export type LoopbackControl = {
  /** Delivers every due message, including those sent meanwhile by listeners. Returns how many were processed. */
  flush(): number;
  /** Delivers (or loses) the first due message. False when none is due. */
  step(): boolean;
  /** Messages and closes on the link, due or not. */
  pending(): number;
  /** Moves the pair's own clock (an injected clock needs `advance` too) and delivers what falls due. */
  advance(ms: number): void;
  /** Opens both `connecting` ends. */
  open(): void;
  /** Loses the next `count` messages sent by `from` (either side when omitted). */
  dropNext(count: number, from?: Side): void;
  /** Kills the link as if the channel died: everything in flight is lost and both ends close with `link_lost`. */
  cut(): void;
  /** Cuts the link after `count` more messages are processed. */
  cutAfter(count: number): void;
  trace(): readonly TraceEntry[];
  /** The trace as text, one line per entry, for a failing test's message. */
  formatTrace(describe?: (bytes: Uint8Array) => string): string;
};

export type LoopbackPair = readonly [LoopbackTransport, LoopbackTransport] & LoopbackControl;

type Item = {
  readonly seq: number;
  readonly from: Side;
  readonly kind: "message" | "close";
  readonly bytes: Uint8Array;
  /** Bytes this item holds in the sender's buffer: the sent size for an original, 0 for a copy or a close. */
  readonly buffered: number;
  readonly dueAt: number;
  /** Why the link loses it, or undefined. */
  readonly lost: string | undefined;
  readonly fate: TraceFate;
  readonly detail: string;
};

class LoopbackEnd extends TransportEvents implements LoopbackTransport {
  status: TransportState;
  buffered = 0;

  constructor(
    private readonly link: Link,
    readonly side: Side,
    readonly id: string,
    readonly limits: TransportLimits,
    open: boolean,
  ) {
    super();
    this.status = open ? "open" : "connecting";
  }

  get state(): TransportState {
    return this.status;
  }

  send(message: Uint8Array): Result<void> {
    return this.link.send(this, message);
  }

  bufferedAmount(): number {
    return this.buffered;
  }

  close(reason?: string): void {
    this.link.close(this, reason ?? CLOSE_REASONS.local);
  }

  /** Marks the end closed and tells its listeners, once. */
  shut(reason: string): void {
    if (this.status === "closed") return;
    this.status = "closed";
    emit(this.closes, reason);
  }
}

let pairCount = 0;

class Link {
  readonly ends: readonly [LoopbackEnd, LoopbackEnd];
  private readonly queue: Item[] = [];
  private head = 0;
  private seq = 0;
  private dead = false;
  private scheduled = false;
  private cutCountdown: number | undefined;
  private readonly scriptedDrops = { a: 0, b: 0, any: 0 };
  private readonly entries: TraceEntry[] = [];
  private readonly clock: Clock;
  private readonly dice: Dice;
  private readonly faults: Faults;
  private readonly latency: number;
  private readonly manual: boolean;
  private readonly traceLimit: number;

  constructor(options: LoopbackOptions) {
    this.faults = checkFaults(options.faults ?? {});
    this.dice = new Dice(options.random ?? seededRandom(0));
    this.clock = options.clock ?? manualClock(0);
    this.manual = options.delivery === "manual";
    this.latency = options.latency ?? 0;
    this.traceLimit = options.traceLimit ?? 100_000;
    assert(Number.isSafeInteger(this.latency) && this.latency >= 0, "latency is a non-negative integer of milliseconds");
    assert(Number.isSafeInteger(this.traceLimit) && this.traceLimit > 0, "traceLimit is a positive integer");
    const limits = checkTransportLimits({ ...DEFAULT_TRANSPORT_LIMITS, ...options.limits });
    const name = `loopback-${++pairCount}`;
    const open = options.open ?? true;
    this.ends = [new LoopbackEnd(this, "a", `${name}-a`, limits, open), new LoopbackEnd(this, "b", `${name}-b`, limits, open)];
  }

  send(end: LoopbackEnd, message: Uint8Array): Result<void> {
    const { limits } = end;
    if (end.status !== "open") return sendRefusals.notOpen(end.status);
    if (message.length > limits.maxMessageBytes) return sendRefusals.tooLarge(message.length, limits.maxMessageBytes);
    if (end.buffered + message.length > limits.maxBufferedBytes)
      return sendRefusals.bufferFull(message.length, end.buffered, limits.maxBufferedBytes);
    end.buffered += message.length;
    // A copy, as a data channel takes one: the sender may reuse its buffer at once.
    this.enqueueMessage(end.side, new Uint8Array(message));
    this.schedule();
    return ok(undefined);
  }

  close(end: LoopbackEnd, reason: string): void {
    if (end.status === "closed") return;
    // Graceful: the close travels behind what this end already sent (RTCDataChannel closing procedure).
    this.queue.push({
      seq: ++this.seq,
      from: end.side,
      kind: "close",
      bytes: new Uint8Array(0),
      buffered: 0,
      dueAt: this.dueAt(),
      lost: undefined,
      fate: "closed",
      detail: "",
    });
    end.shut(reason);
    this.schedule();
  }

  private dueAt(): number {
    return this.clock.now() + this.latency;
  }

  /** Settles the message's fate now, from the seeded random, so the trace depends only on what was sent. */
  private enqueueMessage(from: Side, sent: Uint8Array): void {
    const seq = ++this.seq;
    const { faults } = this;
    let lost: string | undefined;
    const scripted = this.scriptedDrops;
    if (scripted[from] > 0) {
      scripted[from]--;
      lost = "dropNext";
    } else if (scripted.any > 0) {
      scripted.any--;
      lost = "dropNext";
    } else if (this.dice.chance(faults.drop)) {
      lost = "drop";
    }
    if (lost !== undefined) {
      this.queue.push({
        seq,
        from,
        kind: "message",
        bytes: sent,
        buffered: sent.length,
        dueAt: this.dueAt(),
        lost,
        fate: "dropped",
        detail: lost,
      });
      return;
    }
    const { bytes, delayMs, details: damageDetails, applied: damaged } = damage(this.dice, faults, sent);
    const details = [...damageDetails];
    const applied = new Set(damaged);
    const dueAt = this.dueAt() + delayMs;
    let position = this.queue.length;
    if (faults.reorder !== undefined && this.dice.chance(faults.reorder.probability)) {
      const earlier = this.pendingMessageIndexes(from);
      if (earlier.length > 0) {
        const overtaken = 1 + this.dice.int(Math.min(faults.reorder.window ?? DEFAULT_REORDER_WINDOW, earlier.length));
        position = earlier[earlier.length - overtaken]!;
        details.push(`overtook ${overtaken}`);
        applied.add("reordered");
      }
    }
    const fate = fateOf(applied);
    const item: Item = {
      seq,
      from,
      kind: "message",
      bytes,
      buffered: sent.length,
      dueAt,
      lost: undefined,
      fate,
      detail: details.join(", "),
    };
    this.queue.splice(position, 0, item);
    if (this.dice.chance(faults.duplicate)) {
      // A retransmitted copy of what was sent, right behind the original.
      this.queue.splice(position + 1, 0, { ...item, bytes: new Uint8Array(sent), buffered: 0, fate: "duplicated", detail: "copy" });
    }
  }

  private pendingMessageIndexes(from: Side): number[] {
    const indexes: number[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.from === from && item.kind === "message") indexes.push(i);
    }
    return indexes;
  }

  private schedule(): void {
    if (this.manual || this.scheduled || this.dead || !this.hasDue()) return;
    this.scheduled = true;
    queueMicrotask(() => this.round());
  }

  /** One microtask's work: the messages queued when it began, so listeners that keep sending cannot starve others. */
  private round(): void {
    this.scheduled = false;
    const budget = this.pending();
    try {
      for (let i = 0; i < budget && this.step(); i++);
    } finally {
      this.schedule();
    }
  }

  private hasDue(): boolean {
    return this.firstDue() >= 0;
  }

  private firstDue(): number {
    const now = this.clock.now();
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]!.dueAt <= now) return i;
    return -1;
  }

  pending(): number {
    return this.queue.length - this.head;
  }

  step(): boolean {
    const index = this.firstDue();
    if (index < 0) return false;
    const item = this.take(index);
    const sender = this.ends[item.from === "a" ? 0 : 1];
    const receiver = this.ends[item.from === "a" ? 1 : 0];
    const before = sender.buffered;
    sender.buffered -= item.buffered;
    const drained = before > sender.limits.lowWaterMark && sender.buffered <= sender.limits.lowWaterMark;
    if (item.kind === "close") {
      this.record(item, "closed", receiver.status === "closed" ? "peer already closed" : "");
      receiver.shut(CLOSE_REASONS.peer);
    } else if (item.lost !== undefined) {
      this.record(item, "dropped", item.lost);
    } else if (receiver.status !== "open") {
      this.record(item, "dropped", `receiver ${receiver.status}`);
    } else {
      this.record(item, item.fate, item.detail);
      emit(receiver.messages, item.bytes);
    }
    if (drained && sender.status === "open") emit(sender.drains);
    if (this.cutCountdown !== undefined && --this.cutCountdown === 0) this.cut();
    return true;
  }

  private take(index: number): Item {
    const item = this.queue[index]!;
    if (index === this.head) {
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    } else {
      this.queue.splice(index, 1);
    }
    return item;
  }

  flush(): number {
    let processed = 0;
    while (this.step()) {
      // A listener that answers every message with another never lets the link settle: a test bug.
      assert(++processed < 10_000_000, "flush did not settle: listeners keep sending");
    }
    return processed;
  }

  advance(ms: number): void {
    const clock = this.clock as Clock & { advance?: (ms: number) => void };
    assert(typeof clock.advance === "function", "advance needs a clock with advance(ms); move an injected clock yourself and flush");
    clock.advance(ms);
    if (this.manual) this.flush();
    else this.schedule();
  }

  open(): void {
    for (const end of this.ends) {
      if (end.status !== "connecting") continue;
      end.status = "open";
      emit(end.opens);
    }
  }

  dropNext(count: number, from?: Side): void {
    assert(Number.isSafeInteger(count) && count >= 0, "dropNext takes a count");
    this.scriptedDrops[from ?? "any"] += count;
  }

  cut(): void {
    if (this.dead) return;
    this.dead = true;
    this.cutCountdown = undefined;
    const lost = this.queue.slice(this.head);
    this.queue.length = 0;
    this.head = 0;
    for (const item of lost) {
      this.ends[item.from === "a" ? 0 : 1].buffered -= item.buffered;
      this.record(item, "dropped", "cut");
    }
    const now = this.clock.now();
    const none = new Uint8Array(0);
    this.note({ seq: 0, from: "a", to: "b", bytes: none, fate: "cut", detail: "link lost", at: now });
    this.note({ seq: 0, from: "b", to: "a", bytes: none, fate: "cut", detail: "link lost", at: now });
    for (const end of this.ends) end.shut(CLOSE_REASONS.lost);
  }

  cutAfter(count: number): void {
    assert(Number.isSafeInteger(count) && count > 0, "cutAfter takes a positive count");
    this.cutCountdown = count;
  }

  private record(item: Item, fate: TraceFate, detail: string): void {
    this.note({ seq: item.seq, from: item.from, to: item.from === "a" ? "b" : "a", bytes: item.bytes, fate, detail, at: this.clock.now() });
  }

  private note(entry: TraceEntry): void {
    this.entries.push(entry);
    if (this.entries.length > 2 * this.traceLimit) this.entries.splice(0, this.entries.length - this.traceLimit);
  }

  trace(): readonly TraceEntry[] {
    return this.entries.slice(-this.traceLimit);
  }
}

/** Two connected ends and the controls of their link: `const pair = createLoopbackTransportPair(); const [a, b] = pair;`. */
export function createLoopbackTransportPair(options: LoopbackOptions = {}): LoopbackPair {
  const link = new Link(options);
  const control: LoopbackControl = {
    flush: () => link.flush(),
    step: () => link.step(),
    pending: () => link.pending(),
    advance: (ms) => link.advance(ms),
    open: () => link.open(),
    dropNext: (count, from) => link.dropNext(count, from),
    cut: () => link.cut(),
    cutAfter: (count) => link.cutAfter(count),
    trace: () => link.trace(),
    formatTrace: (describe) => formatTrace(link.trace(), describe),
  };
  return Object.assign([link.ends[0], link.ends[1]] as const, control);
}
