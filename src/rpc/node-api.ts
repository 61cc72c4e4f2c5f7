// The plain-data contract between the shell (page) and the node worker, carried by Comlink.
// Every method resolves to a Result: expected failures are data, never thrown across the port (D6).
// Arguments are untrusted: the worker checks each one with src/rpc/node-api-requests.ts first.
import type { IntegrityReport } from "../core/index.ts";
import type { Result } from "../core/shared/result.ts";

/** Where this worker stands in the one-node-per-origin election (ADR 0006). */
export type NodeRole =
  /** Another tab's worker holds the node; this one waits for the lock and opens nothing. */
  | "waiting"
  /** Holds the lock and is opening the databases. */
  | "starting"
  /** Holds the lock and serves the node. */
  | "leader"
  /** Finishing the calls in flight before it stops and lets go of the lock. */
  | "closing"
  | "closed"
  | "failed";

export type NodeStatus = {
  readonly role: NodeRole;
  /** True once this worker has opened the node's databases; only the lock holder ever does. */
  readonly databaseOpened: boolean;
  readonly nodeName: string;
  readonly lockName: string;
};

export type NodeInfo = {
  /** [major, minor, patch] of the wire protocol. */
  readonly protocolVersion: readonly [number, number, number];
  /** Which Ed25519 implementation the worker verifies with. */
  readonly ed25519Engine: "webcrypto" | "noble";
  /** Milliseconds from worker start to ready, waiting for the lock included. */
  readonly startupMs: number;
  /** Milliseconds from getting the lock to ready: opening the node. */
  readonly openMs: number;
  readonly nodeName: string;
};

export type ManagerReadiness = {
  readonly name: string;
  readonly state: "starting" | "healthy" | "degraded" | "failed" | "stopped";
  readonly critical: boolean;
  readonly detail: string | null;
  readonly since: string;
};

export type StorageUse = {
  /** `navigator.storage.estimate()`; null where the browser does not say. */
  readonly usageBytes: number | null;
  readonly quotaBytes: number | null;
  /** `navigator.storage.persisted()`: true means the browser will not evict the data under pressure. */
  readonly persisted: boolean | null;
};

export type HealthReport = {
  readonly ready: boolean;
  readonly managers: readonly ManagerReadiness[];
  readonly globalSeq: number;
  readonly pendingEnvelopes: number;
  readonly storage: StorageUse;
  readonly checkedAt: string;
};

export type IdentitySummary = {
  readonly identityId: string;
  readonly name: string | null;
  readonly publicKey: string;
  readonly createdAt: string;
};

export type AppSummary = {
  readonly slug: string;
  readonly title: string;
  readonly version: string;
  readonly state: "installed_enabled" | "installed_disabled" | "removed";
  /** "system" is code every node runs; "built_in" apps are this release's packages, trusted by pinned digest (ADR 0015). */
  readonly origin: "system" | "built_in" | "installed";
  readonly description: string;
};

/** One op as the node's write path takes it; the node fills `owner_identity` (DESIGN §3). */
export type OpRequest = {
  readonly op: string;
  readonly type_key: string;
  readonly payload: Readonly<Record<string, unknown>>;
};

export type SubmitRequest = {
  readonly app: string;
  readonly domain: string;
  readonly ops: readonly OpRequest[];
  /** Defaults to the shell's own identity (the first this node created). */
  readonly identityId?: string;
  readonly traceId?: string;
};

export type WriteReceipt = {
  readonly envelopeId: string;
  readonly seq: number;
  readonly status: "accepted" | "suppressed";
  readonly objectIds: readonly string[];
};

export type ReadRequest = {
  readonly app: string;
  /** A graph read request as `Session.read` takes it (docs/api.md "Sessions"). */
  readonly query: Readonly<Record<string, unknown>>;
  readonly identityId?: string;
};

export type ReadResult = {
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  readonly nextOffset: number | null;
  readonly snapshotSeq: number;
};

/** Newest first: `beforeSeq` is the previous page's `nextBeforeSeq`. */
export type PageRequest = { readonly beforeSeq?: number; readonly limit?: number };

export type HistoryEntry = {
  readonly seq: number;
  readonly envelopeId: string;
  readonly authorId: string;
  /** The author's name where this node knows it (its own identities, publishers it installed from). */
  readonly authorName: string | null;
  readonly isMine: boolean;
  readonly app: string;
  readonly domain: string;
  readonly createdAt: string;
  readonly committedAt: string;
  readonly status: "accepted" | "suppressed";
  readonly ops: readonly { readonly op: string; readonly typeKey: string }[];
};

export type HistoryPage = {
  readonly entries: readonly HistoryEntry[];
  readonly nextBeforeSeq: number | null;
  readonly globalSeq: number;
};

export type Rejection = {
  readonly seq: number;
  readonly at: string;
  readonly kind: "write_rejected" | "ingest_rejected" | "sync_rejected";
  readonly code: string | null;
  readonly traceId: string | null;
  readonly message: string;
  readonly app: string | null;
  readonly envelopeId: string | null;
};

export type RejectionPage = { readonly rejections: readonly Rejection[]; readonly nextBeforeSeq: number | null };

/** One stretch of the audit chain that did not verify (ADR 0017), and what happened to it in plain words. */
export type AuditBreak = { readonly seq: number; readonly to: number; readonly defect: string; readonly words: string };

/** verifyAuditLog / repairAuditLog (ADR 0017): every link and hash checked against the signed checkpoint. */
export type AuditLogReport = {
  /** True when every break is already on record in a signed repair. */
  readonly intact: boolean;
  readonly records: number;
  /** The newest signed checkpoint the chain was checked against; null before the first one. */
  readonly checkpoint: { readonly seq: number; readonly at: string } | null;
  /** Breaks no repair records yet: a repair would record them. */
  readonly breaks: readonly AuditBreak[];
  /** Repairs on record, oldest first: when, and what no longer verified then. */
  readonly repairs: readonly { readonly seq: number; readonly at: string; readonly breaks: readonly AuditBreak[] }[];
  /** False while the log cannot write: the node then refuses changes (ERR_MNG_LOG_UNAVAILABLE). */
  readonly writable: boolean;
  readonly checkedAt: string;
};

export type StateDigestReport = { readonly digest: string; readonly objects: number; readonly globalSeq: number };

/** One integrity check at rest (ADR 0018): what was found and repaired; `clean` when nothing was. */
export type IntegrityCheckReport = IntegrityReport;

/** An app package as a person picked it: the ZIP bytes and its detached signature document (DESIGN D8). */
export type PackageRequest = {
  readonly zip: Uint8Array;
  readonly signature: string;
  /** Who trusts the publisher (trustPublisher only); the shell's own identity when absent. */
  readonly identityId?: string;
};

/** What the shell shows before the person installs: publisher, version, what the app asks for. */
/** What moved in the graph since the last notice (workers/commit-watch.ts). */
export type CommitNotice = { readonly toSeq: number; readonly apps: readonly string[]; readonly commits: number };

/** A publisher this node trusts by the person's grant (built-ins are trusted by digest and not listed). */
export type TrustedPublisherSummary = {
  readonly publisherId: string;
  readonly name: string | null;
  /** Installed apps it signed. */
  readonly apps: readonly string[];
};

export type PublisherRequest = { readonly publisherId: string };

export type PackagePreviewSummary = {
  readonly slug: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  /** Per-type read defaults of the package (acl.json); "owner" types become each local identity's read rule at install. */
  readonly readDefaults: Readonly<Record<string, "app" | "owner">>;
  readonly digest: string;
  readonly publisher: { readonly identityId: string; readonly name: string; readonly publicKey: string; readonly fingerprint: string };
  /** `pinned`: a built-in release; `granted`: the person trusts the publisher; `none`: not yet. */
  readonly trust: "pinned" | "granted" | "none";
  /** The installed version of this slug, or null: the shell offers install, upgrade or nothing. */
  readonly installedVersion: string | null;
};

export type AppRequest = { readonly slug: string };

/** Opening an app: with `port` (transferred), the worker binds it to (shell identity, app) for the app's SDK. */
export type OpenAppRequest = { readonly slug: string; readonly port?: MessagePort };

export type OpenedApp = {
  readonly app: AppSummary;
  /** The package's frontend files, keyed by their path under frontend/ (`index.html`, …). */
  readonly frontend: Readonly<Record<string, Uint8Array>>;
};

/** The recovery file's opening: public data only. Private keys are non-extractable and never leave the worker. */
export type RecoveryHeader = {
  readonly format: "twoway-recovery";
  readonly formatVersion: 1;
  readonly exportedAt: string;
  readonly protocolVersion: readonly [number, number, number];
  readonly nodeName: string;
  readonly identities: readonly IdentitySummary[];
  readonly apps: readonly AppSummary[];
  readonly globalSeq: number;
  readonly stateDigest: string;
  readonly privateKeysIncluded: false;
};

/** ADR 0021: the passphrase the recovery key is sealed under; the shell's identity unless named. */
export type RecoveryExportRequest = { readonly passphrase: string; readonly identityId?: string };

/** The recovery file, whole: its text is the only copy of the new recovery key, sealed. */
export type RecoveryFileExport = {
  readonly fileName: string;
  readonly text: string;
  readonly envelopes: number;
  readonly recoveryKey: string;
  /** Earlier recovery keys this export revoked: their files no longer restore. */
  readonly revoked: readonly string[];
};

/** A recovery file as the person picked it, and the passphrase they typed. */
export type RestoreRequest = { readonly file: Uint8Array; readonly passphrase: string; readonly label?: string };

export type RestoreSummary = {
  readonly identity: IdentitySummary;
  readonly keyId: string;
  readonly imported: { readonly accepted: number; readonly duplicate: number; readonly other: number; readonly rejected: number };
};

/** The device key to replace: the one this browser writes with for the shell identity, unless named. */
export type RotateRequest = { readonly keyId?: string; readonly identityId?: string };
export type RotationSummary = { readonly keyId: string; readonly revokedKeyId: string };

/** Oldest first, for a file another node can ingest: the exact signed texts. */
export type EnvelopeExportRequest = { readonly afterSeq?: number; readonly limit?: number };
export type EnvelopeExportPage = {
  readonly envelopes: readonly {
    readonly seq: number;
    readonly id: string;
    readonly status: "accepted" | "suppressed";
    readonly text: string;
  }[];
  readonly nextAfterSeq: number | null;
};

export type ImportRequest = { readonly envelopes: readonly string[] };
export type ImportSummary = {
  readonly accepted: number;
  readonly suppressed: number;
  readonly duplicate: number;
  readonly pending: number;
  /** Links held without content (wire profile v2): they hold their chain place, with no effects. */
  readonly stub: number;
  readonly rejected: readonly { readonly index: number; readonly code: string; readonly message: string }[];
};

/** How a peer link was set up; signaling is never trusted, the signed hello is (DESIGN D7). */
export type PeerVia = "relay" | "invite";

/** The page hands the worker one end of a MessageChannel whose other end carries a data channel (ADR 0012). */
export type SyncAttachRequest = { readonly port: MessagePort; readonly label: string; readonly via: PeerVia };

/**
 * Where a sync session stands, as people see it: `connecting` (no frame yet), `challenged` (puzzles
 * in flight), `admitted` (puzzles solved, hellos under way), `syncing` (pulling history), `live`
 * (everything sent, now pushing new commits), `closed`.
 */
export type PeerState = "connecting" | "challenged" | "admitted" | "syncing" | "live" | "closed";

export type PeerDomainProgress = {
  readonly domain: string;
  /** How far this node has received the peer's history (the peer's global_seq). */
  readonly received: number;
  /** How far the peer says it has received ours. */
  readonly acked: number;
};

export type PeerSummary = {
  readonly sessionId: string;
  readonly label: string;
  readonly via: PeerVia;
  readonly state: PeerState;
  /** The node identity the peer proved with its signed hello; null before that. */
  readonly peerIdentity: string | null;
  /**
   * The person that proven node speaks for, once this node's graph holds their signed binding of its
   * key and their name (ADR 0030); null before that. `device`: the label of the person's device key
   * that signed the binding (a paired device), null when their root key did.
   */
  readonly person: { readonly identityId: string; readonly name: string; readonly device: string | null } | null;
  readonly domains: readonly PeerDomainProgress[];
  readonly packagesIn: number;
  readonly packagesOut: number;
  /** Changes received from the peer in this session, of how many it has for this node ("N of M"; done = total at the end). */
  readonly progress: { readonly done: number; readonly total: number };
  /** Converged with this peer: all sent both ways and acknowledged, nothing missing (ADR 0026). */
  readonly upToDate: boolean;
  /** Expected protocol events recovered by themselves (a resent package, a rewind): not errors. */
  readonly recovered: number;
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly closeReason: string | null;
  readonly startedAt: string;
};

export type GuardSummary = {
  /** Leading zero bits a new connection must find now. */
  readonly difficulty: number;
  /** Since the node started: challenges issued, connections admitted, refused, wrong solutions. */
  readonly challenges: number;
  readonly admissions: number;
  readonly denials: number;
  readonly failedSolutions: number;
  /** Connections admitted right now. */
  readonly admittedNow: number;
};

export type SyncOverview = {
  readonly nodeIdentity: string;
  /** The node's global_seq now: a view recomputes what depends on the graph only when it moves. */
  readonly globalSeq: number;
  readonly peers: readonly PeerSummary[];
  readonly guard: GuardSummary;
};

/** ADR 0025, 0031: the new device's pairing code names a relay room it has joined, or carries its invite offer. */
export type PairingBeginRequest =
  { readonly relay: string; readonly room: string; readonly label?: string } | { readonly invite: string; readonly label?: string };
export type PairingCode = { readonly code: string; readonly deviceKey: string };
/** How the two devices meet: the relay room, or (no server) the new device's invite offer. */
export type PairingReachSummary = { readonly relay: string; readonly room: string } | { readonly invite: string };
export type PairingPreview = {
  readonly confirmCode: string;
  readonly deviceKey: string;
  readonly reach: PairingReachSummary;
  /** ISO time the code stops working. */
  readonly expiresAt: string;
};
/**
 * The new device's side: `waiting` shows the code and, once a peer's signed hello proved its node,
 * the confirm code for each such peer; `expired` once its ten minutes are over; `bound` once a binding
 * of its key arrived. An existing device is `confirming` while a code it read waits for the typed code.
 */
export type PairingState =
  | { readonly state: "idle" }
  | {
      readonly state: "waiting";
      readonly code: string;
      readonly deviceKey: string;
      readonly reach: PairingReachSummary;
      readonly expiresAt: string;
      readonly confirmCodes: readonly string[];
    }
  | { readonly state: "expired" }
  /** A device of the identity bound this browser's key; `pairingComplete` then makes it this browser's identity. */
  | { readonly state: "bound"; readonly identityId: string }
  | ({ readonly state: "confirming"; readonly code: string } & PairingPreview);
export type PairingCodeRequest = { readonly code: string };
export type PairingConfirmRequest = { readonly code: string; readonly confirmCode: string; readonly label?: string };
export type DeviceSummary = {
  readonly publicKey: string;
  readonly label: string | null;
  /** "root": the key the identity was created with. */
  readonly role: "root" | "device";
  readonly boundAt: string | null;
  readonly lastSeen: string | null;
  readonly removed: boolean;
  readonly thisDevice: boolean;
};
export type DeviceList = { readonly identityId: string; readonly devices: readonly DeviceSummary[]; readonly thisDeviceRemoved: boolean };
export type RemoveDeviceRequest = { readonly publicKey: string };
export type DeviceRemoval = { readonly lastSeq: number };

export interface NodeApi {
  /** Answers at once, also while waiting for the lock. */
  status(): Promise<Result<NodeStatus>>;
  /** Settles when this worker serves the node (after waiting for the lock) or failed to start. */
  whenReady(): Promise<Result<NodeInfo>>;
  info(): Promise<Result<NodeInfo>>;
  health(): Promise<Result<HealthReport>>;
  createIdentity(request: { readonly name: string }): Promise<Result<IdentitySummary>>;
  listIdentities(): Promise<Result<readonly IdentitySummary[]>>;
  listApps(): Promise<Result<readonly AppSummary[]>>;
  submit(request: SubmitRequest): Promise<Result<WriteReceipt>>;
  read(request: ReadRequest): Promise<Result<ReadResult>>;
  history(request?: PageRequest): Promise<Result<HistoryPage>>;
  rejections(request?: PageRequest): Promise<Result<RejectionPage>>;
  stateDigest(): Promise<Result<StateDigestReport>>;
  /** Verifies every stored envelope again and rebuilds objects from them (ADR 0018); joins a running check. */
  checkIntegrity(): Promise<Result<IntegrityCheckReport>>;
  /** Checks the audit chain against its signed checkpoint (ADR 0017); changes nothing. */
  verifyAuditLog(): Promise<Result<AuditLogReport>>;
  /** Records every break found in one signed record, so the log verifies again; deletes no record. */
  repairAuditLog(): Promise<Result<AuditLogReport>>;
  exportHeader(): Promise<Result<RecoveryHeader>>;
  exportEnvelopes(request?: EnvelopeExportRequest): Promise<Result<EnvelopeExportPage>>;
  importEnvelopes(request: ImportRequest): Promise<Result<ImportSummary>>;
  /** ADR 0021: binds a new recovery key, revokes earlier ones, and returns the file sealing it. */
  exportRecovery(request: RecoveryExportRequest): Promise<Result<RecoveryFileExport>>;
  /** On a browser with no identity: the file's identity back, with a new device key its recovery key binds. */
  restoreIdentity(request: RestoreRequest): Promise<Result<RestoreSummary>>;
  /** Binds a new device key, revokes the old one with a cut (DESIGN §4 rule 5), and writes with the new one. */
  rotateDeviceKey(request?: RotateRequest): Promise<Result<RotationSummary>>;
  /** ADR 0025, new device: a pairing code for an identity this browser does not hold yet. */
  pairingBegin(request: PairingBeginRequest): Promise<Result<PairingCode>>;
  pairingStatus(): Promise<Result<PairingState>>;
  /** Gives up the pairing under way on this browser: the new device's code and key, or the code being confirmed. */
  pairingCancel(): Promise<Result<{ readonly state: "idle" }>>;
  pairingComplete(): Promise<Result<IdentitySummary>>;
  /** ADR 0025, existing device: what a pairing code asks, and the confirm code the new screen must show. */
  pairingPreview(request: PairingCodeRequest): Promise<Result<PairingPreview>>;
  /** Binds the new device's key when the typed confirm code matches; a wrong one writes nothing. */
  pairingConfirm(request: PairingConfirmRequest): Promise<Result<{ readonly deviceKey: string }>>;
  listDevices(): Promise<Result<DeviceList>>;
  /** A key revocation with a cut at the device's last envelope held here (DESIGN §4 rule 5). */
  removeDevice(request: RemoveDeviceRequest): Promise<Result<DeviceRemoval>>;
  /** Opens a package and says who publishes it; writes nothing. */
  inspectPackage(request: PackageRequest): Promise<Result<PackagePreviewSummary>>;
  /** Records in the graph that the person trusts the package's publisher (system.apps.publish). */
  trustPublisher(request: PackageRequest): Promise<Result<PackagePreviewSummary>>;
  /** The publishers the person trusts, with the apps each signed. */
  listTrustedPublishers(): Promise<Result<readonly TrustedPublisherSummary[]>>;
  /** Revokes the person's trust in a publisher and turns its apps off (their data kept). */
  distrustPublisher(request: PublisherRequest): Promise<Result<{ readonly disabled: readonly string[] }>>;
  installApp(request: PackageRequest): Promise<Result<AppSummary>>;
  /** A newer version of an installed app, from the same publisher. */
  upgradeApp(request: PackageRequest): Promise<Result<AppSummary>>;
  enableApp(request: AppRequest): Promise<Result<AppSummary>>;
  disableApp(request: AppRequest): Promise<Result<AppSummary>>;
  /** Only while disabled; the app's data stays in the graph. */
  uninstallApp(request: AppRequest): Promise<Result<AppSummary>>;
  /** Opens an enabled app (ERR_SVC_APP_DISABLED otherwise): its frontend, and its port bound. */
  openApp(request: OpenAppRequest): Promise<Result<OpenedApp>>;
  /** Starts a sync session over a page-owned data channel (transfer the port with Comlink.transfer). */
  syncAttach(request: SyncAttachRequest): Promise<Result<{ readonly sessionId: string }>>;
  /** Every session since the node started (closed ones too, newest first) and the DoS Guard's figures. */
  syncOverview(): Promise<Result<SyncOverview>>;
  syncDetach(request: { readonly sessionId: string }): Promise<Result<void>>;
  /**
   * After commits (local, a mini-app's, or synced), `onNotice` (a Comlink.proxy) hears which apps
   * moved and the newest seq; one notice at a time, its promise acknowledges, commits meanwhile
   * coalesce. Screens re-read on it instead of polling.
   */
  watchCommits(onNotice: (notice: CommitNotice) => Promise<void> | void): Promise<Result<void>>;
  /**
   * After a sync session's state changes (its link opening, hellos, packages, acks, its close),
   * `onChange` (a Comlink.proxy) hears that the overview moved: at most one notice per 250 ms, one
   * more after the last change, its promise acknowledges. The Peers page re-reads on it instead of polling.
   */
  watchSync(onChange: () => Promise<void> | void): Promise<Result<void>>;
  /** Finishes the calls in flight, stops the node and lets go of the lock (update, handover). */
  close(): Promise<Result<{ readonly role: NodeRole }>>;
}

export type NodeMethod = keyof NodeApi;

/** The method names, for the worker's port and for callers that name methods as data. */
export const NODE_METHODS = [
  "status",
  "whenReady",
  "info",
  "health",
  "createIdentity",
  "listIdentities",
  "listApps",
  "submit",
  "read",
  "history",
  "rejections",
  "stateDigest",
  "checkIntegrity",
  "verifyAuditLog",
  "repairAuditLog",
  "exportHeader",
  "exportEnvelopes",
  "importEnvelopes",
  "exportRecovery",
  "restoreIdentity",
  "rotateDeviceKey",
  "pairingBegin",
  "pairingStatus",
  "pairingCancel",
  "pairingComplete",
  "pairingPreview",
  "pairingConfirm",
  "listDevices",
  "removeDevice",
  "inspectPackage",
  "trustPublisher",
  "listTrustedPublishers",
  "distrustPublisher",
  "installApp",
  "upgradeApp",
  "enableApp",
  "disableApp",
  "uninstallApp",
  "openApp",
  "syncAttach",
  "syncOverview",
  "syncDetach",
  "watchCommits",
  "watchSync",
  "close",
] as const satisfies readonly NodeMethod[];

/** Limits the port enforces before the node sees a request. */
export const PORT_LIMITS = {
  maxPageLimit: 200,
  defaultPageLimit: 50,
  maxExportLimit: 1000,
  maxImportEnvelopes: 1000,
  maxEnvelopeChars: 65_536,
  maxOps: 64,
  maxRequestChars: 131_072,
  maxNameChars: 64,
  /** An app package as received (DEFAULT_PACKAGE_LIMITS.maxPackageBytes, checked again by the node). */
  maxPackageBytes: 8 * 1024 * 1024,
  maxSignatureChars: 1024,
  /** MAX_RECOVERY_FILE_BYTES of the core, and the longest passphrase it takes. */
  maxRecoveryFileBytes: 64 * 1024 * 1024,
  maxPassphraseChars: 1024,
} as const;

/** The Web Locks name the node's tabs elect a leader with (ADR 0006), per node name. */
export function leaderLockName(nodeName: string): string {
  return nodeName === DEFAULT_NODE_NAME ? "twoway-node-leader" : `twoway-node-leader:${nodeName}`;
}

export const DEFAULT_NODE_NAME = "main";

/** The Worker `name` the shell gives the node worker; tests and benches add `:<node name>`. */
export const NODE_WORKER_NAME = "twoway-node";
