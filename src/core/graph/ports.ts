// What the Graph manager needs from others, narrowly (STYLE principle 2); node.ts wires them.
import type { AuditEntry } from "../log/index.ts";
import type { CompiledSchema } from "../schema/index.ts";
import type { Clock } from "../shared/clock.ts";
import type { Result } from "../shared/result.ts";
import type { Budgets, NodeStorage } from "../storage/index.ts";

/** The schema registry: the compiled schema of an installed app (the App manager owns it). */
export type SchemaRegistry = { schemaFor(app: string): CompiledSchema | undefined };

/**
 * The audit log as the write path needs it (ADR 0017). `begin` is the write-ahead record: only when it
 * is ok may the batch's transaction open, so no change commits while the log cannot write. `record`
 * takes the outcomes after the transaction; if it fails, the log names those commits when it recovers.
 */
export type AuditSink = {
  begin(intent: AuditEntry): Promise<Result<unknown>>;
  record(entries: readonly AuditEntry[]): Promise<unknown>;
  /** A commit's outcome records, written soon: with the next intent, in its transaction (ADR 0038). Nothing waits on them. */
  recordSoon(entries: readonly AuditEntry[]): void;
};

export type GraphLimits = Budgets & { readonly maxPending: number; readonly maxReadLimit: number };

/** Told after each commit, outside the write transaction (events, sync push, registry reload). */
export type CommitListener = (commit: {
  readonly envelopeId: string;
  readonly seq: number;
  readonly app: string;
  readonly domain: string;
  readonly status: "accepted" | "suppressed";
}) => void;

export type GraphPorts = {
  readonly schemas: SchemaRegistry;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly limits: () => GraphLimits;
  /**
   * The person a peer node speaks for (ADR 0030 binding, by a key not revoked), or null: sync_read
   * lets a person's own devices read what the person may (ADR 0023, amended). Absent: none.
   */
  readonly personOfNode?: (nodeIdentity: string) => Promise<string | null>;
};

/**
 * The storage the Graph needs (STYLE principle 2): its write transaction, and the few reads made
 * outside one — drafting a local write, draining the pending set, sync_read, the ACL facts.
 */
export type GraphStorage = Pick<
  NodeStorage,
  | "runWrite"
  | "globalSeq"
  | "getEnvelope"
  | "getEnvelopes"
  | "getStubs"
  | "getObjects"
  | "lastOfKey"
  | "objectsOfType"
  | "listIdentities"
  | "pendingWaitingForAny"
  | "countPending"
  | "putPending"
>;
