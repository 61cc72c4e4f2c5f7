// The always-on peer's figures (issue 18, ADR 0032): the real `npm run peer` process ingesting a file of
// BENCH_PEER_ENVELOPES signed contact envelopes (the WebRTC bench's kind) into SQLite, its memory then
// (RSS and V8 heap from its status report), and sync rates with the peer's node on SQLite at one end:
// serving a node that lacks the history, and taking it in from one. Beside them, the browser's rates on
// IndexedDB from the WebRTC bench of the same run when given (Chromium: import and sync over WebRTC).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { createNode, type TwoWayNode } from "../src/core/index.ts";
import { ingestAll, installBuiltIns, NODE_DATABASE_FILE, startPeer } from "../src/node-peer/peer.ts";
import { createContactChain } from "../test-support/browser-node-pages.ts";
import { BUILT_IN_PACKAGES } from "../workers/built-in-packages.generated.ts";
import { must } from "./notes-corpus.ts";
import { syncAll } from "./sync-bench.ts";

const PEER_MAIN = fileURLToPath(new URL("../src/node-peer/peer-main.ts", import.meta.url));
const FAST_PUZZLES = { "dos.difficulty.base_bits": 8, "dos.difficulty.max_bits": 12 };

/** The browser's rates on IndexedDB (envelopes/s), from the WebRTC bench; null where it did not finish. */
export type BrowserRates = { readonly ingest: number | null; readonly sync: number | null; readonly count: number };

type Line = { readonly event: string } & Record<string, unknown>;
type Memory = { rss: number; heapUsed: number; heapTotal: number; external: number; maxRss: number };

/** Runs the peer on `file`; returns its ingest time, counts and memory once it reports ready, then stops it. */
function ingestInPeerProcess(dataDir: string, file: string): Promise<{ ms: number; globalSeq: number; outcomes: unknown; memory: Memory }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", PEER_MAIN, "--data", dataDir, "--ingest", file, "--status-port", "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let ingested: Line | undefined;
    let result: Awaited<ReturnType<typeof ingestInPeerProcess>> | undefined;
    createInterface({ input: child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as Line;
      if (line.event === "peer.ingested") ingested = line;
      if (line.event === "peer.start_failed") reject(new Error(`bench: peer failed to start: ${text}`));
      if (line.event === "peer.status_serving")
        void fetch(line.url as string)
          .then((response) => response.json() as Promise<{ memory: Memory }>)
          .then((status) => {
            result = {
              ms: ingested!.ms as number,
              globalSeq: ingested!.globalSeq as number,
              outcomes: ingested!.outcomes,
              memory: status.memory,
            };
            child.kill("SIGTERM");
          }, reject);
    });
    child.on("exit", (code) => (result !== undefined && code === 0 ? resolve(result) : reject(new Error(`bench: peer exited ${code}`))));
  });
}

let counter = 0;
/** A node as a browser's worker runs it, on (fake-)IndexedDB, with the built-in apps. */
async function indexedDbNode(): Promise<TwoWayNode> {
  const node = await must(
    createNode({
      name: `peer-bench-${++counter}`,
      idb: { indexedDB: new IDBFactory(), IDBKeyRange },
      config: FAST_PUZZLES,
      pinnedPackageDigests: BUILT_IN_PACKAGES.map((pkg) => pkg.digest),
    }),
  );
  await must(installBuiltIns(node));
  return node;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const perSecond = (count: number, ms: number) => `${((count * 1000) / ms).toFixed(0).padStart(7)} envelopes/s`;
const row = (label: string, figures: string) => `${label.padEnd(58)}${figures}`;

/** Appends the sync rates: the peer serving a fresh node, then a fresh peer taking it from that node. */
async function syncRates(lines: string[], dir: string, dataDir: string, texts: string[], count: number, syncCount: number): Promise<void> {
  const peer = await must(startPeer({ dataDir: syncCount === count ? dataDir : join(dir, "sync"), config: FAST_PUZZLES }));
  if (syncCount !== count) {
    await must(installBuiltIns(peer));
    await ingestAll(peer, texts.slice(0, syncCount));
  }
  texts.length = 0;
  const fresh = await indexedDbNode();
  const out = await syncAll(peer, fresh);
  lines.push(
    row(
      `sync out: peer (SQLite) → fresh node (fake-idb), ${syncCount}`,
      `${perSecond(syncCount, out.ms)}  ${out.converged ? "converged" : "NOT converged"}`,
    ),
  );
  const second = await must(startPeer({ dataDir: join(dir, "second"), config: FAST_PUZZLES }));
  await must(installBuiltIns(second));
  const into = await syncAll(fresh, second);
  lines.push(
    row(
      `sync in: node (fake-idb) → fresh peer (SQLite), ${syncCount}`,
      `${perSecond(syncCount, into.ms)}  ${into.converged ? "converged" : "NOT converged"}`,
    ),
  );
  for (const node of [peer, fresh, second]) await node.stop();
}

export async function runPeerBench(count: number, syncCount = count, browser?: BrowserRates): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "twoway-peer-bench-"));
  const lines = [
    `\nAlways-on peer (npm run peer), Node.js ${process.version}, node database on SQLite (WAL, synchronous=FULL), ${count} envelopes`,
  ];
  try {
    const texts: string[] = [];
    for await (const batch of createContactChain(79, "peer-bench")(count, 1000)) texts.push(...batch);
    const file = join(dir, "envelopes.ndjson");
    writeFileSync(file, texts.join("\n"));
    const dataDir = join(dir, "peer");
    const ingest = await ingestInPeerProcess(dataDir, file);
    lines.push(
      row("ingest: --ingest file, batches of 100 (peer process)", `${perSecond(count, ingest.ms)}  ${JSON.stringify(ingest.outcomes)}`),
    );
    const m = ingest.memory;
    lines.push(
      row(
        `  peer memory holding ${ingest.globalSeq} envelopes (status report)`,
        `RSS ${mib(m.rss)} (peak ${mib(m.maxRss)}), V8 heap ${mib(m.heapUsed)} used of ${mib(m.heapTotal)}, external ${mib(m.external)}`,
      ),
    );
    const fileBytes = statSync(join(dataDir, NODE_DATABASE_FILE)).size;
    lines.push(row("  node.sqlite on disk", mib(fileBytes)));

    // Sync with the peer's SQLite node at one end, over the loopback transport (no WebRTC costs):
    // the same peer, or one holding the first BENCH_PEER_SYNC_ENVELOPES of them (0: no sync figures).
    if (syncCount > 0) await syncRates(lines, dir, dataDir, texts, count, syncCount);
    if (browser !== undefined) {
      const rate = (value: number | null) => (value === null ? "      n/a" : `${value.toFixed(0).padStart(7)} envelopes/s`);
      lines.push(`  beside the browser on IndexedDB (the WebRTC bench above, Chromium, ${browser.count} envelopes):`);
      lines.push(row("  browser ingest: importEnvelopes into IndexedDB", rate(browser.ingest)));
      lines.push(row("  browser sync: browser → browser over WebRTC", rate(browser.sync)));
    }
    lines.push(
      "  (BENCH_PEER_ENVELOPES: the count, default 10000, 100000 for issue 18's memory figure; BENCH_PEER_SYNC_ENVELOPES: the sync runs', default the same)",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines.join("\n");
}

// `npx tsx bench/peer-bench.ts`: this bench alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await runPeerBench(...peerBenchCounts()));

/** BENCH_PEER_ENVELOPES (default 10000) and BENCH_PEER_SYNC_ENVELOPES (default the same, at most it). */
export function peerBenchCounts(): [number, number] {
  const count = Number(process.env.BENCH_PEER_ENVELOPES ?? 10_000);
  return [count, Math.min(count, Number(process.env.BENCH_PEER_SYNC_ENVELOPES ?? count))];
}
