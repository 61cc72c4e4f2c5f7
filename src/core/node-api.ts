// The embedding API's types (docs/api.md): what createNode (node.ts, the composition root) answers
// and takes. Plain data and functions only (DESIGN D6); node.ts builds the value.
import type { AppInfo, AppPackage, PackageLifecycle, TrustList } from "./app/index.ts";
import type { EventFilter, EventSink, Subscription } from "./event/index.ts";
import type { ConfigSnapshot } from "./config/index.ts";
import type { Ed25519Engine } from "./crypto/index.ts";
import type { IntegrityReport, GraphReadResult, IngestOutcome, DigestScope, StateDigest } from "./graph/index.ts";
import type { HealthSnapshot } from "./health/index.ts";
import type { DeviceFlows, HeldIdentity, NodePerson, RecoveryExport, RestoreResult, RotationResult } from "./identity/index.ts";
import type { KdfParameters, KeyRecord } from "./key/index.ts";
import type { AuditPage, AuditQuery, AuditRecord, ChainHead, ChainReport } from "./log/index.ts";
import type { Clock } from "./shared/clock.ts";
import type { IdbEnvironment } from "./shared/idb.ts";
import type { EnvelopeId, IdentityId } from "./shared/ids.ts";
import type { JsonValue } from "./shared/json.ts";
import type { Result } from "./shared/result.ts";
import type { HavePackage, SessionPeer, SyncPackage } from "./state/index.ts";
import type { DosGuard } from "./dos-guard/index.ts";
import type { SessionOptions, SyncSession, Transport } from "./network/index.ts";
import type { EnvelopeRow, ForkRow, KeyDatabase, LogDatabase, NodeStorage } from "./storage/index.ts";
import type { Op } from "./wire/index.ts";

export type NodeOptions = {
  /** Names the node's databases: twoway-node-<name>, twoway-keys-<name>, twoway-log-<name>. */
  readonly name: string;
  /** Defaults to the platform's IndexedDB; pass fake-indexeddb (or another adapter) in Node.js. */
  readonly idb?: IdbEnvironment;
  /** The node database, not yet opened; defaults to Dexie over `idb` (SQLite in Node.js: ADR 0022). */
  readonly storage?: NodeStorage;
  /** The key and log databases' adapters, opened by their managers; default Dexie over `idb` (ADR 0028). */
  readonly keyDatabase?: () => KeyDatabase;
  readonly logDatabase?: () => LogDatabase<AuditRecord>;
  readonly clock?: Clock;
  readonly engine?: Ed25519Engine | "auto";
  /** Ephemeral config values above the persisted ones (tests, embedding). */
  readonly config?: Readonly<Record<string, JsonValue>>;
  /** SHA-256 hex digests of app packages this build trusts without a grant: the built-ins (ADR 0015). */
  readonly pinnedPackageDigests?: readonly string[];
  /** scrypt parameters for new recovery files (ADR 0021); tests pass the smallest a restore accepts. */
  readonly recoveryKdf?: KdfParameters;
};

export type WriteResult = {
  readonly envelopeId: EnvelopeId;
  readonly seq: number;
  readonly status: "accepted" | "suppressed";
  readonly objectIds: readonly string[];
};

/** A caller bound to one identity and one app by the node; it cannot name another (DESIGN §1). */
export type Session = {
  readonly identityId: IdentityId;
  readonly app: string;
  submit(request: {
    readonly domain: string;
    readonly ops: readonly Omit<Op, "owner_identity">[];
    readonly traceId?: string;
  }): Promise<Result<WriteResult>>;
  read(request: unknown): Promise<Result<GraphReadResult>>;
  /**
   * Post-commit events about this app that the session's identity may read, in global_seq order,
   * at most once; a slow subscriber is closed (buffer_overflow) rather than buffered without bound.
   */
  subscribe(filter?: Omit<EventFilter, "app">, sink?: EventSink): Result<Subscription>;
  /** Ends the session: its token is revoked and later calls fail with ERR_AUTH_TOKEN_REVOKED. */
  close(): void;
};

export type HistoryEntry = Pick<EnvelopeRow, "seq" | "id" | "authorId" | "app" | "domain" | "status" | "lamport" | "committedAt"> & {
  readonly createdAt: string;
  readonly text: string;
};

export type TwoWayNode = {
  readonly name: string;
  readonly identities: {
    create(options?: {
      readonly name?: string;
    }): Promise<Result<{ readonly identityId: IdentityId; readonly keyId: string; readonly envelopeId: EnvelopeId }>>;
    /** `apps` limits the device key to those apps (a delegated key; ERR_AUTH_SCOPE_EXCEEDED elsewhere). */
    addDevice(
      identityId: IdentityId,
      options?: { readonly label?: string; readonly apps?: readonly string[] },
    ): Promise<Result<{ readonly keyId: string; readonly envelopeId: EnvelopeId }>>;
    list(): Promise<Result<readonly KeyRecord[]>>;
    /** Identities this node acts for: by their root key, or by a device key bound to them (a restore). */
    held(): Promise<Result<readonly HeldIdentity[]>>;
    /**
     * The recovery file (ADR 0021): binds a new recovery key, revokes the earlier ones, and seals the
     * new key under `passphrase` beside the signed history. The key leaves the node only in `text`.
     */
    exportRecovery(identityId: IdentityId, passphrase: string): Promise<Result<RecoveryExport>>;
    /** A recovery file and its passphrase: the history, then a new device key the recovery key binds. */
    restore(file: Uint8Array, passphrase: string, options?: { readonly label?: string }): Promise<Result<RestoreResult>>;
    /** Replaces a device key: binds a new one, revokes the old with a cut at its last envelope, forgets it. */
    rotateDevice(identityId: IdentityId, keyId: string): Promise<Result<RotationResult>>;
    /** Pairing devices, listing them and removing one with a cut (ADR 0025). Writes pass the write gate. */
    readonly devices: DeviceFlows;
    /** ADR 0030: binds this node's key to each identity it acts for (once), so peers can name the person. */
    bindThisNode(): Promise<Result<number>>;
    /** ADR 0030: the named person a peer's proven node key speaks for, or null. */
    personOfNodeKey(nodeKey: string): Promise<NodePerson | null>;
  };
  readonly apps: {
    /** Unchecked: no signature, no trust. For tests and embedders; the shell never reaches it. */
    install(pkg: AppPackage): Promise<Result<AppInfo>>;
    /** Signed packages (ZIP bytes + detached signature document), trust checked first (AC-12). */
    inspect: PackageLifecycle["inspect"];
    trustPublisher: PackageLifecycle["trustPublisher"];
    trustedPublishers: TrustList["trustedPublishers"];
    /** Ends the person's trust in a publisher and turns its apps off (data kept). */
    distrustPublisher: TrustList["distrustPublisher"];
    installPackage: PackageLifecycle["install"];
    upgradePackage: PackageLifecycle["upgrade"];
    enable(slug: string): Promise<Result<AppInfo>>;
    disable(slug: string): Promise<Result<AppInfo>>;
    remove(slug: string): Promise<Result<AppInfo>>;
    list(): Promise<readonly AppInfo[]>;
  };
  openSession(options: { readonly identityId: IdentityId; readonly app: string; readonly keyId?: string }): Promise<Result<Session>>;
  /** Untrusted envelope text from anywhere (a peer, a file). */
  ingest(envelope: string | Uint8Array): Promise<Result<IngestOutcome>>;
  /**
   * After each commit, local or synced, in commit order: which app and seq changed (no content).
   * For the embedder's own screens; mini-apps get read-filtered events through their sessions.
   * Returns the function that stops listening.
   */
  onCommit(listener: (commit: { readonly seq: number; readonly app: string }) => void): () => void;
  /** Many at once, in one write transaction; one outcome per input, in order, each all-or-nothing. */
  ingestMany(envelopes: readonly (string | Uint8Array)[]): Promise<Result<IngestOutcome>[]>;
  history(options?: { readonly afterSeq?: number; readonly limit?: number; readonly app?: string }): Promise<readonly HistoryEntry[]>;
  globalSeq(): number;
  /** sync_read: may this peer identity receive this envelope (for the sync layer)? */
  syncRead(peerIdentity: IdentityId, envelopeId: EnvelopeId): Promise<Result<{ readonly allow: boolean; readonly reason: string }>>;
  /** How many envelopes wait for their dependencies (DESIGN §4 rule 2). */
  pendingCount(): Promise<number>;
  /** Links held without content (wire profile v2, ADR 0013). */
  stubCount(): Promise<number>;
  /** Fork evidence: two links by one key at one seq (DESIGN §3), found from links alone. */
  forks(): Promise<readonly ForkRow[]>;
  /**
   * Integrity at rest (ADR 0018): verifies every stored envelope again, quarantines those whose text
   * fails, and rebuilds objects and versions from the envelopes that verify. One runs in the background
   * `integrity.start.delay_ms` after start; this runs one now (or joins the one running).
   */
  checkIntegrity(): Promise<Result<IntegrityReport>>;
  /** The digest of everything, or of one app or sync domain (to compare what two peers share). */
  stateDigest(scope?: DigestScope): Promise<StateDigest>;
  readonly audit: {
    query(filter?: AuditQuery): Promise<Result<AuditPage>>;
    verify(): Promise<Result<ChainHead>>;
    /** Every link and hash against the signed checkpoint (ADR 0017), with the repairs already recorded. */
    report(): Promise<Result<ChainReport>>;
    /** Records every break found in one signed record, so the log verifies again; deletes nothing. */
    repair(): Promise<Result<ChainReport>>;
    /** False while the log cannot write: the node then refuses changes (ERR_MNG_LOG_UNAVAILABLE). */
    isWritable(): boolean;
    whenWritable(): Promise<void>;
  };
  readonly config: { snapshot(): ConfigSnapshot; update(updates: Readonly<Record<string, JsonValue>>): Promise<Result<ConfigSnapshot>> };
  health(): HealthSnapshot;
  /** Node-to-node sync (DESIGN §3): this node's identity, cursors, package export and acceptance. */
  readonly sync: {
    readonly nodeIdentity: IdentityId;
    readonly nodeKey: string;
    cursors(peer: IdentityId): Promise<Readonly<Record<string, number>>>;
    exportPackage(peer: IdentityId, domain: string, afterSeq: number, limit?: number): Promise<Result<SyncPackage | null>>;
    /** `<app>/<domain>` names this node syncs: every synced domain of the system and installed apps. */
    offeredDomains(): readonly string[];
    /** Starts a sync session over a transport: puzzle admission, signed hellos, then packages. */
    connect(transport: Transport, options?: Omit<SessionOptions, "transport" | "node" | "guard" | "clock">): SyncSession;
    readonly guard: DosGuard;
    acceptPackage(peer: SessionPeer, negotiated: ReadonlySet<string>, pkg: unknown): Promise<Result<readonly IngestOutcome[]>>;
    /** The answer to a peer's `want`: wanted envelopes this node holds in `domains` and the peer may read. */
    exportWanted(peer: IdentityId, ids: readonly string[], domains: ReadonlySet<string>): Promise<Result<HavePackage | null>>;
    /** Accepts a `have`: only envelopes asked for, each the one its id names; no cursor moves. */
    acceptWanted(peer: SessionPeer, wanted: ReadonlySet<string>, have: unknown): Promise<Result<readonly Result<IngestOutcome>[]>>;
    /** Is `publicKey` revoked here? Such a peer is refused at its hello and its packages are rejected. */
    isKeyRevoked(publicKey: string): Promise<boolean>;
  };
  stop(): Promise<void>;
};
