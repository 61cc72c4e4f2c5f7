// The only write path (public design 07): every change, local or remote, goes structure → signature
// → causal past → schema → ownership → one atomic commit with the next global_seq, then is audited.
// A rejection changes nothing: no row, no sequence, no pending entry, no event (DESIGN D6).
import { evaluateRead, evaluateWrite, revocationReaching, type AclFacts, type AclTarget, type Reach } from "../acl/index.ts";
import type { Ed25519Verifier, Signer } from "../crypto/index.ts";
import type { AuditEntry } from "../log/index.ts";
import { compileSchema, SYSTEM_SCHEMA, validateOps, type CompiledSchema, type ObjectResolver } from "../schema/index.ts";
import { isoTime } from "../shared/clock.ts";
import { nodeError, type ErrorCode, type NodeError } from "../shared/errors.ts";
import {
  creatorOf,
  identityIdFromKey,
  parsePublicKeyText,
  publicKeyText,
  resolveObjectRef,
  type EnvelopeId,
  type IdentityId,
} from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { AbortWrite, type EnvelopeRow, type ObjectRow, type StorageManager, type StubRow, type VersionRow } from "../storage/index.ts";
import {
  buildEnvelope,
  IDENTITY_TYPE_KEY,
  SYSTEM_APP,
  validateLink,
  type Op,
  type VerifiedEnvelope,
  type VerifiedLink,
  type VerifiedStub,
} from "../wire/index.ts";
import { loadAclFacts, ownRevocationFacts } from "./acl-facts.ts";
import { delegatedApps, DEVICE_KEY_TYPE, deviceKeyBindings } from "./device-keys.ts";
import { materialize, recomputeWinner } from "./materialize.ts";
import type { CommitListener, GraphPorts } from "./ports.ts";
import { createdObjectId, isCreate, referencesOf, updateTarget, type OpReference } from "./references.ts";

export type IngestSource = { readonly kind: "local" | "remote"; readonly actor: IdentityId | null };

export type IngestOutcome =
  | { readonly status: "accepted" | "suppressed"; readonly id: EnvelopeId; readonly seq: number; readonly objectIds: readonly string[] }
  /** `seq` is the held envelope's global_seq, or 0 when it is held as a stub. */
  | { readonly status: "duplicate"; readonly id: EnvelopeId; readonly seq: number }
  /** A stub now holds its place in its key's chain (DESIGN §3); it has no effects and no global_seq. */
  | { readonly status: "stub"; readonly id: EnvelopeId }
  | { readonly status: "pending"; readonly id: EnvelopeId; readonly missing: readonly string[] };

/** Who writes through a session: the identity, and the key the node signs with for it. */
export type Author = { readonly identityId: IdentityId; readonly signer: Signer; readonly bindingEnvelopeId: EnvelopeId | null };

export type WriteRequest = {
  readonly app: string;
  readonly domain: string;
  readonly ops: readonly Omit<Op, "owner_identity">[];
  readonly traceId?: string;
};

const SYSTEM_COMPILED = (() => {
  const compiled = compileSchema(SYSTEM_SCHEMA);
  if (!compiled.ok) throw new Error(`the built-in system schema does not compile: ${compiled.error.message}`);
  return compiled.value;
})();

const APP_SCHEMA_TYPE = "system.app_schema";

/** Envelopes a revocation's own-past check walks at most (rule 5); beyond it, the revocation is refused. */
const MAX_OWN_PAST = 4_096;

/** The identity a public key text is the root of, or null for text that is not a key. */
function identityIdFromKeyText(text: string): string | null {
  const key = parsePublicKeyText(text);
  return key === undefined ? null : identityIdFromKey(key);
}

function reject(code: ErrorCode, message: string, data: Record<string, string | number> = {}): Result<never> {
  return err(nodeError(code, message, data));
}

type BatchItem = { readonly input: Result<VerifiedLink>; readonly pendingId?: string };

/** Makes a batch a package: all or nothing, and the cursor moves in the same transaction. */
type PackageOptions = { readonly cursor: { readonly peer: string; readonly domain: string; readonly seq: number } };

/** What others may wait for: envelopes that committed and stubs now held (DESIGN §4 rule 2). */
function arrivedIds(outcomes: readonly Result<IngestOutcome>[]): string[] {
  return outcomes.flatMap((r) =>
    r.ok && (r.value.status === "accepted" || r.value.status === "suppressed" || r.value.status === "stub") ? [r.value.id] : [],
  );
}

type Evaluated =
  | { readonly kind: "commit"; readonly outcome: IngestOutcome; readonly envelopeStatus: "accepted" | "suppressed" }
  | { readonly kind: "pending"; readonly missing: readonly string[] }
  | { readonly kind: "duplicate"; readonly seq: number }
  | { readonly kind: "stub" };

export class GraphManager {
  readonly #storage: StorageManager;
  readonly #verifier: Ed25519Verifier;
  readonly #ports: GraphPorts;
  readonly #listeners = new Set<CommitListener>();
  #factsCache: AclFacts | null = null;
  /** Counts invalidations of the facts cache (see #aclFacts). */
  #factsGeneration = 0;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(storage: StorageManager, verifier: Ed25519Verifier, ports: GraphPorts) {
    this.#storage = storage;
    this.#verifier = verifier;
    this.#ports = ports;
  }

  onCommit(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One envelope in flight at a time (digest 2.7); reads do not wait. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Refuses new writes and waits for the ones already queued (node shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }

  #refuseIfClosed(): Result<never> | null {
    return this.#closed ? err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The node is stopping.", { reason: "node_stopping" })) : null;
  }

  /** Untrusted envelope text or bytes, from a peer, an app package or an import. */
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
    return this.#serial(async () => {
      const validated = await Promise.all(inputs.map((input) => validateLink(input, { verifier: this.#verifier })));
      return this.#applyBatch(
        validated.map((input) => ({ input })),
        source,
      );
    });
  }

  /**
   * A sync package's envelopes (DESIGN §3): accepted atomically with the cursor it moves. Any
   * envelope that is rejected rejects the package; envelopes still waiting for dependencies from
   * elsewhere are fine. The caller has verified the package frame first.
   */
  ingestPackage(
    texts: readonly string[],
    cursor: { readonly peer: string; readonly domain: string; readonly seq: number },
    source: IngestSource,
  ): Promise<Result<IngestOutcome[]>> {
    return this.#serial(async () => {
      const validated = await Promise.all(texts.map((text) => validateLink(text, { verifier: this.#verifier })));
      const invalid = validated.find((v) => !v.ok);
      if (invalid !== undefined && !invalid.ok) {
        await this.#ports.audit.record([rejection(invalid.error, source, null)]);
        return invalid;
      }
      const refused = this.#refuseIfClosed();
      if (refused !== null) return refused;
      const outcomes = await this.#applyBatchCore(
        validated.map((input) => ({ input })),
        source,
        { cursor },
      );
      const failed = outcomes.find((o) => !o.ok);
      if (failed !== undefined && !failed.ok) return failed;
      await this.#drainQuietly(arrivedIds(outcomes));
      return ok(outcomes.map((o) => (o as { value: IngestOutcome }).value));
    });
  }

  /** A local write: the node builds and signs the envelope for the session's identity and key. */
  submit(author: Author, request: WriteRequest): Promise<Result<IngestOutcome>> {
    return this.#serial(async () => {
      const source: IngestSource = { kind: "local", actor: author.identityId };
      const refused = this.#refuseIfClosed();
      if (refused !== null) return refused;
      const built = await this.#build(author, request);
      if (!built.ok) {
        await this.#ports.audit.record([rejection(built.error, source, null, request.app)]);
        return built;
      }
      return (await this.#applyBatch([{ input: built }], source))[0]!;
    });
  }

  async #build(author: Author, request: WriteRequest): Promise<Result<VerifiedEnvelope>> {
    const key = publicKeyText(author.signer.publicKey);
    const head = await this.#storage.lastOfKey(key);
    const probe = referencesOf(
      request.ops.map((op) => ({ ...op, owner_identity: author.identityId })),
      "" as EnvelopeId,
    );
    const creators = [
      ...new Set(probe.filter((r) => r.ref.kind === "object").map((r) => (r.ref.kind === "object" ? r.ref.envelopeId : ""))),
    ];
    const creatorRows = await this.#storage.getEnvelopes(creators);
    const unknown = creators.find((_, i) => creatorRows[i] === undefined);
    if (unknown !== undefined)
      return reject("ERR_STRUCT_INVALID_IDENTIFIER", "An op names an object this node does not hold.", {
        reason: "unknown_object",
        envelope_id: unknown,
      });
    // Wire v2: deps list everything relied on, the key's own earlier objects too, since a peer may
    // hold the key's earlier envelopes only as stubs (DESIGN §3: prev is only the chain).
    const deps = new Set<string>(creators);
    // Writing under others' objects relies on their grants: cite them (DESIGN §4 rule 4).
    const targets = await this.#storage.getObjects(probe.map((r) => r.objectId));
    const facts = await this.#aclFacts();
    for (const row of targets.values()) {
      if (row.owner === author.identityId) continue;
      const decision = evaluateWrite(facts, author.identityId, aclTarget(row), { at: isoTime(this.#ports.clock), cited: null });
      if (decision.allow) for (const dep of decision.reliesOn) deps.add(dep);
    }
    // Every envelope of a device key names its binding, so each one proves itself (ADR 0013).
    if (author.bindingEnvelopeId !== null) deps.add(author.bindingEnvelopeId);
    const depRows = (await this.#storage.getEnvelopes([...deps])).filter((r): r is EnvelopeRow => r !== undefined);
    const lamports = [head, ...depRows].filter((r): r is EnvelopeRow => r !== undefined).map((r) => r.lamport);
    return buildEnvelope(
      author.signer,
      {
        app: request.app,
        domain: request.domain,
        traceId: request.traceId ?? `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
        seq: (head?.keySeq ?? 0) + 1,
        prev: (head?.id as EnvelopeId | undefined) ?? null,
        deps: [...deps] as EnvelopeId[],
        lamport: lamports.length === 0 ? 0 : 1 + Math.max(...lamports),
        createdAt: isoTime(this.#ports.clock),
        ops: request.ops,
      },
      { authorId: author.identityId },
    );
  }

  /**
   * Evaluates and writes a batch inside one write transaction, then audits every outcome, tells the
   * listeners, and gives waiting envelopes their turn. `pendingId` marks an item retried from the
   * pending set: if it is rejected now, it leaves the set.
   */
  async #applyBatch(items: readonly BatchItem[], source: IngestSource): Promise<Result<IngestOutcome>[]> {
    const refused = this.#refuseIfClosed();
    if (refused !== null) return items.map(() => refused);
    const outcomes = await this.#applyBatchCore(items, source);
    await this.#drainQuietly(arrivedIds(outcomes));
    return outcomes;
  }

  /**
   * Post-commit work must not make a committed write look failed: if draining the pending set
   * fails (the database closing underneath), the rows stay and a later commit retries them.
   */
  async #drainQuietly(ids: readonly string[]): Promise<void> {
    try {
      await this.#drainPending(ids);
    } catch {
      // Nothing to undo: every drained envelope committed or rolled back in its own transaction.
    }
  }

  async #applyBatchCore(items: readonly BatchItem[], source: IngestSource, pkg?: PackageOptions): Promise<Result<IngestOutcome>[]> {
    const outcomes: Result<IngestOutcome>[] = [];
    const audits: AuditEntry[] = [];
    const committed: { id: string; seq: number; app: string; domain: string; status: "accepted" | "suppressed" }[] = [];
    const written = await this.#storage.runWrite(async () => {
      outcomes.length = 0;
      audits.length = 0;
      committed.length = 0;
      // One read for the whole batch of what each envelope is checked against (is it here, are its
      // prev and deps, is there a rival at its seq), instead of round trips per envelope; storage
      // keeps the answers current as the batch writes.
      const batch = items.flatMap(({ input }) => (input.ok ? [input.value] : []));
      await this.#storage.prefetch({
        envelopeIds: batch.flatMap((v) => [v.id, ...linksOf(v)]),
        keySeqs: batch.map((v) => [v.envelope.author_key, v.envelope.seq] as const),
      });
      for (const { input, pendingId } of items) {
        const verified = input.ok ? input.value : null;
        const evaluated = !input.ok
          ? input
          : input.value.kind === "stub"
            ? await this.#holdStub(input.value)
            : await this.#evaluateAndApply(input.value, source.kind === "local");
        if (!evaluated.ok) {
          // A package is atomic (DESIGN §3): one bad envelope and nothing of it is written.
          if (pkg !== undefined) throw new AbortWrite(evaluated.error);
          if (pendingId !== undefined) await this.#storage.deletePending(pendingId);
          outcomes.push(evaluated);
          audits.push(rejection(evaluated.error, source, verified));
          continue;
        }
        const result = evaluated.value;
        const v = verified!;
        if (result.kind === "duplicate") {
          if (pendingId !== undefined) await this.#storage.deletePending(pendingId);
          outcomes.push(ok({ status: "duplicate", id: v.id, seq: result.seq }));
        } else if (result.kind === "stub") {
          outcomes.push(ok({ status: "stub", id: v.id }));
          audits.push(entry("ingest_stub", source, v, null, "Link held as a stub.", {}));
        } else if (result.kind === "pending") {
          const parked = await this.#park(v, result.missing);
          if (!parked.ok && pkg !== undefined) throw new AbortWrite(parked.error);
          outcomes.push(parked.ok ? ok({ status: "pending", id: v.id, missing: result.missing }) : parked);
          audits.push(
            parked.ok
              ? entry("ingest_pending", source, v, null, "Waiting for missing dependencies.", { missing: result.missing.length })
              : rejection(parked.error, source, v),
          );
        } else {
          outcomes.push(ok(result.outcome));
          const status = result.envelopeStatus;
          audits.push(
            entry(source.kind === "local" ? "write_accepted" : "ingest_accepted", source, v, null, `Envelope ${status}.`, { status }),
          );
          committed.push({
            id: v.id,
            seq: (result.outcome as { seq: number }).seq,
            app: (v as VerifiedEnvelope).envelope.content.app,
            domain: (v as VerifiedEnvelope).envelope.content.domain,
            status,
          });
        }
      }
      if (pkg !== undefined) await this.#storage.putCursor({ ...pkg.cursor, updatedAt: isoTime(this.#ports.clock) });
    });
    if (!written.ok) {
      this.#invalidateFacts(); // facts loaded inside the rolled-back transaction may include its rows
      // The transaction rolled back: nothing of the batch was written, whatever was evaluated.
      const failed = items.map(({ input }) => (input.ok ? (written as Result<never>) : input));
      await this.#ports.audit.record(
        items.map(({ input }, i) => rejection((failed[i] as { error: NodeError }).error, source, input.ok ? input.value : null)),
      );
      return failed;
    }
    await this.#ports.audit.record(audits);
    for (const commit of committed)
      for (const listener of this.#listeners)
        listener({ envelopeId: commit.id, seq: commit.seq, app: commit.app, domain: commit.domain, status: commit.status });
    return outcomes;
  }

  async #park(verified: VerifiedLink, missing: readonly string[]): Promise<Result<void>> {
    const [parked, count] = await Promise.all([this.#storage.getPending(verified.id), this.#storage.countPending()]);
    if (parked !== undefined) return ok(undefined);
    if (count >= this.#ports.limits().maxPending) {
      return reject("ERR_MNG_GRAPH_PENDING_FULL", "Too many envelopes are waiting for dependencies.", { reason: "pending_full" });
    }
    return this.#storage.putPending({ id: verified.id, text: verified.text, missing, receivedAt: isoTime(this.#ports.clock) });
  }

  /** Envelopes that waited for what just arrived get their turn once nothing else is missing (DESIGN §4 rule 2). */
  async #drainPending(arrived: readonly string[]): Promise<void> {
    let frontier = [...arrived];
    while (frontier.length > 0) {
      // Two reads per round, whatever the frontier's size: who waits for any of it, and which of what
      // they wait for is here now. Rows are visited in the order of one query per frontier id.
      const waiting = await this.#storage.pendingWaitingForAny(frontier);
      // Held in either form: a prev may be a stub; a dep held only as a stub parks the envelope again.
      const asked = [...new Set(waiting.flatMap((row) => row.missing))];
      const [full, stubs] = await Promise.all([this.#storage.getEnvelopes(asked), this.#storage.getStubs(asked)]);
      const present = new Set(asked.filter((_, i) => full[i] !== undefined || stubs[i] !== undefined));
      const ready = new Map<string, string>();
      const seen = new Set<string>();
      for (const id of frontier) {
        for (const row of waiting.filter((r) => r.missing.includes(id))) {
          if (seen.has(row.id)) continue;
          seen.add(row.id);
          const missing = row.missing.filter((m) => !present.has(m));
          if (missing.length === 0) ready.set(row.id, row.text);
          else if (missing.length < row.missing.length) await this.#storage.putPending({ ...row, missing });
        }
      }
      if (ready.size === 0) return;
      const validated = await Promise.all([...ready.values()].map((text) => validateLink(text, { verifier: this.#verifier })));
      const ids = [...ready.keys()];
      const outcomes = await this.#applyBatchCore(
        validated.map((input, i) => ({ input, pendingId: ids[i]! })),
        { kind: "remote", actor: null },
      );
      frontier = arrivedIds(outcomes);
    }
  }

  /**
   * A stub (DESIGN §3): checked like any envelope against its chain (prev held, the same key's
   * seq − 1, lamport past it), then held with no effects. A second link at its key's seq is a fork.
   */
  async #holdStub(verified: VerifiedStub): Promise<Result<Evaluated>> {
    const { envelope: link, id } = verified;
    const [[stored], [held]] = await Promise.all([this.#storage.getEnvelopes([id]), this.#storage.getStubs([id])]);
    if (stored !== undefined) return ok({ kind: "duplicate", seq: stored.seq });
    if (held !== undefined) return ok({ kind: "duplicate", seq: 0 });
    const prev = await this.#chainPrev(verified);
    if (!prev.ok) return prev;
    if (prev.value === "missing") return ok({ kind: "pending", missing: [link.prev!] });
    if (prev.value !== null && link.lamport <= prev.value.lamport) {
      return reject("ERR_SYNC_SEQUENCE_INVALID", "lamport is not past its prev.", { reason: "lamport_mismatch" });
    }
    const now = isoTime(this.#ports.clock);
    const rivals = await this.#forkRivals(link.author_key, link.seq, id);
    await this.#storage.holdStub({
      stub: {
        id,
        text: verified.text,
        authorId: link.author_id,
        authorKey: link.author_key,
        keySeq: link.seq,
        prev: link.prev,
        lamport: link.lamport,
        receivedAt: now,
      },
      ...(rivals.length > 0
        ? { fork: { authorKey: link.author_key, keySeq: link.seq, envelopeIds: [...rivals, id].sort(), detectedAt: now } }
        : {}),
      removePending: [id],
    });
    return ok({ kind: "stub" });
  }

  /** Other links held at a key's seq; if any, the key forked there and its envelopes from it on are withdrawn. */
  async #forkRivals(authorKey: string, seq: number, id: string): Promise<string[]> {
    const rivals = (await this.#storage.envelopeIdsAtKeySeq(authorKey, seq)).filter((rival) => rival !== id);
    if (rivals.length === 0) return rivals;
    const withdrawn = await this.#withdrawalSet([
      ...rivals,
      ...(await this.#storage.envelopesOfKeyFrom(authorKey, seq + 1)).map((r) => r.id),
    ]);
    if (withdrawn.length > 0) {
      const objectRows = new Map<string, ObjectRow>();
      const versionRows = new Map<string, VersionRow>();
      await this.#applyWithdrawal(withdrawn, objectRows, versionRows);
      await this.#storage.applyChanges({
        objects: [...objectRows.values()],
        versions: [...versionRows.values()],
        suppressEnvelopes: withdrawn,
      });
      this.#invalidateFacts();
    }
    return rivals;
  }

  /**
   * The link's prev as held (full or stub): null at seq 1, "missing" when not held yet (wait for it),
   * an error when it is not this key's previous link (DESIGN §3).
   */
  async #chainPrev(verified: VerifiedLink): Promise<Result<ChainLink | null | "missing">> {
    const link = verified.envelope;
    if (link.prev === null) return ok(null);
    const [[full], [stub]] = await Promise.all([this.#storage.getEnvelopes([link.prev]), this.#storage.getStubs([link.prev])]);
    const prev: ChainLink | undefined = full ?? stub;
    if (prev === undefined) return ok("missing");
    if (prev.authorKey !== link.author_key || prev.keySeq !== link.seq - 1) {
      return reject("ERR_SYNC_SEQUENCE_INVALID", "prev is not the previous envelope of this key.", { reason: "prev_not_previous_of_key" });
    }
    return ok(prev);
  }

  /** Stages 2 (key binding) to 4 against local state, then the commit. */
  async #evaluateAndApply(verified: VerifiedEnvelope, local: boolean): Promise<Result<Evaluated>> {
    const { envelope, id } = verified;
    const payload = envelope.content;
    const [[stored], [stub]] = await Promise.all([this.#storage.getEnvelopes([id]), this.#storage.getStubs([id])]);
    if (stored !== undefined) return ok({ kind: "duplicate", seq: stored.seq });

    // Causal past (DESIGN §3): prev held in either form, every dep held full; otherwise wait (§4 rule 2).
    const prev = await this.#chainPrev(verified);
    if (!prev.ok) return prev;
    const depRows = await this.#storage.getEnvelopes(payload.deps);
    const missing = [...(prev.value === "missing" ? [envelope.prev!] : []), ...payload.deps.filter((_, i) => depRows[i] === undefined)];
    if (missing.length > 0) return ok({ kind: "pending", missing });
    const past = depRows as EnvelopeRow[];
    const prevLink = prev.value as ChainLink | null;

    // DESIGN §3: lamport = 1 + max over prev and deps.
    const lamports = [...(prevLink === null ? [] : [prevLink.lamport]), ...past.map((r) => r.lamport)];
    const expectedLamport = lamports.length === 0 ? 0 : 1 + Math.max(...lamports);
    if (envelope.lamport !== expectedLamport) {
      return reject("ERR_SYNC_SEQUENCE_INVALID", "lamport is not one more than its causal past.", {
        reason: "lamport_mismatch",
        expected: expectedLamport,
      });
    }
    // A device key is bound by an attribute among the envelope's own deps (ADR 0013): a peer may hold
    // the key's earlier envelopes only as stubs, so the chain proves nothing about binding.
    if (verified.keyRole === "device" && !(await this.#isBound(envelope.author_id, envelope.author_key, past)))
      return reject("ERR_CRYPTO_KEY_NOT_BOUND", "The signing key is not bound to the author among the envelope's deps.", {
        reason: "binding_not_in_deps",
      });

    // References: every object named must have been created in the envelope's declared causal past.
    const references = referencesOf(payload.ops, id);
    const globalRefs = references.filter((r) => r.ref.kind === "object");
    const objects = await this.#storage.getObjects(globalRefs.map((r) => r.objectId));
    for (const ref of globalRefs) {
      if (ref.ref.kind !== "object") continue;
      const creator = ref.ref.envelopeId;
      if (!payload.deps.includes(creator))
        return reject("ERR_SYNC_MISSING_DEPENDENCY", "An op names an object whose creator is not among the envelope's deps.", {
          reason: "undeclared_dependency",
          path: `payload.ops[${ref.opIndex}].payload.${ref.field}`,
        });
      if (!objects.has(ref.objectId))
        return reject("ERR_STRUCT_INVALID_IDENTIFIER", "An op names an object that does not exist.", {
          reason: "unknown_object",
          path: `payload.ops[${ref.opIndex}].payload.${ref.field}`,
        });
    }

    // Stage 3: schema.
    const schema = this.#schemaFor(payload.app);
    if (schema === undefined)
      return reject("ERR_SCHEMA_TYPE_NOT_ALLOWED", "The app is not installed on this node.", {
        reason: "app_not_installed",
        app: payload.app,
      });
    const resolve: ObjectResolver = (ref) => {
      const row = objects.get(resolveObjectRef(ref, id));
      return row === undefined ? undefined : { kind: row.kind, typeKey: row.typeKey, app: row.app };
    };
    const schemaCheck = validateOps(schema, payload, resolve);
    if (!schemaCheck.ok) return schemaCheck;
    const appSchemaCheck = this.#checkAppSchemas(payload.ops);
    if (!appSchemaCheck.ok) return appSchemaCheck;

    // Stage 4: authorization (DESIGN §4 rule 4, ADR 0010).
    const authorized = await this.#authorize(verified, references, objects, local);
    if (!authorized.ok) return authorized;

    return this.#commit(verified, past, references, objects, authorized.value, stub !== undefined);
  }

  async #commit(
    verified: VerifiedEnvelope,
    past: readonly EnvelopeRow[],
    references: readonly OpReference[],
    objects: ReadonlyMap<string, ObjectRow>,
    revoked: Reach | null,
    upgradesStub: boolean,
  ): Promise<Result<Evaluated>> {
    const { envelope, id } = verified;
    const payload = envelope.content;
    // DESIGN §3: another envelope by the same key at the same seq is a fork: evidence, and the key
    // counts as revoked from that seq on. Later envelopes of a forked key, and anything relying on
    // a withdrawn envelope, are stored suppressed.
    // Both reads in one round trip; the fork record is read even when the answer is already known.
    const [atKeySeq, forked] = await Promise.all([
      this.#storage.envelopeIdsAtKeySeq(envelope.author_key, envelope.seq),
      this.#storage.forkedAtOrBefore(envelope.author_key, envelope.seq),
    ]);
    const rivals = atKeySeq.filter((rival) => rival !== id);
    // Rule 5: relying on revoked authority beyond the cut, on a withdrawn envelope (among deps: prev
    // is only the chain), or on a forked key.
    const inherited = revoked !== null || past.some((r) => r.status === "suppressed") || forked;
    const suppressed = rivals.length > 0 || inherited;
    const seq = this.#storage.globalSeq + 1;
    const now = isoTime(this.#ports.clock);
    const rows = materialize({ verified, seq, references, existing: objects, suppressed });
    const objectRows = new Map(rows.objects.map((row) => [row.id, row]));
    const versionRows = new Map(rows.versions.map((v) => [versionKey(v), v]));
    let withdrawn: string[] = [];
    if (rivals.length > 0) {
      withdrawn = await this.#withdrawalSet([
        ...rivals,
        ...(await this.#storage.envelopesOfKeyFrom(envelope.author_key, envelope.seq + 1)).map((r) => r.id),
      ]);
      await this.#applyWithdrawal(withdrawn, objectRows, versionRows);
    }
    const isGenesis = payload.ops[0]?.type_key === IDENTITY_TYPE_KEY;
    const status = suppressed ? "suppressed" : "accepted";
    const committed = await this.#storage.apply(
      {
        seq,
        envelope: {
          seq,
          id,
          text: verified.text,
          authorId: envelope.author_id,
          authorKey: envelope.author_key,
          keySeq: envelope.seq,
          app: payload.app,
          domain: payload.domain,
          lamport: envelope.lamport,
          prev: envelope.prev,
          deps: payload.deps,
          status,
          committedAt: now,
        },
        objects: [...objectRows.values()],
        versions: [...versionRows.values()],
        suppressEnvelopes: withdrawn,
        ...(rivals.length > 0
          ? {
              fork: {
                authorKey: envelope.author_key,
                keySeq: envelope.seq,
                envelopeIds: [...rivals, id].sort(),
                detectedAt: now,
              },
            }
          : {}),
        ...(isGenesis && !suppressed ? { identity: { id: envelope.author_id, rootKey: envelope.author_key, genesisId: id, seq } } : {}),
        removePending: [id],
        ...(upgradesStub ? { replacesStub: id } : {}),
      },
      this.#ports.limits(),
    );
    if (!committed.ok) return committed;
    // ACL facts may have changed: a system envelope, or a fork withdrawing one (its objects change).
    if (payload.app === SYSTEM_APP || [...objectRows.values()].some((row) => row.app === SYSTEM_APP)) this.#invalidateFacts();
    if (payload.app === SYSTEM_APP) {
      if (!suppressed && payload.ops.some((op) => op.type_key === "system.revocation" || op.type_key.endsWith(".deny")))
        await this.#withdrawRevoked(id);
    }
    const objectIds = payload.ops
      .map((op, i) => (isCreate(op) ? createdObjectId(id, i) : undefined))
      .filter((x): x is ReturnType<typeof createdObjectId> => x !== undefined);
    return ok({ kind: "commit", envelopeStatus: status, outcome: { status, id, seq, objectIds } });
  }

  /** The ACL facts, loaded once per change of the system app (cleared on commits and failed batches). */
  async #aclFacts(): Promise<AclFacts> {
    if (this.#factsCache !== null) return this.#factsCache;
    // A load that began before an invalidation must not fill the cache after it: it read the old facts.
    const generation = this.#factsGeneration;
    const facts = await loadAclFacts(this.#storage);
    if (generation === this.#factsGeneration) this.#factsCache = facts;
    return facts;
  }

  /** The system app changed (or a batch rolled back): the next read loads the facts again. */
  #invalidateFacts(): void {
    this.#factsCache = null;
    this.#factsGeneration += 1;
  }

  /**
   * sync_read (public design 06; DESIGN §4): may `peer` receive this stored envelope? Every object it
   * creates or updates must be readable by the peer; admin grants never count for export. Identity
   * envelopes always travel, so any node can verify authors it has never met.
   */
  async syncRead(peer: string, envelopeId: string): Promise<Result<SyncReadDecision>> {
    const row = await this.#storage.getEnvelope(envelopeId);
    if (row === undefined) return reject("ERR_STRUCT_INVALID_IDENTIFIER", "No such envelope here.", { reason: "unknown_envelope" });
    return ok((await this.syncReadRows(peer, [row]))[0]!);
  }

  /**
   * sync_read for stored rows the caller already holds (a package being exported): the same decision
   * as syncRead for each, with one read of the objects for all of them instead of two reads each.
   */
  async syncReadRows(peer: string, rows: readonly EnvelopeRow[]): Promise<SyncReadDecision[]> {
    const written = rows.map((row) => (row.app === SYSTEM_APP && row.domain === "identity" ? null : writtenBy(row)));
    if (written.every((w) => w === null)) return rows.map(() => ({ allow: true, reason: "identity" }));
    const facts = await this.#aclFacts();
    const objects = await this.#storage.getObjects(written.flatMap((w) => w?.ids ?? []));
    return written.map((w) => {
      if (w === null) return { allow: true, reason: "identity" };
      // In id order, as one storage read per envelope listed them: the first denial is the reason.
      for (const id of [...new Set(w.ids)].sort()) {
        const object = objects.get(id);
        if (object === undefined) continue;
        const decision = evaluateRead(facts, peer, aclTarget(object), { at: w.createdAt, forSync: true });
        if (!decision.allow) return { allow: false, reason: decision.reason };
      }
      return { allow: true, reason: "readable" };
    });
  }

  /** Counts changes of the ACL facts: when it moves, what this node may read may have grown. */
  aclGeneration(): number {
    return this.#factsGeneration;
  }

  /** Facts for callers outside the write path (reads, sync export, events). */
  aclFacts(): Promise<AclFacts> {
    return this.#aclFacts();
  }

  /**
   * Stage 4 (DESIGN §4 rule 4, ADR 0010). Replicated validity sees only what the envelope cites;
   * local writes also meet every fact this node holds (a deny, visibility, a revoked key or grant),
   * so the node never authors what it would withdraw. Returns the revocation reaching the envelope.
   */
  async #authorize(
    verified: VerifiedEnvelope,
    references: readonly OpReference[],
    objects: ReadonlyMap<string, ObjectRow>,
    local: boolean,
  ): Promise<Result<Reach | null>> {
    const { envelope, id } = verified;
    const payload = envelope.content;
    const author = envelope.author_id;
    const facts = await this.#aclFacts();
    if (verified.keyRole === "device") {
      const apps = await this.#deviceKeyApps(envelope.author_key, author);
      if (apps !== null && !apps.includes(payload.app)) {
        return reject("ERR_AUTH_SCOPE_EXCEEDED", "The device key is not delegated for this app.", {
          reason: "key_scope",
          app: payload.app,
        });
      }
    }
    const revokers = await this.#checkRevokers(payload.ops, author);
    if (!revokers.ok) return revokers;
    const ownPast = await this.#checkOwnPast(verified, facts);
    if (!ownPast.ok) return ownPast;
    const at = payload.created_at;
    const cited = new Set<string>(payload.deps);
    for (const { opIndex, row } of writesUnder(payload.ops, references, objects)) {
      if (row.owner === author) continue;
      for (const decision of [
        // Local writes meet every fact first (its message is the more useful one), then the cited rule.
        ...(local ? [evaluateWrite(facts, author, aclTarget(row), { at, cited: null })] : []),
        evaluateWrite(facts, author, aclTarget(row), { at, cited }),
      ]) {
        if (!decision.allow)
          return reject(
            decision.code,
            decision.code === "ERR_AUTH_NOT_OWNER"
              ? "Only the owner, or a holder of a grant, may write under this object."
              : "Access is denied.",
            { reason: decision.reason, op_index: opIndex, object_id: row.id },
          );
      }
    }
    if (local) {
      for (const ref of references) {
        const row = ref.ref.kind === "object" ? objects.get(ref.objectId) : undefined;
        if (row === undefined || row.owner === author) continue;
        if (!evaluateRead(facts, author, aclTarget(row), { at, forSync: false }).allow) {
          return reject("ERR_AUTH_VISIBILITY_DENIED", "An op names an object its author may not see.", {
            reason: "not_visible",
            op_index: ref.opIndex,
          });
        }
      }
    }
    const reach = revocationReaching(facts, {
      id,
      authorId: author,
      authorKey: envelope.author_key,
      keySeq: envelope.seq,
      deps: payload.deps,
    });
    if (reach !== null && local) {
      return reach.kind === "key"
        ? reject("ERR_CRYPTO_KEY_REVOKED", "The signing key is revoked.", { reason: "key_revoked" })
        : reject("ERR_CAPABILITY_REVOKED", "A grant this write relies on is revoked.", { reason: "grant_revoked" });
    }
    return ok(reach);
  }

  /**
   * DESIGN §4 rule 5: a revocation never reaches itself or its own causal past, or it would withdraw
   * what it stands on. The past is the envelope, its key's chain below it, and through deps (all held
   * full, or it would not be evaluated) the same again: what every node applying it holds alike.
   */
  async #checkOwnPast(verified: VerifiedEnvelope, facts: AclFacts): Promise<Result<void>> {
    const { envelope, id } = verified;
    const own = ownRevocationFacts(id, envelope.author_id, envelope.content.ops);
    if (own.revocations.length === 0 && own.denies.length === 0) return ok(undefined);
    const highest = new Map<string, number>([[envelope.author_key, envelope.seq]]);
    const past: EnvelopeRow[] = [];
    const seen = new Set<string>([id]);
    let frontier: readonly string[] = envelope.content.deps;
    while (frontier.length > 0) {
      const rows = (await this.#storage.getEnvelopes(frontier.filter((d) => !seen.has(d)))).filter(
        (r): r is EnvelopeRow => r !== undefined,
      );
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        past.push(row);
        highest.set(row.authorKey, Math.max(highest.get(row.authorKey) ?? 0, row.keySeq));
      }
      if (seen.size > MAX_OWN_PAST)
        return reject("ERR_AUTH_REVOCATION_CUT_INVALID", "The revocation's causal past is too large to check.", {
          reason: "causal_past_too_large",
        });
      frontier = rows.flatMap((row) => row.deps);
    }
    const cutReaching = (): string | null => {
      for (const r of own.revocations) if (r.kind === "key" && (highest.get(r.target) ?? 0) > (r.cuts.get(r.target) ?? 0)) return r.target;
      const scoped: AclFacts = {
        ...facts,
        revocations: own.revocations.filter((r) => r.kind !== "key"),
        rules: [...facts.rules, ...own.denies],
      };
      for (const row of past)
        if (
          revocationReaching(scoped, {
            id: row.id,
            authorId: row.authorId,
            authorKey: row.authorKey,
            keySeq: row.keySeq,
            deps: row.deps,
          }) !== null
        )
          return row.authorKey;
      return null;
    };
    const key = cutReaching();
    if (key === null) return ok(undefined);
    return reject("ERR_AUTH_REVOCATION_CUT_INVALID", "The revocation's cut would withdraw the revocation itself or what it relies on.", {
      reason: "cut_reaches_own_past",
      key,
    });
  }

  /** The apps a device key is delegated for, or null when its binding does not limit them. */
  async #deviceKeyApps(key: string, identity: string): Promise<readonly string[] | null> {
    const binding = (await deviceKeyBindings(this.#storage, key)).find((b) => b.owner === identity);
    return binding === undefined ? null : delegatedApps(binding);
  }

  /** Only a key's identity revokes the key; only a grant's, membership's or capability's owner revokes it. */
  async #checkRevokers(ops: readonly Op[], author: string): Promise<Result<void>> {
    for (const [i, op] of ops.entries()) {
      if (op.type_key !== "system.revocation" || op.op !== "parent_create") continue;
      const value = (op.payload as { value: { kind: string; target: string } }).value;
      let allowed: boolean;
      if (value.kind === "key") {
        allowed = identityIdFromKeyText(value.target) === author || (await this.#deviceKeyBoundTo(value.target, author));
      } else {
        const target = await this.#storage.getObject(value.target);
        allowed = target !== undefined && target.owner === author && target.typeKey === REVOCATION_TARGET_TYPES[value.kind];
      }
      if (!allowed)
        return reject("ERR_AUTH_NOT_OWNER", "Only the owner of what is revoked may revoke it.", { reason: "not_revoker", op_index: i });
    }
    return ok(undefined);
  }

  async #deviceKeyBoundTo(key: string, identity: string): Promise<boolean> {
    return (await deviceKeyBindings(this.#storage, key, { includeWithdrawn: true })).some((b) => b.owner === identity);
  }

  /** DESIGN §4 rule 5: a new revocation withdraws what it reaches among accepted envelopes. */
  async #withdrawRevoked(revocationEnvelope: string): Promise<void> {
    const facts = await this.#aclFacts();
    const candidates = new Map<string, EnvelopeRow>();
    const add = (rows: readonly EnvelopeRow[]) => rows.forEach((r) => r.status === "accepted" && candidates.set(r.id, r));
    for (const r of facts.revocations.filter((f) => f.envelopeId === revocationEnvelope)) {
      if (r.kind === "key") add(await this.#storage.envelopesOfKeyFrom(r.target, 1));
      else if (r.kind === "capability")
        for (const g of facts.grants.filter((g) => g.capabilityId === r.target)) add(await this.#storage.dependentsOf(g.envelopeId));
      else add(await this.#storage.dependentsOf(creatorOf(r.target)));
    }
    for (const deny of facts.rules.filter((d) => d.envelopeId === revocationEnvelope && d.effect === "deny" && d.mode === "write")) {
      for (const allow of facts.rules.filter((a) => a.rootId === deny.rootId && a.effect === "allow" && a.mode === "write"))
        add(await this.#storage.dependentsOf(allow.envelopeId));
    }
    const seeds = [...candidates.values()]
      .filter(
        (row) =>
          revocationReaching(facts, {
            id: row.id,
            authorId: row.authorId,
            authorKey: row.authorKey,
            keySeq: row.keySeq,
            deps: row.deps,
          }) !== null,
      )
      .map((row) => row.id);
    const withdrawn = await this.#withdrawalSet(seeds);
    if (withdrawn.length === 0) return;
    const objectRows = new Map<string, ObjectRow>();
    const versionRows = new Map<string, VersionRow>();
    await this.#applyWithdrawal(withdrawn, objectRows, versionRows);
    await this.#storage.applyChanges({
      objects: [...objectRows.values()],
      versions: [...versionRows.values()],
      suppressEnvelopes: withdrawn,
    });
    this.#invalidateFacts();
  }

  /** The accepted envelopes to withdraw: the seeds and, transitively, everything relying on them. */
  async #withdrawalSet(seeds: readonly string[]): Promise<string[]> {
    const seen = new Set<string>();
    const queue = [...seeds];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      const row = await this.#storage.getEnvelope(next);
      if (row === undefined || row.status === "suppressed") continue;
      seen.add(next);
      for (const dependent of await this.#storage.dependentsOf(next)) queue.push(dependent.id);
    }
    return [...seen];
  }

  /** DESIGN §4 rule 5: withdrawn effects leave state; the envelopes and versions stay in history, marked. */
  async #applyWithdrawal(
    withdrawn: readonly string[],
    objectRows: Map<string, ObjectRow>,
    versionRows: Map<string, VersionRow>,
  ): Promise<void> {
    if (withdrawn.length === 0) return;
    const gone = new Set(withdrawn);
    const versions = await this.#storage.versionsOfEnvelopes(withdrawn);
    for (const v of versions) versionRows.set(versionKey(v), { ...v, suppressed: 1 });
    const affected = new Set(versions.map((v) => v.objectId));
    for (const objectId of affected) {
      const row = objectRows.get(objectId) ?? (await this.#storage.getObject(objectId));
      if (row === undefined) continue;
      const creatorGone = gone.has(creatorOf(objectId));
      const all = (await this.#storage.versionsOf(objectId)).map((v) => versionRows.get(versionKey(v)) ?? v);
      for (const v of versionRows.values()) if (v.objectId === objectId && !all.some((a) => versionKey(a) === versionKey(v))) all.push(v);
      const recomputed = recomputeWinner(row, all);
      objectRows.set(objectId, creatorGone ? { ...recomputed, suppressed: 1 } : recomputed);
    }
  }

  /** A device key is bound by a `system.device_key` attribute on the author's identity, among deps. */
  async #isBound(authorId: string, authorKey: string, past: readonly EnvelopeRow[]): Promise<boolean> {
    const identity = await this.#storage.getIdentity(authorId);
    if (identity === undefined) return false;
    const identityObject = `${identity.genesisId}:0`;
    return past.some((row) => {
      if (row.authorId !== authorId || row.status !== "accepted") return false;
      const ops = (JSON.parse(row.text) as { content: { ops: Op[] } }).content.ops;
      return ops.some((op) => {
        if (op.op !== "attr_create" || op.type_key !== DEVICE_KEY_TYPE) return false;
        const p = op.payload as { parent_id: string; value: { public_key?: unknown } };
        return p.parent_id === identityObject && p.value.public_key === authorKey;
      });
    });
  }

  #schemaFor(app: string): CompiledSchema | undefined {
    return app === SYSTEM_APP ? SYSTEM_COMPILED : this.#ports.schemas.schemaFor(app);
  }

  /** An app schema object must itself be a valid schema document (so every node can compile it). */
  #checkAppSchemas(ops: readonly Op[]): Result<void> {
    for (const [i, op] of ops.entries()) {
      if (op.type_key !== APP_SCHEMA_TYPE) continue;
      const compiled = compileSchema((op.payload as { value: { schema?: unknown } }).value.schema);
      if (!compiled.ok)
        return reject("ERR_SCHEMA_INVALID_VALUE", "The app schema document is invalid.", {
          reason: "invalid_app_schema",
          path: `payload.ops[${i}].payload.value.schema`,
          detail: String(compiled.error.data["reason"] ?? ""),
        });
    }
    return ok(undefined);
  }
}

/** The audit record of an outcome; entries are written after the batch's transaction (DESIGN D5). */
function entry(
  kind: AuditEntry["kind"],
  source: IngestSource,
  verified: VerifiedLink | null,
  code: ErrorCode | null,
  message: string,
  data: AuditEntry["data"],
): AuditEntry {
  const e = verified?.envelope;
  return {
    kind,
    traceId: e !== undefined && "content" in e ? e.content.trace_id : null,
    code,
    actor: source.actor ?? e?.author_id ?? null,
    app: e !== undefined && "content" in e ? e.content.app : null,
    envelopeId: verified?.id ?? null,
    globalSeq: null,
    message,
    data,
  };
}

function rejection(error: NodeError, source: IngestSource, verified: VerifiedLink | null, app?: string): AuditEntry {
  const data = { category: error.category, ...(app === undefined ? {} : { app }) };
  return entry(source.kind === "local" ? "write_rejected" : "ingest_rejected", source, verified, error.code, error.message, data);
}

/** A sync_read answer: may the peer receive the envelope, and why (or why not). */
export type SyncReadDecision = { readonly allow: boolean; readonly reason: string };

/** The objects a stored envelope creates or updates, and its created_at (the time sync_read judges at). */
function writtenBy(row: EnvelopeRow): { readonly ids: readonly string[]; readonly createdAt: string } {
  const payload = (JSON.parse(row.text) as { content: { ops: Op[]; created_at: string } }).content;
  const references = referencesOf(payload.ops, row.id as EnvelopeId);
  const ids = payload.ops
    .map((op, i) => (isCreate(op) ? createdObjectId(row.id as EnvelopeId, i) : updateTarget(references, i)?.objectId))
    .filter((x): x is NonNullable<typeof x> => x !== undefined);
  return { ids, createdAt: payload.created_at };
}

/** What an envelope or stub names beyond itself: its prev (if any), then its deps (what the batch reads at once). */
function linksOf(verified: VerifiedLink): string[] {
  const { envelope } = verified;
  return [...(envelope.prev === null ? [] : [envelope.prev]), ...(verified.kind === "full" ? verified.envelope.content.deps : [])];
}

/** A link as the chain checks it: held full or as a stub. */
type ChainLink = Pick<EnvelopeRow | StubRow, "authorKey" | "keySeq" | "lamport">;

function versionKey(v: VersionRow): string {
  return `${v.objectId}|${v.envelopeId}|${v.opIndex}`;
}

/**
 * The existing objects an envelope writes under (ADR 0005): an update's target, an attribute's
 * parent, an edge's source. Parents and ratings write under nothing; local refs are the author's own.
 */
function writesUnder(
  ops: readonly Op[],
  references: readonly OpReference[],
  objects: ReadonlyMap<string, ObjectRow>,
): { opIndex: number; row: ObjectRow }[] {
  return ops.flatMap((op, opIndex) => {
    if (op.op === "parent_create" || op.op === "rating_create") return [];
    const target = updateTarget(references, opIndex);
    const row = target === undefined || target.ref.kind === "local" ? undefined : objects.get(target.objectId);
    return row === undefined ? [] : [{ opIndex, row }];
  });
}

const aclTarget = (row: ObjectRow): AclTarget => ({ id: row.id, app: row.app, typeKey: row.typeKey, owner: row.owner });

const REVOCATION_TARGET_TYPES: Readonly<Record<string, string>> = {
  grant: "system.capability_grant",
  membership: "system.group_member",
  capability: "system.capability",
};
