// The queries a write transaction and the manager outside one both answer, uncached, over whichever
// stores they are given: the database's (a reader's own transaction) or those bound to a write.
import Dexie from "dexie";
import { ok, type Result } from "../shared/result.ts";
import { storageError, type Stores } from "./node-database.ts";
import type { EnvelopeRow, IdentityRow, ObjectRow, PendingRow, StubRow, VersionRow } from "./rows.ts";

/**
 * Whether the database may hold stubs. Most nodes never hold one (every peer may read everything):
 * then stub lookups answer "none" without a round trip. Set once a stub is held, never cleared.
 */
export type StubHint = { maybeStubs: boolean };

export class StoreQueries {
  constructor(
    protected readonly stores: Stores,
    protected readonly hint: StubHint,
  ) {}

  getEnvelope(id: string): Promise<EnvelopeRow | undefined> {
    return this.getEnvelopes([id]).then((rows) => rows[0]);
  }

  /** Rows for `ids`, in order (undefined where absent). */
  getEnvelopes(ids: readonly string[]): Promise<(EnvelopeRow | undefined)[]> {
    // A draft that cites nothing asks for none: skip the round trip (a Dexie promise, see WriteScope.getEnvelopes).
    if (ids.length === 0) return Dexie.Promise.resolve([]);
    // Each id looked up once, however often it is asked for.
    const wanted = [...new Set(ids)];
    return byId(this.stores.envelopes, wanted).then((rows) => {
      const found = new Map(wanted.map((id, i) => [id, rows[i]]));
      return ids.map((id) => found.get(id));
    });
  }

  /** Stubs held for `ids`, in order (undefined where none). */
  getStubs(ids: readonly string[]): Promise<(StubRow | undefined)[]> {
    if (!this.hint.maybeStubs) return Dexie.Promise.resolve(ids.map(() => undefined)); // a Dexie promise: see WriteScope.getEnvelopes
    return this.stores.stubs.bulkGet([...ids]).then((rows) => rows.map((row) => row ?? undefined));
  }

  /**
   * Ids of the envelopes and stubs a key signed at `keySeq`: more than one is a fork (DESIGN §3),
   * which links alone reveal.
   */
  envelopeIdsAtKeySeq(authorKey: string, keySeq: number): Promise<string[]> {
    const at = [authorKey, keySeq];
    const envelopes = this.stores.envelopes.where("[authorKey+keySeq]").equals(at).toArray();
    if (!this.hint.maybeStubs) return envelopes.then((rows) => rows.map((row) => row.id));
    return Dexie.Promise.all([envelopes, this.stores.stubs.where("[authorKey+keySeq]").equals(at).primaryKeys()]).then(
      ([rows, stubIds]) => [...new Set([...rows.map((row) => row.id), ...stubIds])],
    );
  }

  /** Whether the key forked at or before `keySeq`: from a fork on, the key counts as revoked. */
  forkedAtOrBefore(authorKey: string, keySeq: number): Promise<boolean> {
    return this.stores.forks
      .where("[authorKey+keySeq]")
      .between([authorKey, 0], [authorKey, keySeq], true, true)
      .count()
      .then((n) => n > 0);
  }

  /** Envelopes of one key from `keySeq` on, for withdrawing a forked key's later envelopes. */
  envelopesOfKeyFrom(authorKey: string, keySeq: number): Promise<EnvelopeRow[]> {
    return this.stores.envelopes.where("[authorKey+keySeq]").between([authorKey, keySeq], [authorKey, Dexie.maxKey]).toArray();
  }

  /** Envelopes that name `id` among their `deps` (what relies on it; `prev` is only the chain). */
  dependentsOf(id: string): Promise<EnvelopeRow[]> {
    return this.stores.envelopes.where("deps").equals(id).toArray();
  }

  // ---- materialized state ----
  getObject(id: string): Promise<ObjectRow | undefined> {
    return this.stores.objects.where("id").equals(id).first();
  }

  getObjects(ids: readonly string[]): Promise<Map<string, ObjectRow>> {
    // Most envelopes only create: skip the round trip (a Dexie promise, see WriteScope.getEnvelopes).
    if (ids.length === 0) return Dexie.Promise.resolve(new Map<string, ObjectRow>());
    // In id order, as the index walk gave them: a read by ids lists its objects so.
    const wanted = [...new Set(ids)].sort();
    return byId(this.stores.objects, wanted).then(
      (rows) => new Map(rows.filter((row): row is ObjectRow => row !== undefined).map((row) => [row.id, row])),
    );
  }

  objectsOfType(app: string, kind: string, typeKey: string): Promise<ObjectRow[]> {
    return this.stores.objects.where("[app+kind+typeKey]").equals([app, kind, typeKey]).toArray();
  }

  versionsOf(objectId: string): Promise<VersionRow[]> {
    return this.stores.versions.where("objectId").equals(objectId).toArray();
  }

  versionsOfEnvelopes(envelopeIds: readonly string[]): Promise<VersionRow[]> {
    return this.stores.versions
      .where("envelopeId")
      .anyOf([...envelopeIds])
      .toArray();
  }

  getIdentity(id: string): Promise<IdentityRow | undefined> {
    return this.stores.identities.get(id);
  }

  listIdentities(): Promise<IdentityRow[]> {
    return this.stores.identities.toArray();
  }

  // ---- pending set (not history: rows leave when their envelope commits) ----
  getPending(id: string): Promise<PendingRow | undefined> {
    return this.stores.pending.get(id);
  }

  countPending(): Promise<number> {
    return this.stores.pending.count();
  }

  async deletePending(id: string): Promise<void> {
    await this.stores.pending.delete(id);
  }

  async putPending(row: PendingRow): Promise<Result<void>> {
    try {
      await this.stores.pending.put(row);
      return ok(undefined);
    } catch (cause) {
      return storageError(cause, "pending_write_failed");
    }
  }
}

/**
 * The rows of a table's unique `id` index for `ids`, in order (undefined where absent): one lookup
 * per id, all sent at once, a Dexie promise. Cheaper than `anyOf`, whose cursor walk costs a callback
 * and a `continue` per hit (measured: the sender's sync_read reads, ADR 0027).
 */
export function byId<Row, Key>(table: Dexie.Table<Row, Key>, ids: readonly string[]): Dexie.Promise<(Row | undefined)[]> {
  return Dexie.Promise.all(ids.map((id) => table.where("id").equals(id).first()));
}
