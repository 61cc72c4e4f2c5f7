// The node's lifecycle inside its worker: wait for the origin's leader lock (ADR 0006), start the
// node, serve NodeApi through NodeService, and on close let the calls in flight finish, stop the
// node and let go of the lock. Every method resolves to a Result; a bug becomes `internal_error`.
import {
  createNode,
  err,
  isWebCryptoEd25519Available,
  nodeError,
  ok,
  openPackageDatabase,
  PROTOCOL_VERSION,
  type PackageDatabase,
  type Result,
  type TwoWayNode,
} from "../src/core/index.ts";
import { leaderLockName, type NodeApi, type NodeInfo, type NodeRole } from "../src/rpc/node-api.ts";
import { parseNoArguments } from "../src/rpc/node-api-requests.ts";
import { installBuiltInApps, PINNED_PACKAGE_DIGESTS } from "./built-in-apps.ts";
import { requestLeadership } from "./leadership.ts";
import { createNodeService, type NodeService } from "./node-service.ts";
import { createAppService } from "./app-service.ts";
import { createCommitService, type CommitService } from "./commit-watch.ts";
import { createSyncService, type SyncService } from "./sync-service.ts";
import { createDeviceService, type DeviceService } from "./device-service.ts";

/** STYLE "Errors and results": the worker boundary turns a bug into `internal_error`, logged here. */
function internalError(cause: unknown): Result<never> {
  console.error("node worker: unexpected failure", cause);
  const message = cause instanceof Error ? cause.message : String(cause);
  return err(nodeError("internal_error", message));
}

function guarded<T>(method: (...args: unknown[]) => Promise<Result<T>>): (...args: unknown[]) => Promise<Result<T>> {
  return async (...args) => {
    try {
      return await method(...args);
    } catch (cause) {
      return internalError(cause);
    }
  };
}

type Service = NodeService & SyncService & CommitService & DeviceService & ReturnType<typeof createAppService>;
type Running = { readonly node: TwoWayNode; readonly service: Service; readonly store: PackageDatabase; readonly info: NodeInfo };

/** Times one stage of the node's start as a performance measure `twoway:open:<name>` (the bench reads them). */
async function stage<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    performance.measure(`twoway:open:${name}`, { start });
  }
}

export function createNodeHost(nodeName: string): NodeApi {
  const lockName = leaderLockName(nodeName);
  const leadership = requestLeadership(lockName);
  let role: NodeRole = "waiting";
  let databaseOpened = false;
  let inFlight = 0;
  let whenIdle: (() => void) | undefined;

  function unavailable(reason: "open_in_another_tab" | "node_closed"): Result<never> {
    const message =
      reason === "open_in_another_tab"
        ? "2WAY is open in another tab; this tab does not hold the node."
        : "The node in this tab has stopped.";
    return err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", message, { reason }));
  }

  async function startNode(): Promise<Result<Running>> {
    role = "starting";
    const grantedAt = performance.now();
    databaseOpened = true;
    const created = await stage("create-node", () => createNode({ name: nodeName, pinnedPackageDigests: PINNED_PACKAGE_DIGESTS }));
    if (!created.ok) return created;
    const node = created.value;
    const store = await stage("open-packages", () =>
      openPackageDatabase(nodeName, { indexedDB: globalThis.indexedDB, IDBKeyRange: globalThis.IDBKeyRange }),
    );
    const builtIns = await stage("built-in-apps", () => installBuiltInApps(node, store));
    if (!builtIns.ok) {
      store.close();
      await node.stop();
      return builtIns;
    }
    const apps = createAppService(node, store);
    const sync = createSyncService(node);
    const nodeService = await stage("node-service", () => createNodeService(node, apps.summaries, apps.stateReadDefaults));
    const service: Service = {
      ...nodeService,
      ...sync,
      // ADR 0025: the confirm code names the nodes peers proved with their signed hellos.
      ...createDeviceService(node, async () => {
        const overview = await sync.syncOverview();
        return overview.ok
          ? overview.value.peers.flatMap((p) => (p.peerIdentity === null || p.state === "closed" ? [] : [p.peerIdentity]))
          : [];
      }),
      ...createCommitService(node),
      ...apps,
    };
    const ed25519Engine = (await isWebCryptoEd25519Available()) ? "webcrypto" : "noble";
    const now = performance.now();
    // A worker's clock starts with the worker, so now() is the time from spawn to ready.
    const info: NodeInfo = {
      protocolVersion: PROTOCOL_VERSION,
      ed25519Engine,
      startupMs: Math.round(now),
      openMs: Math.round(now - grantedAt),
      nodeName,
    };
    return ok({ node, service, store, info });
  }

  let settleStopped: ((result: Result<Running>) => void) | undefined;
  const started: Promise<Result<Running>> = Promise.race([
    leadership.granted.then(() => (role === "closed" ? unavailable("node_closed") : startNode().catch(internalError))),
    new Promise<Result<Running>>((resolve) => {
      settleStopped = resolve;
    }),
  ]).then((result) => {
    if (result.ok) role = "leader";
    else if (role !== "closed") {
      role = "failed";
      leadership.release();
    }
    return result;
  });

  /** The running node for a call, or why there is none; never waits while another tab holds the node. */
  async function running(): Promise<Result<Running>> {
    if (role === "waiting") return unavailable("open_in_another_tab");
    if (role === "closing" || role === "closed") return unavailable("node_closed");
    return started;
  }

  /** Runs one node call, counted so `close` can let the calls in flight finish first. */
  function served<T>(pick: (service: Service) => (...args: unknown[]) => Promise<Result<T>>): (...args: unknown[]) => Promise<Result<T>> {
    return guarded(async (...args) => {
      const current = await running();
      if (!current.ok) return current;
      // `close` may have begun while this call waited for the start: it must not reach a stopping node.
      if (role !== "leader") return unavailable("node_closed");
      inFlight += 1;
      try {
        return await pick(current.value.service)(...args);
      } finally {
        inFlight -= 1;
        if (inFlight === 0) whenIdle?.();
      }
    });
  }

  async function close(): Promise<Result<{ readonly role: NodeRole }>> {
    if (role === "waiting") {
      role = "closed";
      leadership.release();
      settleStopped?.(unavailable("node_closed"));
      return ok({ role });
    }
    const current = await started;
    if (role === "closing" || role === "closed" || !current.ok) return ok({ role });
    role = "closing";
    current.value.service.closeAll();
    current.value.service.closeAppPorts();
    current.value.service.closeWatches();
    if (inFlight > 0) await new Promise<void>((resolve) => (whenIdle = resolve));
    await current.value.node.stop();
    current.value.store.close();
    role = "closed";
    leadership.release();
    return ok({ role });
  }

  const methods: NodeApi = {
    status: guarded(async (...args) => {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const first = await leadership.firstAnswer;
      return ok({ role: role === "waiting" && first === "leader" ? "starting" : role, databaseOpened, nodeName, lockName });
    }),
    whenReady: guarded(async (...args) => {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const current = await started;
      // Issue 13 item 5: a node that has stopped (or is stopping) is not ready, whatever it was.
      if (role === "closing" || role === "closed") return unavailable("node_closed");
      return current.ok ? ok(current.value.info) : current;
    }),
    info: guarded(async (...args) => {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      const current = await running();
      return current.ok ? ok(current.value.info) : current;
    }),
    health: served((s) => s.health),
    createIdentity: served((s) => s.createIdentity),
    listIdentities: served((s) => s.listIdentities),
    listApps: served((s) => s.listApps),
    submit: served((s) => s.submit),
    read: served((s) => s.read),
    history: served((s) => s.history),
    rejections: served((s) => s.rejections),
    stateDigest: served((s) => s.stateDigest),
    checkIntegrity: served((s) => s.checkIntegrity),
    verifyAuditLog: served((s) => s.verifyAuditLog),
    repairAuditLog: served((s) => s.repairAuditLog),
    exportHeader: served((s) => s.exportHeader),
    exportEnvelopes: served((s) => s.exportEnvelopes),
    importEnvelopes: served((s) => s.importEnvelopes),
    exportRecovery: served((s) => s.exportRecovery),
    restoreIdentity: served((s) => s.restoreIdentity),
    rotateDeviceKey: served((s) => s.rotateDeviceKey),
    pairingBegin: served((s) => s.pairingBegin),
    pairingStatus: served((s) => s.pairingStatus),
    pairingCancel: served((s) => s.pairingCancel),
    pairingComplete: served((s) => s.pairingComplete),
    pairingPreview: served((s) => s.pairingPreview),
    pairingConfirm: served((s) => s.pairingConfirm),
    listDevices: served((s) => s.listDevices),
    removeDevice: served((s) => s.removeDevice),
    inspectPackage: served((s) => s.inspectPackage),
    trustPublisher: served((s) => s.trustPublisher),
    listTrustedPublishers: served((s) => s.listTrustedPublishers),
    distrustPublisher: served((s) => s.distrustPublisher),
    installApp: served((s) => s.installApp),
    upgradeApp: served((s) => s.upgradeApp),
    enableApp: served((s) => s.enableApp),
    disableApp: served((s) => s.disableApp),
    uninstallApp: served((s) => s.uninstallApp),
    openApp: served((s) => s.openApp),
    syncAttach: served((s) => s.syncAttach),
    syncOverview: served((s) => s.syncOverview),
    syncDetach: served((s) => s.syncDetach),
    watchCommits: served((s) => s.watchCommits),
    watchSync: served((s) => s.watchSync),
    close: guarded(async (...args) => {
      const checked = parseNoArguments(args);
      if (!checked.ok) return checked;
      return close();
    }),
  };

  return methods;
}
