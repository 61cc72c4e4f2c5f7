// The node database's schema (DESIGN D5): one fixed set of stores for every app. Only the storage
// manager and its write transaction open or query it; nothing here decides what a row means.
import Dexie, { type Table } from "dexie";
import { nodeError } from "../shared/errors.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import { err, type Result } from "../shared/result.ts";
import type {
  AppRow,
  CursorRow,
  EnvelopeRow,
  ForkRow,
  IdentityRow,
  MetaRow,
  ObjectRow,
  PendingRow,
  QuarantineRow,
  SettingRow,
  StubRow,
  VersionRow,
} from "./rows.ts";

export class NodeDatabase extends Dexie {
  envelopes!: Table<EnvelopeRow, number>;
  objects!: Table<ObjectRow, [string, string]>;
  versions!: Table<VersionRow, [string, string, number]>;
  pending!: Table<PendingRow, string>;
  forks!: Table<ForkRow, [string, number]>;
  identities!: Table<IdentityRow, string>;
  apps!: Table<AppRow, string>;
  settings!: Table<SettingRow, string>;
  meta!: Table<MetaRow, string>;
  cursors!: Table<CursorRow, [string, string]>;
  stubs!: Table<StubRow, string>;
  quarantine!: Table<QuarantineRow, string>;

  constructor(name: string, idb: IdbEnvironment) {
    // autoOpen off: a database deleted or closed underneath must fail calls, not be silently recreated empty.
    // Strict durability: a commit is on disk when it resolves (Chromium defaults to relaxed).
    super(name, { indexedDB: idb.indexedDB, IDBKeyRange: idb.IDBKeyRange, chromeTransactionDurability: "strict", autoOpen: false });
    // One fixed schema for every app (DESIGN D5): installing an app never needs a versionchange.
    this.version(1).stores({
      envelopes: "seq, &id, [authorKey+keySeq], [app+seq], authorId, *links",
      objects: "[app+id], &id, [app+kind+typeKey], [app+parent], [app+owner]",
      versions: "[objectId+envelopeId+opIndex], objectId, envelopeId",
      pending: "id, *missing",
      forks: "[authorKey+keySeq]",
      identities: "id, rootKey",
      apps: "slug, &localId",
      settings: "key",
      meta: "key",
      cursors: "[peer+domain], peer",
    });
    // Wire profile v2 (ADR 0013) replaced v1 with no way to read v1 envelopes: the history, and
    // everything derived from it, starts over; settings stay. Stubs get their own store.
    this.version(2)
      .stores({
        envelopes: "seq, &id, [authorKey+keySeq], [app+seq], authorId, *deps",
        stubs: "id, [authorKey+keySeq]",
      })
      .upgrade(async (tx) => {
        for (const table of ["envelopes", "objects", "versions", "pending", "forks", "identities", "apps", "meta", "cursors"])
          await tx.table(table).clear();
      });
    // Integrity at rest (ADR 0018): envelope rows whose text no longer verifies are kept aside here,
    // never served or exported. A new store only: nothing else changes.
    this.version(3).stores({ quarantine: "id, seq" });
    // The lean layout (ADR 0033): the indexes no read uses go (envelopes by authorId, objects by
    // [app+owner]); each cost every write its index entry. Rows keep their fields: nothing to rewrite.
    this.version(4).stores({
      envelopes: "seq, &id, [authorKey+keySeq], [app+seq], *deps",
      objects: "[app+id], &id, [app+kind+typeKey], [app+parent]",
    });
  }
}

/** The stores a write transaction spans: the database's own tables, or the same tables bound to one transaction. */
export type Stores = Pick<
  NodeDatabase,
  "envelopes" | "stubs" | "objects" | "versions" | "pending" | "forks" | "identities" | "meta" | "cursors"
>;

export const WRITE_STORES = ["envelopes", "stubs", "objects", "versions", "pending", "forks", "identities", "meta", "cursors"] as const;

export const GLOBAL_SEQ = "global_seq";
export const STORED_BYTES = "stored_bytes";
/** The audit log's newest signed checkpoint (ADR 0017): beside global_seq, so both must be forged. */
export const AUDIT_CHECKPOINT = "audit_checkpoint";
/** ADR 0031: a device pairing in progress, so a reload resumes it. */
export const PAIRING_STATE = "pairing_state";

/** The idsAtKeySeq key of one key's seq. */
export const keySeqKey = (authorKey: string, keySeq: number): string => `${authorKey} ${keySeq}`;

/** The browser refused to store more: Dexie names it, or wraps the DOMException as `inner` (ADR 0017). */
export function isQuotaFailure(cause: unknown): boolean {
  for (let at: unknown = cause, depth = 0; at !== null && typeof at === "object" && depth < 4; depth += 1) {
    if ((at as { name?: unknown }).name === "QuotaExceededError") return true;
    at = (at as { inner?: unknown }).inner;
  }
  return false;
}

export function storageError(cause: unknown, reason: string): Result<never> {
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  if (isQuotaFailure(cause))
    return err(
      nodeError("ERR_STORAGE_QUOTA", "This device has no room left for 2WAY's data; nothing of the write was kept.", {
        reason: "quota_exceeded",
        cause: message,
      }),
    );
  return err(nodeError("ERR_MNG_STORAGE_TX_ABORTED", "The database refused the operation.", { reason, cause: message }));
}
