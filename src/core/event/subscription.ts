// One subscriber: a bounded queue of commit notices, drained in global_seq order either into a sink
// (push) or by next() (pull). Read permission is asked when a notice is drained, so an event never
// names an object the subscriber cannot read at that moment. Overflow closes; it never grows.
import { assert } from "../shared/assert.ts";
import { nodeError, type NodeError } from "../shared/errors.ts";
import type { IdentityId } from "../shared/ids.ts";
import type { Result } from "../shared/result.ts";
import {
  buildGraphEvent,
  type CloseEvent,
  type CloseNotice,
  type CloseReason,
  type CommitNotice,
  type CommitObject,
  type GraphEvent,
} from "./graph-event.ts";

/** The ACL manager's read decision for one object (architecture 11 §4.3); anything but `true` denies. */
export type CanRead = (identityId: IdentityId, app: string, objectId: string) => boolean | Promise<boolean>;

/** Push delivery. A returned promise is the subscriber's acknowledgement: nothing more is sent until it settles. */
export type EventSink = (event: GraphEvent | CloseEvent) => void | Promise<void>;

export interface Subscription {
  readonly id: string;
  /** Why it ended; null while open. */
  readonly closed: CloseNotice | null;
  /** Pull delivery: the next event, or `done` with the close notice. Only without a sink. */
  next(): Promise<IteratorResult<GraphEvent, CloseNotice>>;
  [Symbol.asyncIterator](): AsyncIterator<GraphEvent, CloseNotice>;
  /** Ends it; nothing is delivered afterwards. Idempotent. */
  close(): void;
}

export type SubscriberFilter = {
  readonly app: string;
  readonly domain: string | null;
  readonly types: ReadonlySet<string> | null;
  readonly objectIds: ReadonlySet<string> | null;
};

type Queued = { readonly notice: CommitNotice; readonly candidates: readonly CommitObject[] };

export type SubscriberPorts = {
  readonly canRead: CanRead;
  /** Re-checks the session before each delivery (its token may expire or be revoked mid-stream). */
  readonly session: (() => Result<unknown>) | undefined;
  readonly onClose: (subscriber: Subscriber, notice: CloseNotice) => void;
};

export class Subscriber implements Subscription {
  readonly id: string;
  readonly identityId: IdentityId;
  readonly filter: SubscriberFilter;
  readonly #capacity: number;
  readonly #sink: EventSink | undefined;
  readonly #ports: SubscriberPorts;
  #queue: (Queued | undefined)[] = [];
  #head = 0;
  #closed: CloseNotice | null = null;
  #wake: (() => void) | undefined;
  #pulls: Promise<unknown> = Promise.resolve();
  /** The running push loop, if any. */
  pump: Promise<void> | undefined;

  constructor(
    id: string,
    identityId: IdentityId,
    filter: SubscriberFilter,
    capacity: number,
    sink: EventSink | undefined,
    ports: SubscriberPorts,
  ) {
    this.id = id;
    this.identityId = identityId;
    this.filter = filter;
    this.#capacity = capacity;
    this.#sink = sink;
    this.#ports = ports;
  }

  get closed(): CloseNotice | null {
    return this.#closed;
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Takes a notice from publish; the cheap filters run here so other apps' traffic never fills the queue. */
  offer(notice: CommitNotice): void {
    if (this.#closed !== null) return;
    const { app, domain, types, objectIds } = this.filter;
    if (notice.app !== app || (domain !== null && notice.domain !== domain)) return;
    const candidates = notice.objects.filter(
      (o) => (types === null || types.has(o.typeKey)) && (objectIds === null || objectIds.has(o.id)),
    );
    if (candidates.length === 0) return;
    if (this.queued >= this.#capacity) {
      // architecture 11 §5.4: a slow subscriber is closed, never given more memory.
      this.end(
        "buffer_overflow",
        nodeError("ERR_MNG_EVENT_BUFFER_OVERFLOW", "The subscriber fell too far behind.", {
          reason: "buffer_overflow",
          capacity: this.#capacity,
        }),
      );
      return;
    }
    this.#queue.push({ notice, candidates });
    this.#wake?.();
    if (this.#sink !== undefined && this.pump === undefined) this.pump = this.#push(this.#sink);
  }

  #shift(): Queued | undefined {
    if (this.queued === 0) return undefined;
    const item = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined;
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** The event this subscriber may see for one notice, or undefined (nothing readable, or closed meanwhile). */
  async #filter({ notice, candidates }: Queued): Promise<GraphEvent | undefined> {
    let decisions: readonly unknown[];
    try {
      decisions = await Promise.all(candidates.map(async (o) => this.#ports.canRead(this.identityId, this.filter.app, o.id)));
    } catch {
      // architecture 11 §4.3: ACL unavailable → halt, never widen.
      this.end("internal_error", nodeError("internal_error", "Read permissions could not be checked.", { reason: "acl_unavailable" }));
      return undefined;
    }
    if (this.#closed !== null) return undefined;
    const readable = candidates.filter((_, i) => decisions[i] === true);
    if (readable.length === 0) return undefined;
    const session = this.#ports.session?.();
    if (session !== undefined && !session.ok) {
      this.end("auth_failed", session.error);
      return undefined;
    }
    return buildGraphEvent(notice, readable);
  }

  async #push(sink: EventSink): Promise<void> {
    try {
      for (let item = this.#shift(); item !== undefined && this.#closed === null; item = this.#shift()) {
        const event = await this.#filter(item);
        if (event === undefined || this.#closed !== null) continue;
        try {
          await sink(event);
        } catch {
          this.end("internal_error", nodeError("internal_error", "The subscriber's sink failed.", { reason: "sink_failed" }));
        }
      }
    } finally {
      this.pump = undefined;
    }
  }

  next(): Promise<IteratorResult<GraphEvent, CloseNotice>> {
    assert(this.#sink === undefined, "next() is for subscriptions without a sink");
    // One pull at a time, so concurrent callers still see global_seq order.
    const result = this.#pulls.then(() => this.#pull());
    this.#pulls = result.catch(() => undefined);
    return result;
  }

  async #pull(): Promise<IteratorResult<GraphEvent, CloseNotice>> {
    for (;;) {
      if (this.#closed !== null) return { done: true, value: this.#closed };
      const item = this.#shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      const event = await this.#filter(item);
      if (event !== undefined && this.#closed === null) return { done: false, value: event };
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<GraphEvent, CloseNotice> {
    return { next: () => this.next() };
  }

  close(): void {
    this.end("closed", null);
  }

  /** Ends the subscription once: frees its queue, wakes a waiting pull, tells a sink why (unless its holder closed it). */
  end(reason: CloseReason, error: NodeError | null): void {
    if (this.#closed !== null) return;
    const notice: CloseNotice = Object.freeze({ reason, error });
    this.#closed = notice;
    this.#queue = [];
    this.#head = 0;
    this.#wake?.();
    this.#ports.onClose(this, notice);
    if (this.#sink !== undefined && reason !== "closed") {
      try {
        void Promise.resolve(this.#sink(Object.freeze({ event: "close", payload: notice }))).catch(() => undefined);
      } catch {
        // The subscription is over either way; a failing sink has nothing left to be told.
      }
    }
  }
}
