// The Messages app's pure part: a conversation from the node's rows, who is in it, the order of its
// messages (the same on every node: created_at, then id — never arrival), and unread counts.
import type { Row } from "../../ui-kit/rows.ts";

export type { Row };

export type Person = { readonly id: string; readonly identityId: string; readonly nodeId: string | undefined; readonly name: string };
export type Message = {
  readonly id: string;
  readonly author: string;
  readonly body: string;
  readonly createdAt: string;
  readonly seq: number;
};
export type Conversation = {
  readonly id: string;
  readonly title: string;
  readonly people: readonly Person[];
  readonly messages: readonly Message[];
  readonly unread: number;
  /** Whether I am one of its participants; shared with me but not in it, I may read and not write. */
  readonly member: boolean;
};

/** The name of a conversation's starter, who never names themselves (the app does not know my name). */
export const STARTER = "Who started it";

export const byConvergence = (a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

const field = (row: Row, name: string): string | number | undefined =>
  (row.value as Record<string, string | number | undefined> | null)?.[name];

/**
 * Threads with their participants (edges by the thread's owner only) and messages (by participants
 * only: a message from anyone else is not part of the conversation, wherever it came from). A thread
 * whose owner shared it with me without naming me a participant is listed, marked not `member`.
 */
export function conversations(
  rows: { threads: readonly Row[]; edges: readonly Row[]; persons: readonly Row[]; items: readonly Row[]; seen: readonly Row[] },
  me: string,
): Conversation[] {
  const persons = new Map(rows.persons.map((p) => [p.id, p]));
  return rows.threads
    .map((thread) => {
      const people = rows.edges
        .filter((e) => e.parent_id === thread.id && e.owner_identity === thread.owner_identity && e.dst_id !== null)
        .map((e) => persons.get(e.dst_id!))
        .filter((p): p is Row => p !== undefined && p.owner_identity === thread.owner_identity)
        .map((p) => ({
          id: p.id,
          identityId: String(field(p, "identity_id")),
          nodeId: field(p, "node_identity_id") as string | undefined,
          name: String(field(p, "display_name") ?? (p.owner_identity === String(field(p, "identity_id")) ? STARTER : "Someone")),
        }));
      const members = new Set(people.map((p) => p.identityId));
      const messages = rows.items
        .filter((m) => field(m, "thread_id") === thread.id && members.has(m.owner_identity))
        .map((m) => ({ id: m.id, author: m.owner_identity, body: String(field(m, "body")), createdAt: m.created_at, seq: m.global_seq }))
        .sort(byConvergence);
      const seenSeq = Math.max(0, ...rows.seen.filter((s) => field(s, "thread_id") === thread.id).map((s) => Number(field(s, "seen_seq"))));
      const unread = messages.filter((m) => m.author !== me && m.seq > seenSeq).length;
      const member = members.has(me);
      return { id: thread.id, title: String(field(thread, "title")), people, messages, unread, member };
    })
    .sort((a, b) => ((a.messages.at(-1)?.createdAt ?? "") < (b.messages.at(-1)?.createdAt ?? "") ? 1 : -1));
}

export const nameOf = (c: Conversation, identityId: string, me: string): string =>
  identityId === me ? "You" : (c.people.find((p) => p.identityId === identityId)?.name ?? "Someone");

/** Who must be allowed to read what I write here: each other person, and the node they sync from. */
export function readersOf(c: Conversation, me: string): string[] {
  return [
    ...new Set(c.people.filter((p) => p.identityId !== me).flatMap((p) => [p.identityId, ...(p.nodeId === undefined ? [] : [p.nodeId])])),
  ];
}
