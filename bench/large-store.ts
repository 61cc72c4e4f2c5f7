// The node with a large store (issue 17): one Chromium profile filled through importEnvelopes
// (batches of 1000), measuring on the way
//   - ingest rate with ~1,000 envelopes stored and with BENCH_FLAT_STORED stored (default 50000),
//     each the median of 3 consecutive batches of BENCH_FLAT_BATCH (default 1000)
//   - then, at BENCH_LARGE_ENVELOPES (default 100000): cold start (worker created → ready, median of
//     3 fresh browser processes) and the node worker's live heap after a full GC, after the fill and
//     after a cold start (the larger is the figure)
// dist/ must be built (bench/browser-node.ts builds it first).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium } from "../test-support/chromium.ts";
import { call, createContactChain } from "../test-support/browser-node-pages.ts";
import { freePort, startPreview } from "../e2e/support/preview-server.ts";
import { coldStart, fill, openNode } from "./browser-node.ts";
import { goalAtLeast, goalAtMost } from "./goals.ts";
import { workerHeapBytes } from "./worker-heap.ts";

const ROOT = join(import.meta.dirname, "..");
const NODE_WORKER = /node\.worker/;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The median ingest rate of 3 batches of `batch` envelopes, the store holding `stored` before the first. */
async function ratesAt(page: Page, stored: number, batch: number, chain: ReturnType<typeof createContactChain>): Promise<number> {
  await fill(page, stored, chain);
  const rates: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const held: number = (await call(page, "health")).globalSeq;
    const timed = await fill(page, held + batch, chain);
    rates.push((timed.added / timed.ms) * 1000);
  }
  return median(rates);
}

/** The node worker's start, stage by stage: the `twoway:open:*` measures workers/node-host.ts takes. */
async function openStages(page: Page): Promise<string> {
  const worker = page.workers().find((w) => NODE_WORKER.test(w.url()));
  if (worker === undefined) return "no node worker";
  const measures = await worker.evaluate(() =>
    performance.getEntriesByType("measure").map((m) => [m.name.replace("twoway:open:", ""), Math.round(m.duration)] as const),
  );
  return measures.map(([name, ms]) => `${name} ${ms} ms`).join(", ");
}

export async function runLargeStoreBench(): Promise<string> {
  const large = Number(process.env.BENCH_LARGE_ENVELOPES ?? 100_000);
  const flatStored = Math.min(large, Number(process.env.BENCH_FLAT_STORED ?? 50_000));
  const batch = Number(process.env.BENCH_FLAT_BATCH ?? 1000);
  const server = await startPreview(ROOT, await freePort());
  const profileDir = mkdtempSync(join(tmpdir(), "twoway-bench-large-"));
  const lines = [
    `\nLarge store, Chromium node worker (BENCH_LARGE_ENVELOPES=${large}, BENCH_FLAT_STORED=${flatStored}, BENCH_FLAT_BATCH=${batch})`,
  ];
  try {
    const chain = createContactChain(79, "large");
    const filler = await launchChromium({ profileDir });
    let heapAfterFill: number;
    const started = performance.now();
    try {
      const page = filler.context.pages()[0] ?? (await filler.context.newPage());
      await openNode(page, server.url);
      await call(page, "createIdentity", { name: "Bench" });
      const small = await ratesAt(page, 1000, batch, chain);
      const big = await ratesAt(page, flatStored, batch, chain);
      lines.push(`${"ingest with ~1,000 stored".padEnd(46)}${small.toFixed(0).padStart(7)} envelopes/s (median of 3 batches of ${batch})`);
      lines.push(
        `${`ingest with ~${flatStored.toLocaleString("en")} stored`.padEnd(46)}${big.toFixed(0).padStart(7)} envelopes/s   ${(big / small).toFixed(2)}× (goal ≥ 0.9)`,
      );
      goalAtLeast("ingest at large store / at 1k stored", big / small, 0.9, "×", `(${flatStored.toLocaleString("en")} vs 1,000 stored)`);
      await fill(page, large, chain);
      heapAfterFill = await workerHeapBytes(filler.context, page, NODE_WORKER);
    } finally {
      await filler.close();
    }
    lines.push(`${"  filled in".padEnd(46)}${((performance.now() - started) / 1000).toFixed(0)} s`);
    const runs = [];
    const stages: string[] = [];
    for (let i = 0; i < 3; i += 1)
      runs.push(
        await coldStart(profileDir, server.url, async (context, page) => {
          stages.push(await openStages(page));
          return workerHeapBytes(context, page, NODE_WORKER);
        }),
      );
    const held = runs[0]!.globalSeq;
    const pageMs = median(runs.map((r) => r.pageMs));
    const heapCold = median(runs.map((r) => r.measured ?? 0));
    lines.push(
      `${`cold start, ${held.toLocaleString("en")} envelopes`.padEnd(46)}worker created → ready p50 ${pageMs.toFixed(0)} ms (${runs.map((r) => r.pageMs.toFixed(0)).join(", ")}); node open ${median(runs.map((r) => r.openMs))} ms`,
    );
    lines.push(`${"  node open by stage (each cold start)".padEnd(46)}${stages.join(" | ")}`);
    lines.push(`${"node worker heap after GC".padEnd(46)}after the fill ${mib(heapAfterFill)}, after a cold start ${mib(heapCold)}`);
    goalAtMost("cold start, large store", pageMs, 1000, "ms", `(${held.toLocaleString("en")} envelopes)`);
    goalAtMost(
      "worker heap, large store",
      Math.max(heapAfterFill, heapCold) / 2 ** 20,
      150,
      "MiB",
      `(${held.toLocaleString("en")} envelopes)`,
    );
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
    await server.stop();
  }
  return lines.join("\n");
}
