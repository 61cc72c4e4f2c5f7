// The rows a write transaction's batch applied and has not sent to the database yet (issue 17):
// WriteScope.apply adds each plan here, and the batch's end writes them all with one bulk write
// per store instead of one round trip per envelope.
import { keySeqKey } from "./node-database.ts";
import type { EnvelopeRow, ForkRow, IdentityRow, ObjectRow, VersionRow } from "./rows.ts";
import type { CommitPlan } from "./storage-manager.ts";

/**
 * The rows of the plans a batch applied and has not written yet, merged as writing them in order
 * would leave them: a later put of an object or version replaces the earlier one.
 */
export class PlannedRows {
  readonly #envelopes = new Map<string, EnvelopeRow>();
  readonly #objects = new Map<string, ObjectRow>();
  readonly #versions = new Map<string, VersionRow>();
  readonly #identities = new Map<string, IdentityRow>();
  readonly #idsAtKeySeq = new Map<string, string[]>();
  readonly forks: ForkRow[] = [];
  readonly pendingDeletes = new Set<string>();
  readonly stubDeletes = new Set<string>();
  /** Envelopes written before the buffer began that a plan in it withdrew. */
  readonly suppressStored = new Set<string>();

  add(plan: CommitPlan): void {
    this.#envelopes.set(plan.envelope.id, plan.envelope);
    const at = keySeqKey(plan.envelope.authorKey, plan.envelope.keySeq);
    this.#idsAtKeySeq.set(at, [...(this.#idsAtKeySeq.get(at) ?? []), plan.envelope.id]);
    for (const row of plan.objects) this.#objects.set(row.id, row);
    for (const row of plan.versions) this.#versions.set(`${row.objectId} ${row.envelopeId} ${row.opIndex}`, row);
    if (plan.fork !== undefined) this.forks.push(plan.fork);
    if (plan.identity !== undefined) this.#identities.set(plan.identity.id, plan.identity);
    for (const id of plan.removePending ?? []) this.pendingDeletes.add(id);
    if (plan.replacesStub !== undefined) this.stubDeletes.add(plan.replacesStub);
  }

  /** Withdrawn: the planned row is marked, or the stored one will be. */
  suppress(id: string): void {
    const planned = this.#envelopes.get(id);
    if (planned !== undefined) this.#envelopes.set(id, { ...planned, status: "suppressed" });
    else this.suppressStored.add(id);
  }

  isEmpty(): boolean {
    return this.#envelopes.size === 0 && this.suppressStored.size === 0;
  }

  envelopes = (): EnvelopeRow[] => [...this.#envelopes.values()];
  objects = (): ObjectRow[] => [...this.#objects.values()];
  versions = (): VersionRow[] => [...this.#versions.values()];
  identities = (): IdentityRow[] => [...this.#identities.values()];
  hasObject = (id: string): boolean => this.#objects.has(id);
  object = (id: string): ObjectRow | undefined => this.#objects.get(id);
  identity = (id: string): IdentityRow | undefined => this.#identities.get(id);
  idsAtKeySeq = (key: string): readonly string[] => this.#idsAtKeySeq.get(key) ?? [];
}
