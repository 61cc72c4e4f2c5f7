// Rows for the storage contract and its helpers, built by hand: the storage has no semantics, so
// ids and texts are any strings (plain strings stand in for the Graph's branded ids). No assertions here.
import type { Result } from "../../shared/result.ts";
import type { Budgets, CommitPlan, EnvelopeRow, ObjectRow, StubRow, VersionRow } from "../index.ts";

/** Budgets no contract case comes near. */
export const ROOMY: Budgets = { maxEnvelopes: 1_000_000, maxBytes: 1_000_000_000 };
export const AT = "2026-01-01T00:00:00.000Z";

/** Rows are opaque to storage: plain strings stand in for the branded ids the Graph writes. */
type Loose<T> = { readonly [K in keyof T]?: unknown };

export function envelopeRow(seq: number, id: string, over: Loose<EnvelopeRow> = {}): EnvelopeRow {
  return {
    seq,
    id,
    text: `text of ${id}`,
    authorId: "author-1",
    authorKey: "key-1",
    keySeq: seq,
    app: "app-a",
    domain: "domain-a",
    lamport: seq,
    prev: null,
    deps: [],
    status: "accepted",
    committedAt: AT,
    ...over,
  } as EnvelopeRow;
}

export function stubRow(id: string, authorKey: string, keySeq: number): StubRow {
  return { id, text: `stub of ${id}`, authorId: "author-1", authorKey, keySeq, prev: null, lamport: keySeq, receivedAt: AT } as StubRow;
}

/** Object `id`, created and last won at `seq` by op 0 of `envelopeId`. */
export function objectRow(id: string, seq: number, envelopeId: string): ObjectRow {
  const winner = { envelopeId, opIndex: 0, lamport: seq, value: { n: seq }, seq };
  return {
    app: "app-a",
    id,
    kind: "parent",
    typeKey: "note",
    owner: "author-1",
    parent: "",
    dst: "",
    domain: "domain-a",
    createdSeq: seq,
    createdAt: AT,
    updatedSeq: seq,
    updatedAt: AT,
    winner,
    suppressed: 0,
  };
}

/** A version of `objectId` by op 0 of `envelopeId` at `seq`; `over` changes any field. */
export function versionRow(objectId: string, seq: number, envelopeId: string, over: Partial<VersionRow> = {}): VersionRow {
  return { objectId, app: "app-a", envelopeId, opIndex: 0, lamport: seq, value: { n: seq }, seq, createdAt: AT, suppressed: 0, ...over };
}

/** The plan of one envelope with nothing else. */
export function planOf(envelope: EnvelopeRow, extra: Partial<CommitPlan> = {}): CommitPlan {
  return { seq: envelope.seq, envelope, objects: [], versions: [], ...extra };
}

export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${JSON.stringify(result.error.data)}`);
  return result.value;
}
