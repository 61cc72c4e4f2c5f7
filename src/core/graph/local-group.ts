// Group commit of local writes (issue 17): submits that wait behind the write queue share one
// transaction instead of one each. The group is drafted and signed before the transaction opens
// (DESIGN D5), each draft chaining on the one before it, and every outcome is the one a write alone
// would have had: only the first of a group is judged as it stands; a later one that the group
// changed the ground under (its predecessor refused, a fact it relied on) is drafted again alone.
import type { EnvelopeId } from "../shared/ids.ts";
import type { Result } from "../shared/result.ts";
import { SYSTEM_APP } from "../wire/index.ts";
import type { Author, IngestOutcome, WriteRequest } from "./types.ts";
import type { ChainHead } from "./write-draft.ts";

/** At most this many writes share a transaction: a bound on what one rollback costs. */
export const MAX_GROUP = 100;

export type QueuedWrite = {
  readonly author: Author;
  readonly request: WriteRequest;
  readonly resolve: (outcome: Result<IngestOutcome>) => void;
  readonly reject: (error: unknown) => void;
};

/**
 * Takes the next group off the queue: the first write, then the writes right behind it by the same
 * identity, in order. A write to the system app changes the facts others are drafted against, so
 * it goes alone and ends the group before it.
 */
export function takeGroup(queue: QueuedWrite[]): QueuedWrite[] {
  const first = queue.shift();
  if (first === undefined) return [];
  const group = [first];
  if (first.request.app === SYSTEM_APP) return group;
  while (group.length < MAX_GROUP) {
    const next = queue[0];
    if (next === undefined || next.author.identityId !== first.author.identityId || next.request.app === SYSTEM_APP) break;
    group.push(queue.shift()!);
  }
  return group;
}

/** Heads of the keys a group has drafted for, over the stored heads. */
export class GroupHeads {
  readonly #drafted = new Map<string, ChainHead>();
  readonly #stored: (key: string) => Promise<ChainHead | undefined>;

  constructor(stored: (key: string) => Promise<ChainHead | undefined>) {
    this.#stored = stored;
  }

  lastOfKey = async (key: string): Promise<ChainHead | undefined> => this.#drafted.get(key) ?? (await this.#stored(key));

  drafted(key: string, head: { readonly id: EnvelopeId; readonly seq: number; readonly lamport: number }): void {
    this.#drafted.set(key, { id: head.id, keySeq: head.seq, lamport: head.lamport });
  }
}

/**
 * The stored heads of the keys local writes signed with (issue 17), so a draft needs no read for
 * its key's head. The Graph is the only writer of envelopes: while global_seq stays where the last
 * local commit left it, each head held here is the stored one. Anything else that moves global_seq
 * (an ingest, a drained pending envelope) makes the next draft read the stored head again, and
 * `forget` covers what rewrites rows between commits (the integrity repair runs in `exclusive`).
 */
export class KeyHeads {
  #at = -1;
  readonly #byKey = new Map<string, ChainHead>();
  readonly #stored: (key: string) => Promise<ChainHead | undefined>;
  readonly #globalSeq: () => number;

  constructor(stored: (key: string) => Promise<ChainHead | undefined>, globalSeq: () => number) {
    this.#stored = stored;
    this.#globalSeq = globalSeq;
  }

  lastOfKey = async (key: string): Promise<ChainHead | undefined> =>
    (this.#at === this.#globalSeq() ? this.#byKey.get(key) : undefined) ?? (await this.#stored(key));

  /** A local batch committed, moving global_seq from `from` to `to`; `heads` are the envelopes it wrote, in order. */
  committed(from: number, to: number, heads: readonly (readonly [key: string, head: ChainHead])[]): void {
    if (this.#at !== from) this.#byKey.clear();
    for (const [key, head] of heads) this.#byKey.set(key, head);
    this.#at = to;
  }

  forget(): void {
    this.#at = -1;
    this.#byKey.clear();
  }
}
