// The shell's view of the node: whether this tab holds it (ADR 0006), whether it is ready, and the
// calls pages make. It hands the node to another tab that asks, and closes it cleanly (calls in
// flight first) before a service-worker update reloads the page. Every commit the node makes,
// synced ones too, moves `revision`, so the screens that read the graph re-read (watchCommits);
// every change of a sync session reaches `onSyncChange`'s listeners, so the Peers page re-reads (watchSync).
import * as Comlink from "comlink";
import { createSignal, onCleanup, type Accessor } from "solid-js";
import type { NodeApi, NodeInfo, NodeMethod } from "../rpc/node-api.ts";
import { createNodeClient, MARK_NODE_READY, type NodeClient, type NodeValue, type ShellError, type ShellResult } from "./node-client.ts";

export type ConnectionPhase =
  | { readonly state: "connecting" }
  /** Another tab holds the node; `requested` once this tab asked for it. */
  | { readonly state: "waiting"; readonly requested: boolean }
  | { readonly state: "starting" }
  | { readonly state: "ready"; readonly info: NodeInfo }
  | { readonly state: "closing"; readonly reason: "handover" | "update" }
  /** This tab handed the node to another tab. */
  | { readonly state: "moved" }
  | { readonly state: "failed"; readonly error: ShellError };

export type NodeConnection = {
  readonly phase: Accessor<ConnectionPhase>;
  /** Bumps after every change made through this tab, so views re-read. */
  readonly revision: Accessor<number>;
  /** Calls `listener` after a sync session's state changes (the worker coalesces); returns its removal. */
  onSyncChange(listener: () => void): () => void;
  call<M extends NodeMethod>(method: M, ...args: Parameters<NodeApi[M]>): Promise<ShellResult<NodeValue<M>>>;
  callRaw(method: string, args: readonly unknown[]): Promise<ShellResult<unknown>>;
  /** From "waiting" or "moved": ask the tab holding the node to hand it over. */
  useHere(): void;
  /** Finishes the writes in flight and stops the node; the caller reloads afterwards. */
  closeForUpdate(): Promise<void>;
  /** After a failed start: a fresh worker tries again. */
  retry(): void;
};

const CHANGES: ReadonlySet<string> = new Set([
  "createIdentity",
  "exportRecovery",
  "restoreIdentity",
  "rotateDeviceKey",
  "pairingComplete",
  "pairingConfirm",
  "removeDevice",
  "submit",
  "importEnvelopes",
  "trustPublisher",
  "distrustPublisher",
  "installApp",
  "upgradeApp",
  "enableApp",
  "disableApp",
  "uninstallApp",
]);
type HandoverMessage = { readonly type: "handover_request" };

/** Spacing of screen refreshes while commits stream in (a sync): the first one shows at once. */
const NOTICE_SPACING_MS = 150;

function notRunning(): ShellResult<never> {
  return {
    ok: false,
    error: {
      code: "ERR_MNG_STORAGE_UNAVAILABLE",
      category: "storage",
      message: "This tab does not run the node right now.",
      data: { reason: "not_connected" },
    },
  };
}

export function createNodeConnection(options: { nodeName?: string } = {}): NodeConnection {
  const [phase, setPhase] = createSignal<ConnectionPhase>({ state: "connecting" });
  const [revision, setRevision] = createSignal(0);
  const syncListeners = new Set<() => void>();
  const channel = new BroadcastChannel(`twoway-node-handover:${options.nodeName ?? "main"}`);
  let client: NodeClient | undefined;
  let handoverRequested = false;

  async function connect(): Promise<void> {
    const mine = createNodeClient(options.nodeName);
    client = mine;
    setPhase({ state: "connecting" });
    const status = await mine.call("status");
    if (client !== mine) return;
    if (!status.ok) return void setPhase({ state: "failed", error: status.error });
    setPhase(status.value.role === "waiting" ? { state: "waiting", requested: handoverRequested } : { state: "starting" });
    const ready = await mine.call("whenReady");
    if (client !== mine) return;
    handoverRequested = false;
    if (ready.ok) performance.mark(MARK_NODE_READY);
    setPhase(ready.ok ? { state: "ready", info: ready.value } : { state: "failed", error: ready.error });
    if (ready.ok) await watch(mine);
  }

  /** Every commit the node makes — synced ones too — moves `revision`, so open screens re-read. */
  async function watch(mine: NodeClient): Promise<void> {
    const onNotice = async (): Promise<void> => {
      if (client !== mine) return;
      setRevision((n) => n + 1);
      // The acknowledgement waits a moment: commits meanwhile coalesce into one re-read, not hundreds.
      await new Promise((resolve) => setTimeout(resolve, NOTICE_SPACING_MS));
    };
    const watched = await mine.callRaw("watchCommits", [Comlink.proxy(onNotice)]);
    if (!watched.ok) console.warn(`2WAY: screens will not update by themselves: ${watched.error.code}`);
    // The worker spaces these notices itself (sync-watch.ts): acknowledge at once.
    const onSync = (): void => {
      if (client === mine) for (const listener of [...syncListeners]) listener();
    };
    const syncWatched = await mine.callRaw("watchSync", [Comlink.proxy(onSync)]);
    // A session that moved before the watch began sent no notice: the listeners re-read once now.
    if (syncWatched.ok) onSync();
    else console.warn(`2WAY: the Peers page will not follow its sessions by itself: ${syncWatched.error.code}`);
  }

  async function closeNode(reason: "handover" | "update"): Promise<void> {
    const closing = client;
    if (closing === undefined) return;
    setPhase({ state: "closing", reason });
    await closing.call("close");
    closing.dispose();
    if (client === closing) client = undefined;
  }

  channel.onmessage = (event: MessageEvent<HandoverMessage>) => {
    if (event.data.type !== "handover_request" || phase().state !== "ready") return;
    void closeNode("handover").then(() => setPhase({ state: "moved" }));
  };

  async function callRaw(method: string, args: readonly unknown[]): Promise<ShellResult<unknown>> {
    if (client === undefined) return notRunning();
    const result = await client.callRaw(method, args);
    if (result.ok && CHANGES.has(method)) setRevision((n) => n + 1);
    return result;
  }

  void connect();
  onCleanup(() => {
    channel.close();
    client?.dispose();
    client = undefined;
  });

  return {
    phase,
    revision,
    onSyncChange(listener) {
      syncListeners.add(listener);
      return () => void syncListeners.delete(listener);
    },
    call: (method, ...args) => callRaw(method, args) as never,
    callRaw,
    useHere() {
      const current = phase().state;
      if (current === "moved" || current === "failed") void connect();
      else if (current !== "waiting") return;
      handoverRequested = true;
      setPhase({ state: "waiting", requested: true });
      channel.postMessage({ type: "handover_request" } satisfies HandoverMessage);
    },
    closeForUpdate: () => closeNode("update"),
    retry() {
      client?.dispose();
      client = undefined;
      void connect();
    },
  };
}
