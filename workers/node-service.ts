// The node's answers to the shell, as NodeApi plain data: each method checks its raw arguments
// (src/rpc/node-api-requests.ts), asks the node (src/core) and shapes the reply. No protocol logic
// lives here; the node decides, this file only translates.
import {
  err,
  nodeError,
  ok,
  PROTOCOL_VERSION,
  storedEnvelope,
  describeBreak,
  type ChainBreak,
  type ChainReport,
  type IdentityId,
  type Result,
  type Session,
  type TwoWayNode,
} from "../src/core/index.ts";
import type {
  AppSummary,
  AuditLogReport,
  EnvelopeExportPage,
  HealthReport,
  HistoryEntry,
  HistoryPage,
  IdentitySummary,
  IntegrityCheckReport,
  ImportSummary,
  ReadResult,
  RecoveryFileExport,
  RecoveryHeader,
  RestoreSummary,
  RotationSummary,
  Rejection,
  RejectionPage,
  StateDigestReport,
  StorageUse,
  WriteReceipt,
} from "../src/rpc/node-api.ts";
import {
  parseCreateIdentity,
  parseExportRequest,
  parseImport,
  parseNoArguments,
  parsePage,
  parseRead,
  parseRecoveryExport,
  parseRestore,
  parseRotate,
  parseSubmit,
} from "../src/rpc/node-api-requests.ts";
import { submitThrough } from "./session-writes.ts";

export type NodeService = {
  readonly health: (...args: unknown[]) => Promise<Result<HealthReport>>;
  readonly createIdentity: (...args: unknown[]) => Promise<Result<IdentitySummary>>;
  readonly listIdentities: (...args: unknown[]) => Promise<Result<readonly IdentitySummary[]>>;
  readonly submit: (...args: unknown[]) => Promise<Result<WriteReceipt>>;
  readonly read: (...args: unknown[]) => Promise<Result<ReadResult>>;
  readonly history: (...args: unknown[]) => Promise<Result<HistoryPage>>;
  readonly rejections: (...args: unknown[]) => Promise<Result<RejectionPage>>;
  readonly stateDigest: (...args: unknown[]) => Promise<Result<StateDigestReport>>;
  readonly checkIntegrity: (...args: unknown[]) => Promise<Result<IntegrityCheckReport>>;
  readonly verifyAuditLog: (...args: unknown[]) => Promise<Result<AuditLogReport>>;
  readonly repairAuditLog: (...args: unknown[]) => Promise<Result<AuditLogReport>>;
  readonly exportHeader: (...args: unknown[]) => Promise<Result<RecoveryHeader>>;
  readonly exportEnvelopes: (...args: unknown[]) => Promise<Result<EnvelopeExportPage>>;
  readonly importEnvelopes: (...args: unknown[]) => Promise<Result<ImportSummary>>;
  readonly exportRecovery: (...args: unknown[]) => Promise<Result<RecoveryFileExport>>;
  readonly restoreIdentity: (...args: unknown[]) => Promise<Result<RestoreSummary>>;
  readonly rotateDeviceKey: (...args: unknown[]) => Promise<Result<RotationSummary>>;
};

/** Session tokens expire or get revoked (public design 04); the shell then opens a fresh session. */
const SESSION_LAPSED: ReadonlySet<string> = new Set(["ERR_AUTH_TOKEN_EXPIRED", "ERR_AUTH_TOKEN_REVOKED"]);

/** The ops of a stored envelope, and the name in it when it is an identity genesis. */
function describeEnvelope(text: string): { ops: HistoryEntry["ops"]; genesisName: string | null } {
  const ops = storedEnvelope(text).content.ops;
  const first = ops[0];
  const value = first?.op === "parent_create" && first.type_key === "system.identity" ? first.payload.value : undefined;
  const name = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as { name?: unknown }).name : undefined;
  return { ops: ops.map((op) => ({ op: op.op, typeKey: op.type_key })), genesisName: typeof name === "string" ? name : null };
}

/** ADR 0017: the chain report in the shell's words. */
function auditLogReport(report: ChainReport, writable: boolean): AuditLogReport {
  const words = (brk: ChainBreak) => ({ seq: brk.seq, to: brk.to, defect: brk.defect, words: describeBreak(brk) });
  return {
    intact: report.intact,
    records: report.length,
    checkpoint: report.checkpoint,
    breaks: report.breaks.map(words),
    repairs: report.repairs.map((r) => ({ seq: r.seq, at: r.at, breaks: r.breaks.map(words) })),
    writable,
    checkedAt: new Date().toISOString(),
  };
}

async function storageUse(): Promise<StorageUse> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (storage === undefined) return { usageBytes: null, quotaBytes: null, persisted: null };
  const [estimate, persisted] = await Promise.all([storage.estimate().catch(() => undefined), storage.persisted().catch(() => null)]);
  return { usageBytes: estimate?.usage ?? null, quotaBytes: estimate?.quota ?? null, persisted };
}

function noIdentity(): Result<never> {
  return err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "Create an identity first.", { reason: "no_identity" }));
}

/** `appSummaries` comes from the app service (workers/app-service.ts), which owns app titles. */
export async function createNodeService(
  node: TwoWayNode,
  appSummaries: () => Promise<AppSummary[]>,
  /** A new identity's read defaults of the installed apps (ADR 0023, amended), before it can write. */
  stateReadDefaults: (identityId: IdentityId) => Promise<Result<void>> = () => Promise.resolve(ok(undefined)),
): Promise<NodeService> {
  /** Authors this node can name: its own identities and the publishers whose geneses it has seen. */
  const names = new Map<string, string>();
  const sessions = new Map<string, Session>();

  async function identities(): Promise<Result<IdentitySummary[]>> {
    // By root key, or by a device key a recovery key bound (ADR 0021: a restored identity).
    const held = await node.identities.held();
    if (!held.ok) return held;
    return ok(held.value.map((i) => ({ identityId: i.identityId, name: i.name, publicKey: i.rootKey, createdAt: i.createdAt })));
  }

  async function ownIdentityIds(): Promise<Set<string>> {
    const own = await identities();
    return new Set(own.ok ? own.value.map((identity) => identity.identityId) : []);
  }

  /** The shell acts for its own identity: the first one this node created (oldest first). */
  async function resolveIdentity(requested: string | undefined): Promise<Result<IdentityId>> {
    if (requested !== undefined) return ok(requested as IdentityId);
    const own = await identities();
    if (!own.ok) return own;
    const first = own.value[0];
    return first === undefined ? noIdentity() : ok(first.identityId as IdentityId);
  }

  /** Runs `use` in the (identity, app) session, opened once and reused; reopened once if it lapsed. */
  async function withSession<T>(identityId: IdentityId, app: string, use: (session: Session) => Promise<Result<T>>): Promise<Result<T>> {
    const key = `${identityId} ${app}`;
    for (let attempt = 0; ; attempt += 1) {
      let session = sessions.get(key);
      if (session === undefined) {
        const opened = await node.openSession({ identityId, app });
        if (!opened.ok) return opened;
        session = opened.value;
        sessions.set(key, session);
      }
      const result = await use(session);
      if (result.ok || attempt > 0 || !SESSION_LAPSED.has(result.error.code)) return result;
      sessions.delete(key);
    }
  }

  function learnName(authorId: string, text: string, app: string, domain: string): HistoryEntry["ops"] {
    const described = describeEnvelope(text);
    if (app === "system" && domain === "identity" && described.genesisName !== null && !names.has(authorId))
      names.set(authorId, described.genesisName);
    return described.ops;
  }

  // Learn the names in the first system envelopes: the built-in publisher and the first identities.
  for (const row of await node.history({ app: "system", limit: 50 })) learnName(row.authorId, row.text, row.app, row.domain);

  return {
    async health(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const snapshot = node.health();
      const managers = Object.entries(snapshot.managers).map(([name, entry]) => ({
        name,
        state: entry.state,
        critical: entry.critical,
        detail: entry.detail,
        since: entry.since,
      }));
      return ok({
        ready: snapshot.ready,
        managers,
        globalSeq: node.globalSeq(),
        pendingEnvelopes: await node.pendingCount(),
        storage: await storageUse(),
        checkedAt: new Date().toISOString(),
      });
    },

    async createIdentity(...args) {
      const request = parseCreateIdentity(args);
      if (!request.ok) return request;
      const created = await node.identities.create({ name: request.value.name });
      if (!created.ok) return created;
      names.set(created.value.identityId, request.value.name);
      // Fails closed: the identity exists, but the shell gets the error and no summary to write with.
      const stated = await stateReadDefaults(created.value.identityId);
      if (!stated.ok) return stated;
      const own = await identities();
      if (!own.ok) return own;
      const summary = own.value.find((identity) => identity.identityId === created.value.identityId);
      return summary === undefined ? err(nodeError("internal_error", "The new identity is not listed.")) : ok(summary);
    },

    async listIdentities(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      return identities();
    },

    async submit(...args) {
      const request = parseSubmit(args);
      if (!request.ok) return request;
      const identityId = await resolveIdentity(request.value.identityId);
      if (!identityId.ok) return identityId;
      return withSession(identityId.value, request.value.app, (session) => submitThrough(session, request.value));
    },

    async read(...args) {
      const request = parseRead(args);
      if (!request.ok) return request;
      const identityId = await resolveIdentity(request.value.identityId);
      if (!identityId.ok) return identityId;
      const { query } = request.value;
      const result = await withSession(identityId.value, request.value.app, (session) => session.read(query));
      if (!result.ok) return result;
      return ok({ rows: result.value.rows, nextOffset: result.value.next_offset, snapshotSeq: result.value.snapshot_seq });
    },

    async history(...args) {
      const request = parsePage(args);
      if (!request.ok) return request;
      const globalSeq = node.globalSeq();
      // global_seq is contiguous (ADR 0005), so the page before `beforeSeq` is a fixed seq window.
      const before = Math.min(request.value.beforeSeq ?? globalSeq + 1, globalSeq + 1);
      const after = Math.max(0, before - 1 - request.value.limit);
      const rows = before - 1 > after ? await node.history({ afterSeq: after, limit: before - 1 - after }) : [];
      const own = await ownIdentityIds();
      const entries = rows
        .map((row) => {
          const ops = learnName(row.authorId, row.text, row.app, row.domain);
          return {
            seq: row.seq,
            envelopeId: row.id,
            authorId: row.authorId,
            authorName: names.get(row.authorId) ?? null,
            isMine: own.has(row.authorId),
            app: row.app,
            domain: row.domain,
            createdAt: row.createdAt,
            committedAt: row.committedAt,
            status: row.status,
            ops,
          };
        })
        .reverse();
      return ok({ entries, nextBeforeSeq: after > 0 ? after + 1 : null, globalSeq });
    },

    async rejections(...args) {
      const request = parsePage(args);
      if (!request.ok) return request;
      const page = await node.audit.query({
        kind: ["write_rejected", "ingest_rejected", "sync_rejected"],
        limit: request.value.limit,
        ...(request.value.beforeSeq === undefined ? {} : { beforeSeq: request.value.beforeSeq }),
      });
      if (!page.ok) return page;
      const rejections: Rejection[] = page.value.records.map((record) => ({
        seq: record.seq,
        at: record.at,
        kind: record.kind as Rejection["kind"],
        code: record.code,
        traceId: record.traceId,
        message: record.message,
        app: record.app,
        envelopeId: record.envelopeId,
      }));
      return ok({ rejections, nextBeforeSeq: page.value.nextBeforeSeq });
    },

    async stateDigest(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const globalSeq = node.globalSeq();
      const digest = await node.stateDigest();
      return ok({ digest: digest.digest, objects: digest.objects, globalSeq });
    },

    async checkIntegrity(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      return node.checkIntegrity();
    },

    async verifyAuditLog(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const found = await node.audit.report();
      return found.ok ? ok(auditLogReport(found.value, node.audit.isWritable())) : found;
    },

    async repairAuditLog(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const repaired = await node.audit.repair();
      return repaired.ok ? ok(auditLogReport(repaired.value, node.audit.isWritable())) : repaired;
    },

    async exportHeader(...args) {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const own = await identities();
      if (!own.ok) return own;
      const globalSeq = node.globalSeq();
      const digest = await node.stateDigest();
      return ok({
        format: "twoway-recovery",
        formatVersion: 1,
        exportedAt: new Date().toISOString(),
        protocolVersion: PROTOCOL_VERSION,
        nodeName: node.name,
        identities: own.value,
        apps: await appSummaries(),
        globalSeq,
        stateDigest: digest.digest,
        privateKeysIncluded: false,
      });
    },

    async exportEnvelopes(...args) {
      const request = parseExportRequest(args);
      if (!request.ok) return request;
      const rows = await node.history({ afterSeq: request.value.afterSeq, limit: request.value.limit });
      const last = rows.at(-1);
      return ok({
        envelopes: rows.map((row) => ({ seq: row.seq, id: row.id, status: row.status, text: row.text })),
        nextAfterSeq: rows.length === request.value.limit && last !== undefined ? last.seq : null,
      });
    },

    async exportRecovery(...args) {
      const request = parseRecoveryExport(args);
      if (!request.ok) return request;
      const identityId = await resolveIdentity(request.value.identityId);
      if (!identityId.ok) return identityId;
      const made = await node.identities.exportRecovery(identityId.value, request.value.passphrase);
      if (!made.ok) return made;
      const { text, fileName, envelopes, recoveryKey, revoked } = made.value;
      return ok({ text, fileName, envelopes, recoveryKey, revoked });
    },

    async restoreIdentity(...args) {
      const request = parseRestore(args);
      if (!request.ok) return request;
      const { file, passphrase, label } = request.value;
      const restored = await node.identities.restore(file, passphrase, label === undefined ? {} : { label });
      if (!restored.ok) return restored;
      const own = await identities();
      if (!own.ok) return own;
      const summary = own.value.find((identity) => identity.identityId === restored.value.identityId);
      if (summary === undefined) return err(nodeError("internal_error", "The restored identity is not listed."));
      if (summary.name !== null) names.set(summary.identityId, summary.name);
      return ok({ identity: summary, keyId: restored.value.keyId, imported: restored.value.imported });
    },

    async rotateDeviceKey(...args) {
      const request = parseRotate(args);
      if (!request.ok) return request;
      const identityId = await resolveIdentity(request.value.identityId);
      if (!identityId.ok) return identityId;
      const keys = await node.identities.list();
      if (!keys.ok) return keys;
      const keyId = request.value.keyId ?? keys.value.find((k) => k.scope === "device" && k.identityId === identityId.value)?.keyId;
      if (keyId === undefined)
        return err(
          nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "This browser writes with the identity's root key: it has no device key to replace.", {
            reason: "no_device_key",
          }),
        );
      const rotated = await node.identities.rotateDevice(identityId.value, keyId);
      if (!rotated.ok) return rotated;
      // Open sessions sign with the old key: the next call opens them again with the new one.
      for (const [key, session] of sessions) {
        if (!key.startsWith(`${identityId.value} `)) continue;
        session.close();
        sessions.delete(key);
      }
      return ok({ keyId: rotated.value.keyId, revokedKeyId: rotated.value.revokedKeyId });
    },

    async importEnvelopes(...args) {
      const request = parseImport(args);
      if (!request.ok) return request;
      const outcomes = await node.ingestMany(request.value.envelopes);
      const summary = {
        accepted: 0,
        suppressed: 0,
        duplicate: 0,
        pending: 0,
        stub: 0,
        rejected: [] as { index: number; code: string; message: string }[],
      };
      outcomes.forEach((outcome, index) => {
        if (!outcome.ok) summary.rejected.push({ index, code: outcome.error.code, message: outcome.error.message });
        else summary[outcome.value.status] += 1;
      });
      return ok(summary);
    },
  };
}
