// The composition root (STYLE principle 2): builds the managers in start-up order, injects each
// one's ports, and exposes the embedding API (docs/api.md). Every answer is plain data (DESIGN D6).
import { evaluateRead } from "./acl/index.ts";
import { AppManager, createPackageLifecycle, createTrustList, type AppInfo, type PackageLifecyclePorts } from "./app/index.ts";
import { createAuthManager, DEFAULT_AUTH_LIMITS, type AuthManager } from "./auth/index.ts";
import { createCommitNotices, createEventManager, type EventManager } from "./event/index.ts";
import { createConfigManager, type ConfigManager } from "./config/index.ts";
import { createVerifier } from "./crypto/index.ts";
import {
  INTEGRITY_CODE,
  GraphManager,
  IntegrityChecker,
  deferredCheck,
  type IntegrityReport,
  stateDigest,
  type IngestOutcome,
  deviceKeyBindings,
} from "./graph/index.ts";
import { createHealthManager, type HealthManager } from "./health/index.ts";
import {
  createDeviceFlows,
  createLocalIdentities,
  createNodeBinding,
  createRecoveryFlows,
  NODE_KEY_TYPE,
  rotateDeviceKey,
} from "./identity/index.ts";
import { createKeyManager, type KeyManager } from "./key/index.ts";
import { createLogManager, type AuditEntry, type LogManager } from "./log/index.ts";
import { isoTime, systemClock, systemRandom } from "./shared/clock.ts";
import { nodeError } from "./shared/errors.ts";
import { platformIdb } from "./shared/idb.ts";
import { identityIdFromKey, type IdentityId } from "./shared/ids.ts";
import { isJsonObject } from "./shared/json.ts";
import { err, ok, type Result } from "./shared/result.ts";
import { StateManager } from "./state/index.ts";
import { createDosGuard, type DosGuard } from "./dos-guard/index.ts";
import { createSyncPorts, startSession } from "./network/index.ts";
import { SYSTEM_SCHEMA, type SchemaDocument } from "./schema/index.ts";
import { StorageManager, type NodeStorage } from "./storage/index.ts";
import { IDENTITY_TYPE_KEY, storedEnvelope, SYSTEM_APP } from "./wire/index.ts";
import { openAppSession, type AppSessionPorts } from "./app-session.ts";
import type { NodeOptions, TwoWayNode, WriteResult } from "./node-api.ts";

export type { HistoryEntry, NodeOptions, Session, TwoWayNode, WriteResult } from "./node-api.ts";
export type { HeldIdentity } from "./identity/index.ts";

const CRITICAL = ["storage", "config", "log", "key", "app", "graph"] as const;

function startFailure(manager: string, cause: { code: string; message: string }): Result<never> {
  return err(
    nodeError("internal_error", `The ${manager} manager could not start: ${cause.code} ${cause.message}`, { manager, cause: cause.code }),
  );
}

/** An envelope's created_at, or undefined when its stored text no longer parses (tampered at rest). */
function createdAtOf(text: string): string | undefined {
  try {
    const createdAt = (storedEnvelope(text) as { content?: { created_at?: unknown } }).content?.created_at;
    return typeof createdAt === "string" ? createdAt : undefined;
  } catch {
    return undefined;
  }
}

function integritySummary(report: IntegrityReport): string {
  const parts = [
    report.quarantined.length > 0 ? `${report.quarantined.length} envelope(s) quarantined` : "",
    report.heldAside > 0 ? `${report.heldAside} envelope(s) held aside until a peer sends them again` : "",
    report.objectsRebuilt > 0 ? `${report.objectsRebuilt} object(s) rebuilt` : "",
    report.versionsRebuilt > 0 ? `${report.versionsRebuilt} version(s) rebuilt` : "",
    report.sequence !== null
      ? `global_seq repaired (${report.sequence.storedSeq} stored, newest envelope ${report.sequence.newestEnvelopeSeq})`
      : "",
  ];
  return parts.filter((p) => p !== "").join(", ");
}

/**
 * Times the open step by step as performance measures `twoway:open:node:<step>` (the bench prints
 * them, issue 17): each call ends the step since the previous one.
 */
function openSteps(): (name: string) => void {
  let start = performance.now();
  return (name) => {
    performance.measure(`twoway:open:node:${name}`, { start });
    start = performance.now();
  };
}

/**
 * ADR 0018: a graph with history but a key database without a node key means the key database was
 * lost (deleted, or cleared apart from the rest). The node refuses to mint a new identity over it:
 * the person is told and offered restore, never silently onboarded again.
 */
async function refuseLostKeys(keys: KeyManager, storage: NodeStorage): Promise<Result<void>> {
  const nodeKeys = await keys.list({ scope: "node" });
  if (!nodeKeys.ok) return nodeKeys;
  if (nodeKeys.value.length > 0 || storage.globalSeq === 0) return ok(undefined);
  return err(
    nodeError("ERR_MNG_KEY_DATABASE_LOST", "This browser lost the keys of its node; the history is still here and nothing was changed.", {
      reason: "key_database_lost",
      globalSeq: storage.globalSeq,
    }),
  );
}

export async function createNode(options: NodeOptions): Promise<Result<TwoWayNode>> {
  const idb = options.idb ?? platformIdb();
  const step = openSteps();
  if (idb === undefined)
    return err(
      nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "No IndexedDB here: pass `idb` (fake-indexeddb in Node.js).", { reason: "no_indexeddb" }),
    );
  const clock = options.clock ?? systemClock;
  const health: HealthManager = createHealthManager({ clock });
  for (const manager of CRITICAL) health.register(manager, { critical: true });

  // Start-up order (public design 02): storage → config → log → key → app/schema → graph.
  const storage: NodeStorage = options.storage ?? new StorageManager(options.name, idb);
  const opened = await storage.open();
  if (!opened.ok) return startFailure("storage", opened.error);
  health.report("storage", "healthy");

  const config: ConfigManager = createConfigManager({
    store: storage.settings,
    ...(options.config === undefined ? {} : { overrides: options.config }),
  });
  step("storage+config");
  const configured = await config.open();
  if (!configured.ok) return startFailure("config", configured.error);
  health.report("config", "healthy");

  const log: LogManager = createLogManager({
    name: options.name,
    idb,
    clock,
    maxQueryLimit: config.get("log.query.max_limit"),
    ...(options.logDatabase === undefined ? {} : { database: options.logDatabase }),
  });
  step("log");
  const logged = await log.open();
  if (!logged.ok) return startFailure("log", logged.error);
  health.report("log", "healthy");

  const keys: KeyManager = createKeyManager({
    name: options.name,
    idb,
    clock,
    engine: options.engine ?? "auto",
    ...(options.keyDatabase === undefined ? {} : { database: options.keyDatabase }),
  });
  step("keys");
  const keysOpened = await keys.open();
  if (!keysOpened.ok) return startFailure("key", keysOpened.error);
  const lost = await refuseLostKeys(keys, storage);
  if (!lost.ok) {
    await keys.close();
    await log.close();
    storage.close();
    return lost;
  }
  const nodeKey = await keys.ensureNodeKey();
  if (!nodeKey.ok) return startFailure("key", nodeKey.error);
  health.report("key", "healthy");

  step("verifier+anchor");
  const verifier = await createVerifier(options.engine ?? "auto");
  const nodeSigner = await keys.signer("node", nodeKey.value.keyId);
  if (!nodeSigner.ok) return startFailure("key", nodeSigner.error);
  // ADR 0017: the chain is anchored by checkpoints signed with the node key, kept beside global_seq.
  // A break found here is repaired at once (recorded, signed), so a tampered log never bricks the node.
  log.onAvailability((writable, error) => health.report("log", writable ? "healthy" : "degraded", error?.code));
  const anchored = await log.anchor({
    signer: nodeSigner.value,
    verifier,
    store: { read: () => storage.auditCheckpoint(), write: (value) => storage.putAuditCheckpoint(value) },
    globalSeq: () => storage.globalSeq,
  });
  if (!anchored.ok) return startFailure("log", anchored.error);
  // One audit sink for the Graph and the sync sessions. Fail closed (ADR 0017): no batch commits
  // unless the log took its write-ahead intent; outcomes the log misses are named when it recovers.
  const audit = {
    begin: async (intent: AuditEntry) => {
      const begun = await log.record(intent);
      if (begun.ok) return begun;
      return err(
        nodeError(
          "ERR_MNG_LOG_UNAVAILABLE",
          "The audit log cannot write, so this node takes no changes until it can. Nothing was changed.",
          {
            reason: String(begun.error.data["reason"] ?? begun.error.code),
          },
        ),
      );
    },
    record: async (entries: readonly AuditEntry[]) => {
      if (entries.length > 0) await log.recordMany(entries);
    },
    recordSoon: (entries: readonly AuditEntry[]) => {
      if (entries.length > 0) void log.recordMany(entries, { soon: true });
    },
  };
  // The App manager writes packages through the Graph, and the Graph reads schemas from the App
  // manager: each gets a narrow port, bound here (STYLE principle 2).
  const apps: AppManager = new AppManager(storage, { ingest: (text, source) => graph.ingest(text, source) }, clock);
  const graph: GraphManager = new GraphManager(storage, verifier, {
    schemas: { schemaFor: (app: string) => apps.schemaFor(app) },
    audit,
    clock,
    limits: () => ({
      maxEnvelopes: config.get("storage.budget.max_envelopes"),
      maxBytes: config.get("storage.budget.max_bytes"),
      maxPending: config.get("graph.pending.max_envelopes"),
      maxReadLimit: config.get("graph.read.max_limit"),
    }),
    // ADR 0023 (amended): a peer node bound to a person reads, in sync, what that person may.
    personOfNode: (peer) => nodeBinding.ownerOfNode(peer),
  });
  // ADR 0018: objects are derived data, checked against the envelopes in the background.
  health.register("integrity", { critical: false });
  const integrity = new IntegrityChecker({ storage, verifier, exclusive: (work) => graph.exclusive(work), audit, clock });
  step("managers");
  const appsOpened = await apps.open();
  if (!appsOpened.ok) return startFailure("app", appsOpened.error);
  health.report("app", "healthy");
  health.report("graph", "healthy");
  const appManager = apps;
  const nodeIdentity = identityIdFromKey(nodeKey.value.publicKey);
  const state = new StateManager({
    storage,
    graph,
    nodeSigner: nodeSigner.value,
    nodeIdentity,
    integrity: {
      // Sync export waits for the start check and never sends what a check found bad (ADR 0018).
      settled: () => startCheck.now().then(() => undefined),
      isWithheld: (id) => integrity.isWithheld(id),
    },
  });
  const guard: DosGuard = createDosGuard({
    clock,
    random: systemRandom,
    config: {
      baseBits: config.get("dos.difficulty.base_bits"),
      maxBits: config.get("dos.difficulty.max_bits"),
      decayMs: config.get("dos.difficulty.decay_ms"),
      puzzleTtlMs: config.get("dos.puzzle.ttl_ms"),
      maxOutstanding: 64,
    },
  });
  /** Domains of the system and installed apps, except those marked local (public design 05). */
  function offeredDomains(): string[] {
    const out: string[] = [];
    const systemDomains: SchemaDocument["domains"] = SYSTEM_SCHEMA.domains;
    for (const [name, domain] of Object.entries(systemDomains)) if (domain.mode !== "local") out.push(`${SYSTEM_APP}/${name}`);
    for (const slug of appManager.installedSlugs()) {
      const schema = appManager.schemaFor(slug);
      for (const domain of Object.values(schema?.domains ?? {})) if (domain.mode !== "local") out.push(`${slug}/${domain.name}`);
    }
    return out.sort();
  }

  const syncPorts = createSyncPorts({ nodeSigner: nodeSigner.value, nodeIdentity, offeredDomains, state, graph, audit });

  // Sessions (public design 04): tokens bound to (identity, app); every call re-authenticates.
  const auth: AuthManager = createAuthManager({
    clock,
    random: systemRandom,
    verifier,
    server: { identityId: nodeIdentity, signer: nodeSigner.value },
    keyOwner: async (publicKey) => (await deviceKeyBindings(storage, publicKey))[0]?.owner as IdentityId | undefined,
    limits: () => ({
      ...DEFAULT_AUTH_LIMITS,
      tokenTtlMs: config.get("auth.token.ttl_ms"),
      maxSkewMs: config.get("auth.registration.max_skew_ms"),
      nonceTtlMs: config.get("auth.registration.nonce_ttl_ms"),
    }),
  });

  // Events (public design 11): after each commit, never for rejected writes, filtered by what the
  // subscriber may read. Notices are built in commit order on one promise chain.
  const events: EventManager = createEventManager({
    canRead: async (identityId, app, objectId) => {
      const row = await storage.getObject(objectId);
      if (row === undefined || row.app !== app || row.suppressed === 1 || integrity.isWithheld(row.id)) return false;
      const target = { id: row.id, app: row.app, typeKey: row.typeKey, owner: row.owner };
      return evaluateRead(await graph.aclFacts(), identityId, target, { at: isoTime(clock), forSync: false }).allow;
    },
    capacity: () => config.get("event.queue.per_subscriber"),
  });
  const notices = createCommitNotices({
    events,
    reads: storage,
    onPublishFailed: (error) => health.report("graph", "degraded", error.code),
  });
  graph.onCommit(notices.onCommit);
  await log.record({
    kind: "node_started",
    traceId: null,
    code: null,
    actor: null,
    app: null,
    envelopeId: null,
    globalSeq: storage.globalSeq,
    message: "Node started.",
    data: {},
  });

  // Held identities change with the key store, a system commit (a genesis or binding arriving, a
  // revocation) or an integrity check (it may quarantine a genesis); cached between (issue 17).
  let systemChanges = 0;
  graph.onCommit((commit) => {
    if (commit.app === SYSTEM_APP) systemChanges += 1;
  });
  const local = createLocalIdentities({
    keys,
    getIdentity: (identityId) => storage.getIdentity(identityId),
    getObject: (id) => storage.getObject(id),
    bindingsOf: (publicKey) => deviceKeyBindings(storage, publicKey),
    isKeyRevoked: (publicKey) => state.isKeyRevoked(publicKey),
    systemVersion: () => systemChanges,
  });
  const { authorFor, identityName, held: heldIdentities } = local;

  /**
   * ADR 0018: local writes wait for the start check, then are refused while an envelope their
   * identity may have signed is held aside (its key's next seq is unknown: writing would fork it).
   */
  async function writeGate(identityId: IdentityId, freshKey = false): Promise<Result<void>> {
    if (suspectAtOpen) await startCheck.now();
    // A key made a moment ago has signed nothing, so it has no seq to fork.
    if (freshKey || !integrity.writesHeldFor(identityId)) return ok(undefined);
    return err(
      nodeError(INTEGRITY_CODE, "Part of this identity's history is missing on this device; writing waits until a peer sends it back.", {
        reason: "history_incomplete",
      }),
    );
  }

  /** An identity's genesis (DESIGN §3), signed by its root key, then audited. */
  async function writeGenesis(
    identityId: IdentityId,
    keyId: string,
    name: string | undefined,
    message: string,
    freshKey = false,
  ): Promise<Result<WriteResult>> {
    const gate = await writeGate(identityId, freshKey);
    if (!gate.ok) return gate;
    const author = await authorFor(identityId, keyId);
    if (!author.ok) return author;
    const written = toWriteResult(
      await graph.submit(author.value, {
        app: SYSTEM_APP,
        domain: "identity",
        ops: [{ op: "parent_create", type_key: IDENTITY_TYPE_KEY, payload: { value: name === undefined ? {} : { name } } }],
      }),
    );
    if (!written.ok) return written;
    await log.record({
      kind: "identity_created",
      traceId: null,
      code: null,
      actor: identityId,
      app: SYSTEM_APP,
      envelopeId: written.value.envelopeId,
      globalSeq: written.value.seq,
      message,
      data: {},
    });
    return written;
  }

  /**
   * Wire profile v2 started history over (ADR 0013): a root key this node holds whose identity the
   * graph does not know writes its genesis again, so the person keeps their identity and can write.
   */
  async function restoreGeneses(): Promise<Result<void>> {
    const held = await keys.list();
    if (!held.ok) return held;
    for (const key of held.value) {
      if (key.scope !== "identity" || key.identityId === null || (await storage.getIdentity(key.identityId)) !== undefined) continue;
      const written = await writeGenesis(
        key.identityId,
        key.keyId,
        key.label ?? undefined,
        "Identity genesis written again: the history started over.",
      );
      if (!written.ok) return written;
    }
    return ok(undefined);
  }

  function revokeSessionsOn(slug: string, result: Result<AppInfo>): Result<AppInfo> {
    if (result.ok) auth.revokeAll({ app: slug });
    return result;
  }

  function toWriteResult(outcome: Result<IngestOutcome>): Result<WriteResult> {
    if (!outcome.ok) return outcome;
    const o = outcome.value;
    // A local write names only what this node holds, so it never waits and is never a duplicate.
    if (o.status !== "accepted" && o.status !== "suppressed")
      return err(nodeError("internal_error", `A local write ended ${o.status}.`, { status: o.status }));
    return ok({ envelopeId: o.id, seq: o.seq, status: o.status, objectIds: o.objectIds });
  }

  const lifecyclePorts: PackageLifecyclePorts = {
    apps: appManager,
    verifier,
    clock,
    pinnedDigests: new Set(options.pinnedPackageDigests ?? []),
    aclFacts: () => graph.aclFacts(),
    // Held by their root key, or only by a device key (a restored identity, ADR 0021).
    async localIdentities() {
      const held = await heldIdentities();
      return new Set(held.ok ? held.value.map((i) => i.identityId) : []);
    },
    ingest: (text) => graph.ingest(text, { kind: "remote", actor: null }),
    async submitAs(identityId, request) {
      const gate = await writeGate(identityId);
      if (!gate.ok) return gate;
      const author = await authorFor(identityId, undefined);
      if (!author.ok) return author;
      return toWriteResult(await graph.submit(author.value, request));
    },
  };
  const packages = createPackageLifecycle(lifecyclePorts);
  const trust = createTrustList({ ...lifecyclePorts, identityName });

  const recovery = createRecoveryFlows({
    keys,
    clock,
    nodeName: options.name,
    ...(options.recoveryKdf === undefined ? {} : { kdf: options.recoveryKdf }),
    authorFor: (identityId) => authorFor(identityId, undefined),
    submit: async (author, request) => toWriteResult(await graph.submit(author, request)),
    ingestMany: (texts) => graph.ingestMany(texts, { kind: "remote", actor: null }),
    getIdentity: (identityId) => storage.getIdentity(identityId),
    identityName,
    bindingsOf: (publicKey) => deviceKeyBindings(storage, publicKey),
    allBindings: () => storage.objectsOfType(SYSTEM_APP, "attr", "system.device_key"),
    isKeyRevoked: (publicKey) => state.isKeyRevoked(publicKey),
    lastOfKey: (publicKey) => storage.lastOfKey(publicKey),
    history: (afterSeq, limit) => storage.history({ afterSeq, limit }),
    globalSeq: () => storage.globalSeq,
    stateDigest: async () => (await stateDigest(storage)).digest,
    heldIdentities: async () => {
      const held = await heldIdentities();
      return held.ok ? ok(new Set(held.value.map((i) => i.identityId))) : held;
    },
  });

  const deviceFlows = createDeviceFlows({
    keys,
    clock,
    random: systemRandom,
    nodeIdentity,
    authorFor: (identityId) => authorFor(identityId, undefined),
    submit: async (author, request) => {
      const gate = await writeGate(author.identityId);
      return gate.ok ? toWriteResult(await graph.submit(author, request)) : gate;
    },
    getIdentity: (identityId) => storage.getIdentity(identityId),
    bindingsOf: (publicKey) => deviceKeyBindings(storage, publicKey),
    allBindings: () => storage.objectsOfType(SYSTEM_APP, "attr", "system.device_key"),
    isKeyRevoked: (publicKey) => state.isKeyRevoked(publicKey),
    lastOfKey: (publicKey) => storage.lastOfKey(publicKey),
    heldIdentities: async () => {
      const held = await heldIdentities();
      return held.ok ? ok(new Set(held.value.map((i) => i.identityId))) : held;
    },
    pairingStore: { read: () => storage.pairingState(), write: (value) => storage.putPairingState(value) },
  });

  const nodeBinding = createNodeBinding({
    clock,
    verifier,
    nodeSigner: nodeSigner.value,
    // ADR 0030: a node binds itself to each identity it writes as: by the root key, or by a bound
    // device key it does not know revoked. A paired device binds at once when the pairing completes
    // (while the device that bound it is in session), so a later return after a removal finds its
    // binding there and writes nothing late.
    ownIdentities: () => local.usable(),
    authorFor: (identityId, keyId) => authorFor(identityId, keyId),
    submit: async (author, request) => {
      const gate = await writeGate(author.identityId);
      return gate.ok ? toWriteResult(await graph.submit(author, request)) : gate;
    },
    nodeBindings: () => storage.objectsOfType(SYSTEM_APP, "attr", NODE_KEY_TYPE),
    identityName,
    async signedByRevokedKey(envelopeId) {
      const envelope = await storage.getEnvelope(envelopeId);
      return envelope === undefined || (await state.isKeyRevoked(envelope.authorKey));
    },
    generation: () => graph.aclGeneration(),
    async deviceLabelOf(envelopeId, owner) {
      const envelope = await storage.getEnvelope(envelopeId);
      const identity = await storage.getIdentity(owner);
      if (envelope === undefined || identity === undefined || envelope.authorKey === identity.rootKey) return null;
      // The key's binding by this identity, withdrawn or not: a device removed later keeps its name.
      const binding = (await deviceKeyBindings(storage, envelope.authorKey, { includeWithdrawn: true })).find((row) => row.owner === owner);
      const label = isJsonObject(binding?.winner.value) ? binding.winner.value["label"] : undefined;
      return typeof label === "string" ? label : null;
    },
  });

  const sessionPorts: AppSessionPorts = {
    auth,
    events,
    storage,
    async appEnabled(app) {
      const installed = await appManager.get(app);
      if (!installed.ok) return installed;
      if (installed.value.state === "installed_enabled") return ok(undefined);
      return err(nodeError("ERR_SVC_APP_DISABLED", `${app} is not enabled.`, { reason: "app_not_enabled", app }));
    },
    authorFor,
    writeGate: (identityId) => writeGate(identityId),
    submit: async (author, request) => toWriteResult(await graph.submit(author, request)),
    maxReadLimit: () => config.get("graph.read.max_limit"),
    async readFilter(identityId) {
      const facts = await graph.aclFacts();
      const at = isoTime(clock);
      return (row) =>
        !integrity.isWithheld(row.id) &&
        evaluateRead(facts, identityId, { id: row.id, app: row.app, typeKey: row.typeKey, owner: row.owner }, { at, forSync: false }).allow;
    },
  };

  const node: TwoWayNode = {
    name: options.name,
    identities: {
      async create(createOptions = {}) {
        const key = await keys.createIdentityKey(createOptions.name === undefined ? {} : { label: createOptions.name });
        if (!key.ok) return key;
        const written = await writeGenesis(key.value.identityId!, key.value.keyId, createOptions.name, "Identity created.", true);
        if (!written.ok) return written;
        return ok({ identityId: key.value.identityId!, keyId: key.value.keyId, envelopeId: written.value.envelopeId });
      },
      async addDevice(identityId, deviceOptions = {}) {
        const identity = await storage.getIdentity(identityId);
        if (identity === undefined)
          return err(nodeError("ERR_MNG_KEY_BINDING_MISMATCH", "This node holds no such identity.", { reason: "unknown_identity" }));
        const gate = await writeGate(identityId);
        if (!gate.ok) return gate;
        const root = await authorFor(identityId, identity.rootKey);
        if (!root.ok) return root;
        const device = await keys.createDeviceKey(identityId, deviceOptions.label === undefined ? {} : { label: deviceOptions.label });
        if (!device.ok) return device;
        const binding = {
          public_key: device.value.publicKey,
          created_at: isoTime(clock),
          ...(deviceOptions.label === undefined ? {} : { label: deviceOptions.label }),
          ...(deviceOptions.apps === undefined ? {} : { apps: [...deviceOptions.apps] }),
        };
        const written = toWriteResult(
          await graph.submit(root.value, {
            app: SYSTEM_APP,
            domain: "identity",
            ops: [{ op: "attr_create", type_key: "system.device_key", payload: { parent_id: `${identity.genesisId}:0`, value: binding } }],
          }),
        );
        if (!written.ok) return written;
        return ok({ keyId: device.value.keyId, envelopeId: written.value.envelopeId });
      },
      list: () => keys.list(),
      held: heldIdentities,
      bindThisNode: () => nodeBinding.bindThisNode(),
      personOfNodeKey: (nodeKey) => nodeBinding.personOf(nodeKey),
      // Each signs envelopes, so each passes the write gate of ADR 0018 first.
      async exportRecovery(identityId, passphrase) {
        const gate = await writeGate(identityId);
        return gate.ok ? recovery.exportFile(identityId, passphrase) : gate;
      },
      async restore(file, passphrase, restoreOptions) {
        await startCheck.now();
        return recovery.restore(file, passphrase, restoreOptions);
      },
      rotateDevice: async (identityId, keyId) => {
        const gate = await writeGate(identityId);
        if (!gate.ok) return gate;
        const rotated = await rotateDeviceKey(
          {
            keys,
            clock,
            authorFor,
            submit: async (author, request) => toWriteResult(await graph.submit(author, request)),
            getIdentity: (id) => storage.getIdentity(id),
            lastOfKey: (publicKey) => storage.lastOfKey(publicKey),
          },
          identityId,
          keyId,
        );
        // ADR 0030: a binding the old key signed names nobody once that key is revoked, so a node that
        // was bound binds again by the new key now, in the rotation's history. Left to the next session attach,
        // a peer withholds the person's owner-only objects until then, and the binding is written late
        // (after a removal it would be a write the rest of the history never saw). If it fails, the
        // rotation stands and the next session attached tries again, as after a pairing.
        if (rotated.ok) await nodeBinding.bindAgainAfterRotation().catch(() => undefined);
        return rotated;
      },
      devices: {
        ...deviceFlows,
        // ADR 0030: the new device binds its node key as soon as it is the identity's device. If that
        // write fails, the pairing still stands and the next session attached tries again.
        async complete() {
          const completed = await deviceFlows.complete();
          if (completed.ok) await nodeBinding.bindThisNode().catch(() => undefined);
          return completed;
        },
      },
    },
    apps: {
      install: (pkg) => appManager.install(pkg, { kind: "remote", actor: null }),
      inspect: (zip, signature) => packages.inspect(zip, signature),
      trustPublisher: (identityId, zip, signature) => packages.trustPublisher(identityId, zip, signature),
      trustedPublishers: () => trust.trustedPublishers(),
      // Its apps' sessions and subscriptions end with them, as for any disabled app.
      distrustPublisher: async (publisherId) => {
        const ended = await trust.distrustPublisher(publisherId);
        if (ended.ok) for (const slug of ended.value.disabled) auth.revokeAll({ app: slug });
        return ended;
      },
      installPackage: (zip, signature) => packages.install(zip, signature),
      // An upgrade swaps the schema under open sessions; they reopen against the new one.
      upgradePackage: async (zip, signature) => {
        const upgraded = await packages.upgrade(zip, signature);
        return upgraded.ok ? revokeSessionsOn(upgraded.value.slug, upgraded) : upgraded;
      },
      enable: (slug) => appManager.transition(slug, "enable"),
      // Disabling or removing an app ends its sessions and subscriptions (public design 04, 08).
      disable: async (slug) => revokeSessionsOn(slug, await appManager.transition(slug, "disable")),
      remove: async (slug) => revokeSessionsOn(slug, await appManager.transition(slug, "remove")),
      list: () => appManager.list(),
    },
    openSession: (request) => openAppSession(sessionPorts, request),
    ingest: (envelope) => graph.ingest(envelope, { kind: "remote", actor: null }),
    onCommit: (listener) => graph.onCommit((commit) => listener({ seq: commit.seq, app: commit.app })),
    ingestMany: (envelopes) => graph.ingestMany(envelopes, { kind: "remote", actor: null }),
    async history(historyOptions = {}) {
      const rows = await storage.history({
        limit: Math.min(historyOptions.limit ?? 100, 1000),
        ...(historyOptions.afterSeq === undefined ? {} : { afterSeq: historyOptions.afterSeq }),
        ...(historyOptions.app === undefined ? {} : { app: historyOptions.app }),
      });
      // A row the integrity check found bad, or whose text no longer parses, is never served (ADR 0018).
      return rows.flatMap((r) => {
        const createdAt = integrity.isWithheld(r.id) ? undefined : createdAtOf(r.text);
        if (createdAt === undefined) return [];
        return [
          {
            seq: r.seq,
            id: r.id,
            authorId: r.authorId,
            app: r.app,
            domain: r.domain,
            status: r.status,
            lamport: r.lamport,
            committedAt: r.committedAt,
            createdAt,
            text: r.text,
          },
        ];
      });
    },
    globalSeq: () => storage.globalSeq,
    pendingCount: () => storage.countPending(),
    stubCount: () => storage.countStubs(),
    forks: () => storage.listForks(),
    syncRead: (peerIdentity, envelopeId) => graph.syncRead(peerIdentity, envelopeId),
    // The first call is the start check, begun now if it is still waiting (ADR 0018 amended).
    checkIntegrity: () => (startCheck.started ? checkIntegrity() : startCheck.now()),
    stateDigest: (scope) => stateDigest(storage, scope),
    audit: {
      query: (filter = {}) => log.query(filter),
      verify: () => log.verifyChain(),
      report: () => log.verify(),
      repair: () => log.repair(),
      isWritable: () => log.isWritable(),
      whenWritable: () => log.whenWritable(),
    },
    config: { snapshot: () => config.snapshot(), update: (updates) => config.update(updates) },
    health: () => health.snapshot(),
    sync: {
      nodeIdentity,
      nodeKey: nodeKey.value.publicKey,
      cursors: (peer) => state.cursors(peer),
      exportPackage: (peer, domain, afterSeq, limit) => state.exportPackage(peer, domain, afterSeq, limit),
      acceptPackage: (peer, negotiated, pkg) => state.acceptPackage(peer, negotiated, pkg),
      exportWanted: (peer, ids, domains) => state.exportWanted(peer, ids, domains),
      acceptWanted: (peer, wantedIds, have) => state.acceptWanted(peer, wantedIds, have),
      isKeyRevoked: (key) => state.isKeyRevoked(key),
      offeredDomains,
      guard,
      connect: (transport, sessionOptions = {}) => startSession({ ...sessionOptions, transport, guard, clock, node: syncPorts }),
    },
    async stop() {
      await startCheck.cancel();
      await followUpCheck;
      // Writes already queued finish; later ones are refused; their events reach subscribers.
      await graph.close();
      await notices.settled();
      await events.settled();
      events.close();
      auth.close();
      for (const manager of CRITICAL) health.report(manager, "stopped");
      await log.close();
      await keys.close();
      storage.close();
    },
  };
  /** A check, its report in Health: degraded with the code while anything was repaired or is held aside. */
  async function checkIntegrity(): Promise<Result<IntegrityReport>> {
    const report = await integrity.check().finally(() => {
      systemChanges += 1;
    });
    if (!report.ok) health.report("integrity", "degraded", report.error.code);
    else if (report.value.clean) health.report("integrity", "healthy");
    else health.report("integrity", "degraded", `${INTEGRITY_CODE}: ${integritySummary(report.value)}`);
    return report;
  }
  // A quarantined envelope back from a peer: its objects are rebuilt with what relied on it.
  let followUpCheck: Promise<unknown> = Promise.resolve();
  graph.onCommit((commit) => {
    if (integrity.arrived(commit.envelopeId)) followUpCheck = checkIntegrity();
  });

  // ADR 0018 amended (issue 17): the start check scans every envelope, so it waits for idle instead of
  // slowing the open; writes wait for it only where the open found a sign of damage (a repaired
  // global_seq, envelopes held aside from an earlier check).
  step("apps+services");
  const suspectAtOpen = storage.sequenceRepair !== null || (await storage.integrity.listQuarantine()).length > 0;
  const startCheck = deferredCheck(checkIntegrity, suspectAtOpen ? 0 : config.get("integrity.start.delay_ms"));
  // Not fatal: the node still serves reads and sync; Health says why writes by that identity fail.
  const restored = await restoreGeneses();
  if (!restored.ok) health.report("graph", "degraded", restored.error.code);
  step("geneses");
  return ok(node);
}
