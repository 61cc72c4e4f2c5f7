// Runs the protocol bench in a dedicated worker, where the node lives in the app, and exposes the
// rows to the driving script as `window.__bench`.
import type { BenchRow } from "../protocol-bench.ts";
import type { KdfRow } from "../recovery-kdf-bench.ts";

declare global {
  interface Window {
    __bench: Promise<BenchRow[]>;
    __kdf: Promise<KdfRow[]>;
  }
}

const params = new URLSearchParams(location.search);
let resolveKdf: (rows: KdfRow[]) => void = () => undefined;
window.__kdf = new Promise<KdfRow[]>((resolve) => (resolveKdf = resolve));
window.__bench = new Promise<BenchRow[]>((resolve, reject) => {
  const worker = new Worker(new URL("./bench.worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (event: MessageEvent<{ rows?: BenchRow[]; kdf?: KdfRow[]; error?: string }>) => {
    if (event.data.rows) {
      resolve(event.data.rows);
      resolveKdf(event.data.kdf ?? []);
    } else reject(new Error(event.data.error ?? "bench worker failed"));
  };
  worker.onerror = (event) => reject(new Error(event.message || "bench worker failed to load"));
  worker.postMessage({
    seconds: Number(params.get("seconds") ?? 1.5),
    corpus: Number(params.get("corpus") ?? 300),
    kdfRuns: Number(params.get("kdfRuns") ?? 3),
  });
});
