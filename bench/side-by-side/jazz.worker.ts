// Classic Jazz in a dedicated worker, as 2WAY's node runs: cojson with its WASM crypto and its
// IndexedDB storage (the versions pinned in bench/jazz/package.json). Bundled by esbuild when the
// bench runs (bench/side-by-side/index.ts); typed by the declarations in cojson.d.ts.
//   create + persist: `count` CoMaps created in one group, timed until storage has every one
//   peer stored:      a second node with its own IndexedDB storage joins as A's server peer; timed
//                     from the connection until B's storage has every one of them
import { cojsonInternals, LocalNode } from "cojson";
import { WasmCrypto } from "cojson/crypto/WasmCrypto";
import { getIndexedDBStorage } from "cojson-storage-indexeddb";

type Job = { count: number; round: number };

async function run({ count, round }: Job): Promise<{ createPersistMs: number; peerStoredMs: number }> {
  const crypto = await WasmCrypto.create();
  const storageA = await getIndexedDBStorage(`jazz-bench-a-${round}`);
  const { node: a } = await LocalNode.withNewlyCreatedAccount({ creationProps: { name: "A" }, crypto, storage: storageA });
  const group = a.createGroup();
  const ids: string[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    // About the size of one 2WAY contact: a handle and a timestamp.
    ids.push(group.createMap({ handle: `w${i}`, created_at: "2026-11-21T10:00:00.000Z" }).id);
  }
  await Promise.all(ids.map((id) => a.syncManager.waitForStorageSync(id) ?? Promise.resolve()));
  const createPersistMs = performance.now() - started;

  const storageB = await getIndexedDBStorage(`jazz-bench-b-${round}`);
  const { node: b } = await LocalNode.withNewlyCreatedAccount({ creationProps: { name: "B" }, crypto, storage: storageB });
  const [aAsPeer, bAsPeer] = cojsonInternals.connectedPeers("a", "b", { peer1role: "client", peer2role: "server" });
  const connected = performance.now();
  b.syncManager.addPeer(aAsPeer);
  a.syncManager.addPeer(bAsPeer);
  // A pushes to its server peer; each id resolves when B acknowledged it, then when B's storage holds it.
  await Promise.all(ids.map((id) => a.syncManager.waitForSyncWithPeer("b", id, 600_000) ?? Promise.resolve()));
  await Promise.all(ids.map((id) => b.syncManager.waitForStorageSync(id) ?? Promise.resolve()));
  const peerStoredMs = performance.now() - connected;
  await a.gracefulShutdown();
  await b.gracefulShutdown();
  return { createPersistMs, peerStoredMs };
}

self.onmessage = (event: MessageEvent<Job>) => {
  run(event.data).then(
    (result) => self.postMessage({ ok: true, ...result }),
    (error: unknown) => self.postMessage({ ok: false, error: String(error instanceof Error ? (error.stack ?? error.message) : error) }),
  );
};
