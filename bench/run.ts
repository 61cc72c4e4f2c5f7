// `npm run bench`: protocol-core rates in Node.js, then the same bench in a Chromium worker.
// Bounded by BENCH_SECONDS per measure (default 1.5), BENCH_CORPUS envelopes (default 300) and
// BENCH_KERNEL_ENVELOPES for the node-kernel run (default 1000); the browser node (bench/browser-node.ts)
// by BENCH_NODE_CALLS, BENCH_NODE_WRITES and BENCH_COLD_ENVELOPES; the always-on peer (bench/peer-bench.ts)
// by BENCH_PEER_ENVELOPES and BENCH_PEER_SYNC_ENVELOPES; the large store (bench/large-store.ts) by
// BENCH_LARGE_ENVELOPES, BENCH_FLAT_STORED and BENCH_FLAT_BATCH; WebRTC sync by BENCH_WEBRTC_ENVELOPES
// and BENCH_WEBRTC_ROUNDS, run again beside BENCH_HOGS busy loops (default 2; 0 skips that run).
// It ends with issue 17's "done when" table (bench/goals.ts). BENCH_ONLY=issue17 runs only the parts
// that feed that table.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { createServer } from "vite";
import { launchChromium } from "../test-support/chromium.ts";
import { runAclBench } from "./acl-bench.ts";
import { runAppPortBench } from "./app-port-bench.ts";
import { formatGoals } from "./goals.ts";
import { runLargeStoreBench } from "./large-store.ts";
import { runBrowserNodeBench } from "./browser-node.ts";
import { runKernelBench } from "./kernel-bench.ts";
import { runPuzzleBench } from "./puzzle-bench.ts";
import { formatKdfRows, measureRecoveryKdf } from "./recovery-kdf-bench.ts";
import { runSideBySideBench } from "./side-by-side/index.ts";
import { peerBenchCounts, runPeerBench } from "./peer-bench.ts";
import { runSqliteBench } from "./sqlite-bench.ts";
import { runSyncBench } from "./sync-bench.ts";
import { runWebRtcSyncBench } from "./webrtc-sync.ts";
import { formatRows, runProtocolBench } from "./protocol-bench.ts";

const ROOT = join(import.meta.dirname, "..");
const seconds = Number(process.env.BENCH_SECONDS ?? 1.5);
const corpus = Number(process.env.BENCH_CORPUS ?? 300);

const issue17Only = process.env.BENCH_ONLY === "issue17";
console.log(`2WAY bench — ${new Date().toISOString()}${issue17Only ? " (BENCH_ONLY=issue17)" : ""}`);
console.log(runAclBench());
if (!issue17Only) await generalBenches();
if (issue17Only) buildDist();
else console.log(await runBrowserNodeBench());
console.log(await runLargeStoreBench());
const webrtc = await runWebRtcSyncBench({ build: false }); // dist/ was just built by the browser-node bench
console.log(webrtc.text);
const hogs = Number(process.env.BENCH_HOGS ?? 2);
if (hogs > 0) console.log((await runWebRtcSyncBench({ build: false, hogs })).text);
// The always-on peer on SQLite, beside the browser's IndexedDB rates just measured.
const [peerCount, peerSyncCount] = peerBenchCounts();
if (!issue17Only) console.log(await runPeerBench(peerCount, peerSyncCount, webrtc.rates));
console.log(await runSideBySideBench()); // 2WAY beside classic Jazz and raw IndexedDB, same Chromium run
console.log(formatGoals());

/** The production build the browser benches serve (the browser-node bench builds it when it runs). */
function buildDist(): void {
  if (process.env.BENCH_SKIP_BUILD === "1") return;
  const built = spawnSync(join(ROOT, "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit" });
  if (built.status !== 0) throw new Error("bench: vite build failed");
}

/** Protocol-core rates in Node.js and a Chromium worker, the kernel, SQLite, ports, KDF, loopback sync. */
async function generalBenches(): Promise<void> {
  console.log(`2WAY protocol bench — ${seconds}s per measure, ${corpus}-envelope corpus, ${new Date().toISOString()}`);
  console.log(formatRows(`Node.js ${process.version} (main thread)`, await runProtocolBench({ seconds, corpus })));
  console.log(await runKernelBench(Number(process.env.BENCH_KERNEL_ENVELOPES ?? 1000)));
  console.log(await runSqliteBench(Number(process.env.BENCH_KERNEL_ENVELOPES ?? 1000)));
  console.log(await runAppPortBench());
  console.log(await runPuzzleBench());
  console.log(formatKdfRows(`Node.js ${process.version} (main thread)`, await measureRecoveryKdf(Number(process.env.BENCH_KDF_RUNS ?? 3))));
  console.log(await runSyncBench(Number(process.env.BENCH_SYNC_ENVELOPES ?? 10_000)));

  const server = await createServer({
    configFile: false,
    root: ROOT,
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0 },
    worker: { format: "es" },
    optimizeDeps: {
      entries: ["bench/browser/index.html"],
      include: ["@noble/ed25519", "@noble/hashes/sha2.js", "@noble/hashes/scrypt.js"],
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (address === null || address === undefined || typeof address === "string") throw new Error("bench: no server address");
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    page.on("pageerror", (error) => console.error(`bench page error: ${error.message}`));
    await page.goto(`http://127.0.0.1:${address.port}/bench/browser/index.html?seconds=${seconds}&corpus=${corpus}`);
    const rows = await page.evaluate(() => window.__bench, undefined);
    const version = await page.evaluate(() => /Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? "?");
    console.log(formatRows(`Chromium ${version} (dedicated worker)`, rows));
    // Where the person waits: the node worker derives the key when a file is made and when it restores.
    const kdf = await page.evaluate(() => window.__kdf, undefined);
    console.log(formatKdfRows(`Chromium ${version} (dedicated worker)`, kdf));
  } finally {
    await browser.close();
    await server.close();
  }
}
