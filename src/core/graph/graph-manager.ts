// The only write path (public design 07, ADR 0005): every change, local or remote, goes structure →
// signature → causal past → schema → authorization → one atomic commit with the next global_seq,
// then is audited. A rejection changes nothing: no row, no sequence, no pending entry, no event
// (DESIGN D6). Each stage is its own module; this manager keeps the queue, the entry points and the
// batch loop.
import type { AclFacts } from "../acl/index.ts";
import type { Ed25519Verifier } from "../crypto/index.ts";
import type { AuditEntry } from "../log/index.ts";
import { isoTime } from "../shared/clock.ts";
import { nodeError } from "../shared/errors.ts";
import type { EnvelopeId } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { AbortWrite, type EnvelopeRow, type WriteTx } from "../storage/index.ts";
import { signEnvelope, validateLink, type UnsignedEnvelope, type VerifiedEnvelope, type VerifiedLink } from "../wire/index.ts";
import { loadAclFacts } from "./acl-facts.ts";
import { acceptedRangeEntry, auditEntry, intentEntry, localIntentEntry, rejectionEntry, type Acceptance } from "./audit-entries.ts";
import { authorize } from "./authorize.ts";
import { checkCausalPast, checkStubPast } from "./causal-past.ts";
import { commitEnvelope, holdStub, type Committed } from "./commit.ts";
import { park, readyAfter } from "./pending.ts";
import type { CommitListener, GraphPorts, GraphStorage } from "./ports.ts";
import { checkSchema } from "./schema-stage.ts";
import { syncReadRows } from "./sync-read.ts";
import {
  modeOf,
  type Author,
  type IngestOutcome,
  type IngestSource,
  type Mode,
  type SyncReadDecision,
  type WriteRequest,
} from "./types.ts";
import { revokedBy, withdrawNow } from "./withdrawal.ts";
import { GroupHeads, KeyHeads, takeGroup, type QueuedWrite } from "./local-group.ts";
import { draftLocalWrite, newTraceId, type ChainHead } from "./write-draft.ts";

export type { Author, IngestOutcome, IngestSource, SyncReadDecision, WriteRequest } from "./types.ts";

type BatchItem = { readonly input: Result<VerifiedLink>; readonly pendingId?: string };

/** Makes a batch a package: all or nothing, and the cursor moves in the same transaction. */
type Cursor = { readonly peer: string; readonly domain: string; readonly seq: number };

type CommitNotice = Parameters<CommitListener>[0];

/** A group of local writes: only its first is judged as it stands (local-group.ts). */
/** A local group: later writes retry alone; its intent was begun before it was drafted (ADR 0038). */
type GroupOptions = { readonly retryAfterFirst: boolean; readonly intent: Promise<Result<unknown>> };

/** A grouped write to draft again alone; never leaves the manager. */
const RETRY_ALONE: Result<IngestOutcome> = err(
  nodeError("ERR_MNG_STORAGE_TX_ABORTED", "Drafted again on its own, after the group it was in.", { reason: "group_retry" }),
);

/** What others may wait for: envelopes that committed and stubs now held (DESIGN §4 rule 2). */
function arrivedIds(outcomes: readonly Result<IngestOutcome>[]): EnvelopeId[] {
  return outcomes.flatMap((r) =>
    r.ok && (r.value.status === "accepted" || r.value.status === "suppressed" || r.value.status === "stub") ? [r.value.id] : [],
  );
}

/** What an envelope or stub names beyond itself: its prev (if any), then its deps (what the batch reads at once). */
function linksOf(verified: VerifiedLink): string[] {
  const { envelope } = verified;
  return [...(envelope.prev === null ? [] : [envelope.prev]), ...(verified.kind === "full" ? verified.envelope.content.deps : [])];
}

export class GraphManager {
  readonly #storage: GraphStorage;
  readonly #verifier: Ed25519Verifier;
  readonly #ports: GraphPorts;
  readonly #listeners = new Set<CommitListener>();
  #factsCache: AclFacts | null = null;
  /** Counts invalidations of the facts cache (see #aclFacts). */
  #factsGeneration = 0;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();
  /**
   * Whether the pending set may hold rows: counted once, then kept here, since only this manager
   * parks envelopes; a commit drains nothing (no read) while it is false (issue 17).
   */
  #maybePending: boolean | undefined;
  /** Local writes waiting for their turn, taken in groups (local-group.ts). */
  readonly #localWrites: QueuedWrite[] = [];
  /** Where the keys of local writes stand, kept across turns so a draft need not read them. */
  readonly #keyHeads: KeyHeads;

  constructor(storage: GraphStorage, verifier: Ed25519Verifier, ports: GraphPorts) {
    this.#storage = storage;
    this.#verifier = verifier;
    this.#ports = ports;
    this.#keyHeads = new KeyHeads(
      (key) => storage.lastOfKey(key),
      () => storage.globalSeq,
    );
  }

  onCommit(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One turn in flight at a time (digest 2.7): one ingest, one package, or one group of local writes (ADR 0029); reads do not wait. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs `work` in the write queue, between commits (the integrity repair, ADR 0018). The ACL facts
   * are read again afterwards: `work` may have rewritten the rows they come from.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      try {
        return await work();
      } finally {
        this.#keyHeads.forget();
        this.#invalidateFacts();
      }
    });
  }

  /** Refuses new writes and waits for the ones already queued (node shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }

  #refuseIfClosed(): Result<never> | null {
    return this.#closed ? err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The node is stopping.", { reason: "node_stopping" })) : null;
  }

  #validate(inputs: readonly (string | Uint8Array)[]): Promise<Result<VerifiedLink>[]> {
    return Promise.all(inputs.map((input) => validateLink(input, { verifier: this.#verifier })));
  }

  /**
   * Each envelope's checks that need no state (parse, structure, signature, id), outside the write
   * queue: a sync session runs them for the next package while this one commits (ADR 0027), then
   * hands them to `ingestPackage`.
   */
  validateLinks(texts: readonly string[]): Promise<Result<VerifiedLink>[]> {
    return this.#validate(texts);
  }

  /** Untrusted envelope or stub text or bytes, from a peer, an app package or an import. */
  async ingest(input: string | Uint8Array, source: IngestSource = { kind: "remote", actor: null }): Promise<Result<IngestOutcome>> {
    return (await this.ingestMany([input], source))[0]!;
  }

  /**
   * Many envelopes at once (a sync package, a restore): signatures are checked first, outside any
   * transaction, then all are evaluated and written in one transaction, each all-or-nothing.
   * Results come back in input order.
   */
  ingestMany(
    inputs: readonly (string | Uint8Array)[],
    source: IngestSource = { kind: "remote", actor: null },
  ): Promise<Result<IngestOutcome>[]> {
    return this.#serial(async () =>
      this.#applyBatch(
        (await this.#validate(inputs)).map((input) => ({ input })),
        source,
      ),
    );
  }

  /**
   * A sync package's envelopes (DESIGN §3): accepted atomically with the cursor it moves. Any
   * envelope that is rejected rejects the package; envelopes still waiting for dependencies from
   * elsewhere are fine. The caller has verified the package frame first.
   */
  ingestPackage(
    texts: readonly string[],
    cursor: Cursor,
    source: IngestSource,
    prevalidated?: Promise<Result<VerifiedLink>[]>,
  ): Promise<Result<IngestOutcome[]>> {
    return this.#serial(async () => {
      const validated = await (prevalidated ?? this.#validate(texts));
      const invalid = validated.find((v) => !v.ok);
      if (invalid !== undefined && !invalid.ok) {
        await this.#ports.audit.record([rejectionEntry(invalid.error, source, null)]);
        return invalid;
      }
      const refused = this.#refuseIfClosed();
      if (refused !== null) return refused;
      const outcomes = await this.#applyBatchCore(
        validated.map((input) => ({ input })),
        source,
        cursor,
      );
      const failed = outcomes.find((o) => !o.ok);
      if (failed !== undefined && !failed.ok) return failed;
      await this.#drainQuietly(arrivedIds(outcomes));
      return ok(outcomes.map((o) => (o as { value: IngestOutcome }).value));
    });
  }

  /**
   * A local write: the node drafts and signs the envelope for the session's identity and key. Writes
   * that wait behind the queue commit together (local-group.ts), each with the outcome it would
   * have had alone.
   */
  submit(author: Author, request: WriteRequest): Promise<Result<IngestOutcome>> {
    return new Promise((resolve, reject) => {
      this.#localWrites.push({ author, request, resolve, reject });
      // One turn of the queue per write: a turn finishes at least one, so none is left without one.
      void this.#serial(() => this.#commitLocalGroup(takeGroup(this.#localWrites)));
    });
  }

  async #commitLocalGroup(group: readonly QueuedWrite[]): Promise<void> {
    if (group.length === 0) return;
    try {
      const refused = this.#refuseIfClosed();
      if (refused !== null) return group.forEach((write) => write.resolve(refused));
      const source: IngestSource = { kind: "local", actor: group[0]!.author.identityId };
      // Each write's trace id is chosen now, so the intent written while the group drafts can name it.
      const requests = group.map(({ request }) => (request.traceId === undefined ? { ...request, traceId: newTraceId() } : request));
      // Write-ahead (ADR 0017) while the group drafts and signs (ADR 0038): no read waits on it.
      const intent = this.#begin(localIntentEntry(source, requests, this.#storage.globalSeq));
      const heads = new GroupHeads(this.#keyHeads.lastOfKey);
      const storage = {
        getEnvelopes: this.#storage.getEnvelopes.bind(this.#storage),
        getObjects: this.#storage.getObjects.bind(this.#storage),
        lastOfKey: heads.lastOfKey,
      };
      // Drafted in order (each chains on the one before: an id needs no signature), then signed all
      // at once, before the batch's transaction opens (DESIGN D5, ADR 0034).
      const prepared: { readonly write: QueuedWrite; readonly unsigned: UnsignedEnvelope }[] = [];
      for (const [i, write] of group.entries()) {
        const built = await draftLocalWrite(
          { storage, facts: await this.#aclFacts(), clock: this.#ports.clock },
          write.author,
          requests[i]!,
        );
        if (!built.ok) {
          await this.#ports.audit.record([rejectionEntry(built.error, source, null, write.request.app)]);
          write.resolve(built);
          continue;
        }
        heads.drafted(built.value.unsigned.author_key, {
          id: built.value.id,
          seq: built.value.unsigned.seq,
          lamport: built.value.unsigned.lamport,
        });
        prepared.push({ write, unsigned: built.value });
      }
      const signed = await Promise.all(prepared.map(({ write, unsigned }) => signEnvelope(write.author.signer, unsigned)));
      const drafted = prepared.map(({ write }, i) => ({ write, input: ok(signed[i]!) }));
      const outcomes = await this.#applyBatch(
        drafted.map(({ input }) => ({ input })),
        source,
        { retryAfterFirst: true, intent },
      );
      const again = drafted.filter((_, i) => outcomes[i] === RETRY_ALONE).map(({ write }) => write);
      drafted.forEach(({ write }, i) => outcomes[i] !== RETRY_ALONE && write.resolve(outcomes[i]!));
      this.#localWrites.unshift(...again);
    } catch (error) {
      group.forEach((write) => write.reject(error));
    }
  }

  /** A batch, then the pending envelopes waiting for what it brought. */
  async #applyBatch(items: readonly BatchItem[], source: IngestSource, group?: GroupOptions): Promise<Result<IngestOutcome>[]> {
    const refused = this.#refuseIfClosed();
    if (refused !== null) return items.map(() => refused);
    const outcomes = await this.#applyBatchCore(items, source, undefined, group);
    await this.#drainQuietly(arrivedIds(outcomes));
    return outcomes;
  }

  /**
   * Post-commit work must not make a committed write look failed: if draining the pending set
   * fails (the database closing underneath), the rows stay and a later commit retries them.
   */
  async #drainQuietly(ids: readonly EnvelopeId[]): Promise<void> {
    try {
      this.#maybePending ??= (await this.#storage.countPending()) > 0;
      if (!this.#maybePending || ids.length === 0) return;
      let frontier = ids;
      while (frontier.length > 0) {
        const ready = await readyAfter(this.#storage, frontier);
        if (ready.length === 0) return;
        const validated = await this.#validate(ready.map((row) => row.text));
        const outcomes = await this.#applyBatchCore(
          validated.map((input, i) => ({ input, pendingId: ready[i]!.id })),
          { kind: "remote", actor: null },
        );
        frontier = arrivedIds(outcomes);
      }
      this.#maybePending = (await this.#storage.countPending()) > 0;
    } catch {
      // Nothing to undo: every drained envelope committed or rolled back in its own transaction.
    }
  }

  /**
   * Evaluates and writes a batch inside one write transaction, then audits every outcome and tells
   * the listeners. `pendingId` marks an item retried from the pending set: rejected now, it leaves
   * the set. With a `cursor` the batch is a package: one rejection and nothing of it is written. In a
   * group of local writes, a later write that is refused or would wait is neither written nor
   * audited: it comes back as RETRY_ALONE, to be drafted again on its own.
   */
  async #applyBatchCore(
    items: readonly BatchItem[],
    source: IngestSource,
    cursor?: Cursor,
    group?: GroupOptions,
  ): Promise<Result<IngestOutcome>[]> {
    const outcomes: Result<IngestOutcome>[] = [];
    const audits: AuditEntry[] = [];
    const notices: CommitNotice[] = [];
    const accepted: Acceptance[] = [];
    // Write-ahead (ADR 0017): nothing that could commit goes ahead unless the log took its intent
    // (a local group's was begun before it was drafted, ADR 0038).
    const valid = items.flatMap(({ input }) => (input.ok ? [input.value] : []));
    if (valid.length > 0) {
      const begun = await (group?.intent ?? this.#begin(intentEntry(source, valid, this.#storage.globalSeq)));
      if (!begun.ok) return items.map(({ input }) => (input.ok ? begun : input));
    }
    const from = this.#storage.globalSeq;
    const written = await this.#storage.runWrite(async (tx) => {
      [outcomes, audits, notices, accepted].forEach((list) => (list.length = 0));
      const batch = items.flatMap(({ input }) => (input.ok ? [input.value] : []));
      // One read for the whole batch of what each envelope is checked against (is it here, are its
      // prev and deps, is there a rival at its seq); the transaction keeps the answers current.
      await tx.prefetch({
        envelopeIds: batch.flatMap((v) => [v.id, ...linksOf(v)]),
        keySeqs: batch.map((v) => [v.envelope.author_key, v.envelope.seq] as const),
        own: batch.map((v) => ({ id: v.id, authorKey: v.envelope.author_key, keySeq: v.envelope.seq })),
      });
      for (const [index, item] of items.entries()) {
        const alone = group?.retryAfterFirst !== true || index === 0;
        const outcome = await this.#applyOne(tx, item, modeOf(source), alone);
        if (!outcome.ok && cursor !== undefined) throw new AbortWrite(outcome.error); // a package is atomic (DESIGN §3)
        if (!alone && (!outcome.ok || outcome.value.status === "pending")) {
          outcomes.push(RETRY_ALONE);
          continue;
        }
        outcomes.push(outcome);
        const verified = item.input.ok ? item.input.value : null;
        const committed = outcome.ok && (outcome.value.status === "accepted" || outcome.value.status === "suppressed");
        // A remote batch's acceptances share one record, written with the batch's outcomes (ADR 0033).
        const audit = committed && source.kind !== "local" ? null : auditOf(outcome, source, verified);
        if (audit !== null) audits.push(audit);
        if (outcome.ok && (outcome.value.status === "accepted" || outcome.value.status === "suppressed")) {
          if (source.kind !== "local") accepted.push({ id: outcome.value.id, seq: outcome.value.seq, status: outcome.value.status });
          const content = (verified as VerifiedEnvelope).envelope.content;
          notices.push({
            envelopeId: outcome.value.id,
            seq: outcome.value.seq,
            app: content.app,
            domain: content.domain,
            status: outcome.value.status,
          });
        }
      }
      if (cursor !== undefined) await tx.putCursor({ ...cursor, updatedAt: isoTime(this.#ports.clock) });
    });
    if (!written.ok) {
      this.#invalidateFacts(); // facts loaded inside the rolled-back transaction may include its rows
      // The transaction rolled back: nothing of the batch was written, whatever was evaluated.
      const failed: Result<IngestOutcome>[] = items.map(({ input }) => (input.ok ? written : input));
      await this.#ports.audit.record(
        items.map(({ input }) => rejectionEntry(input.ok ? written.error : input.error, source, input.ok ? input.value : null)),
      );
      return failed;
    }
    if (group !== undefined) this.#keyHeads.committed(from, this.#storage.globalSeq, committedHeads(items, outcomes));
    // Not awaited (issue 17): the log appends in call order, so the next batch's intent follows these
    // outcomes, in its transaction (ADR 0038), and a query waits for them; a commit the log then
    // misses is reconciled (ADR 0017).
    if (accepted.length > 0) audits.push(acceptedRangeEntry(source, accepted));
    this.#ports.audit.recordSoon(audits);
    for (const notice of notices) for (const listener of this.#listeners) listener(notice);
    return outcomes;
  }

  /** The write-ahead intent, begun now and awaited before the transaction opens (a throw is a refusal too). */
  #begin(intent: AuditEntry): Promise<Result<unknown>> {
    return this.#ports.audit
      .begin(intent)
      .catch(() =>
        err(
          nodeError("ERR_MNG_LOG_UNAVAILABLE", "The audit log cannot write, so this node takes no changes until it can.", {
            reason: "begin_failed",
          }),
        ),
      );
  }

  /** One item of a batch inside its transaction: its stages, then what becomes of it (parked only if `mayPark`). */
  async #applyOne(tx: WriteTx, { input, pendingId }: BatchItem, mode: Mode, mayPark = true): Promise<Result<IngestOutcome>> {
    if (!input.ok) return input;
    const verified = input.value;
    const evaluated = verified.kind === "stub" ? await this.#evaluateStub(tx, verified) : await this.#evaluate(tx, verified, mode);
    if (!evaluated.ok) {
      if (pendingId !== undefined) await tx.deletePending(pendingId);
      return evaluated;
    }
    const result = evaluated.value;
    if (result.kind === "duplicate") {
      if (pendingId !== undefined) await tx.deletePending(pendingId);
      return ok({ status: "duplicate", id: verified.id, seq: result.seq });
    }
    if (result.kind === "stub") return ok({ status: "stub", id: verified.id });
    if (result.kind === "commit") return ok(result.outcome);
    if (!mayPark) return ok({ status: "pending", id: verified.id, missing: result.missing });
    this.#maybePending = true; // before the row is written: a stale true costs one read, a stale false a lost drain
    const parked = await park(tx, verified, result.missing, { maxPending: this.#ports.limits().maxPending, clock: this.#ports.clock });
    return parked.ok ? ok({ status: "pending", id: verified.id, missing: result.missing }) : parked;
  }

  /** Stages 2 to 4 for a full envelope against local state, then the commit (ADR 0005). */
  async #evaluate(tx: WriteTx, verified: VerifiedEnvelope, mode: Mode): Promise<Result<Committed["evaluated"]>> {
    const past = await checkCausalPast(tx, verified);
    if (!past.ok) return past;
    if (past.value.kind !== "ready") return ok(past.value);
    const schema = checkSchema(this.#ports.schemas, verified, past.value);
    if (!schema.ok) return schema;
    const reach = await authorize(tx, await this.#aclFacts(tx), verified, past.value, mode);
    if (!reach.ok) return reach;
    const committed = await commitEnvelope(tx, verified, past.value, reach.value, {
      clock: this.#ports.clock,
      budgets: this.#ports.limits(),
      maybePending: this.#maybePending !== false,
    });
    if (!committed.ok) return committed;
    await this.#afterCommit(tx, verified.id, committed.value);
    return ok(committed.value.evaluated);
  }

  /** A stub: its chain, then it is held (DESIGN §3). */
  async #evaluateStub(tx: WriteTx, verified: Extract<VerifiedLink, { kind: "stub" }>): Promise<Result<Committed["evaluated"]>> {
    const past = await checkStubPast(tx, verified);
    if (!past.ok) return past;
    if (past.value.kind !== "ready") return ok(past.value);
    const held = await holdStub(tx, verified, this.#ports.clock);
    await this.#afterCommit(tx, verified.id, held);
    return ok(held.evaluated);
  }

  /** ACL facts may have changed; a new revocation withdraws what it reaches (DESIGN §4 rule 5). */
  async #afterCommit(tx: WriteTx, envelopeId: string, committed: Committed): Promise<void> {
    if (committed.systemChanged) this.#invalidateFacts();
    if (!committed.revokes) return;
    if (await withdrawNow(tx, await revokedBy(tx, await this.#aclFacts(tx), envelopeId))) this.#invalidateFacts();
  }

  /** The ACL facts, loaded once per change of the system app (cleared on commits and failed batches). */
  async #aclFacts(tx: Pick<WriteTx, "objectsOfType" | "listIdentities"> = this.#storage): Promise<AclFacts> {
    if (this.#factsCache !== null) return this.#factsCache;
    // A load that began before an invalidation must not fill the cache after it: it read the old facts.
    const generation = this.#factsGeneration;
    const facts = await loadAclFacts(tx);
    if (generation === this.#factsGeneration) this.#factsCache = facts;
    return facts;
  }

  /** The system app changed (or a batch rolled back): the next read loads the facts again. */
  #invalidateFacts(): void {
    this.#factsCache = null;
    this.#factsGeneration += 1;
  }

  /** sync_read (sync-read.ts) for one stored envelope. */
  async syncRead(peer: string, envelopeId: string): Promise<Result<SyncReadDecision>> {
    const row = await this.#storage.getEnvelope(envelopeId);
    if (row === undefined) return err(nodeError("ERR_STRUCT_INVALID_IDENTIFIER", "No such envelope here.", { reason: "unknown_envelope" }));
    return ok((await this.syncReadRows(peer, [row]))[0]!);
  }

  /** sync_read for stored rows the caller already holds (a package being exported), all at once. */
  syncReadRows(peer: string, rows: readonly EnvelopeRow[]): Promise<SyncReadDecision[]> {
    const personOfNode = this.#ports.personOfNode;
    return syncReadRows(
      this.#storage,
      () => this.#aclFacts(),
      peer,
      rows,
      async () => (personOfNode === undefined ? null : personOfNode(peer)),
    );
  }

  /** Counts changes of the ACL facts: when it moves, what this node may read may have grown. */
  aclGeneration(): number {
    return this.#factsGeneration;
  }

  /** Facts for callers outside the write path (reads, sync export, events). */
  aclFacts(): Promise<AclFacts> {
    return this.#aclFacts();
  }
}

/** The key heads a committed batch wrote: each accepted or suppressed envelope, in order. */
function committedHeads(items: readonly BatchItem[], outcomes: readonly Result<IngestOutcome>[]): [string, ChainHead][] {
  return items.flatMap(({ input }, i) => {
    const outcome = outcomes[i];
    if (!input.ok || input.value.kind !== "full" || outcome === undefined || !outcome.ok) return [];
    if (outcome.value.status !== "accepted" && outcome.value.status !== "suppressed") return [];
    const { envelope, id } = input.value;
    return [[envelope.author_key, { id, keySeq: envelope.seq, lamport: envelope.lamport }]];
  });
}

/** The audit entry of one item's outcome (a duplicate needs none). */
function auditOf(outcome: Result<IngestOutcome>, source: IngestSource, verified: VerifiedLink | null): AuditEntry | null {
  if (!outcome.ok) return rejectionEntry(outcome.error, source, verified);
  const o = outcome.value;
  if (o.status === "duplicate") return null;
  if (o.status === "stub") return auditEntry("ingest_stub", source, verified, null, "Link held as a stub.", {});
  if (o.status === "pending")
    return auditEntry("ingest_pending", source, verified, null, "Waiting for missing dependencies.", { missing: o.missing.length });
  const kind = source.kind === "local" ? "write_accepted" : "ingest_accepted";
  // The committed global_seq: the log knows which commits it has outcome records for (ADR 0017).
  return { ...auditEntry(kind, source, verified, null, `Envelope ${o.status}.`, { status: o.status }), globalSeq: o.seq };
}
