// The few parts of classic Jazz (cojson 0.20, pinned in bench/jazz/package.json) the side-by-side
// bench uses. esbuild bundles the real package from bench/jazz/node_modules, which only `npm run
// bench` installs, so the type check of a fresh clone reads these declarations instead.
declare module "cojson" {
  type CoID = string & { readonly __coId?: never };
  type Peer = { readonly id: string; readonly role: "server" | "client" };
  type SyncManager = {
    addPeer(peer: Peer): void;
    waitForStorageSync(id: CoID): Promise<void> | undefined;
    waitForSyncWithPeer(peerId: string, id: CoID, timeout: number): Promise<unknown> | undefined;
  };
  export class LocalNode {
    readonly syncManager: SyncManager;
    createGroup(): { createMap(init: Record<string, string>): { readonly id: CoID } };
    gracefulShutdown(): Promise<unknown>;
    static withNewlyCreatedAccount(options: {
      creationProps: { name: string };
      crypto: unknown;
      storage?: unknown;
    }): Promise<{ node: LocalNode }>;
  }
  export const cojsonInternals: {
    connectedPeers(peer1: string, peer2: string, roles: { peer1role: Peer["role"]; peer2role: Peer["role"] }): [Peer, Peer];
  };
}

declare module "cojson/crypto/WasmCrypto" {
  export class WasmCrypto {
    static create(): Promise<WasmCrypto>;
  }
}

declare module "cojson-storage-indexeddb" {
  export function getIndexedDBStorage(name?: string): Promise<unknown>;
}
