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
