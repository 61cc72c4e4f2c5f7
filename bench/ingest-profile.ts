// Ingest under the CPU profiler (issue 17, ADR 0033): a fresh node imports BENCH_INGEST_COUNT (default
// 4000) signed contact envelopes in batches of 1000 through importEnvelopes, the node worker profiled
// (BENCH_PROFILE_CPU=0 skips it); prints envelopes/s and the heaviest functions. `npx tsx
// bench/ingest-profile.ts` after `vite build`, inside `unshare -n`.
import { join } from "node:path";
import { launchChromium } from "../test-support/chromium.ts";
import { call, createContactChain } from "../test-support/browser-node-pages.ts";
import { freePort, startPreview } from "../e2e/support/preview-server.ts";
import { openNode } from "./browser-node.ts";
import { profileWorker, summarize } from "./cold-profile.ts";

const ROOT = join(import.meta.dirname, "..");
const count = Number(process.env.BENCH_INGEST_COUNT ?? 4000);
const texts: string[][] = [];
for await (const batch of createContactChain(91, "side")(count, 1000)) texts.push(batch);
const server = await startPreview(ROOT, await freePort());
const browser = await launchChromium();
try {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const cdp = await browser.context.newCDPSession(page);
  const profiler = process.env.BENCH_PROFILE_CPU === "0" ? null : await profileWorker(cdp);
  await openNode(page, server.url);
  await call(page, "createIdentity", { name: "Bench" });
  const perBatch: number[] = [];
  for (const batch of texts) {
    const started = performance.now();
    const outcome = await call(page, "importEnvelopes", { envelopes: batch });
    perBatch.push(performance.now() - started);
    if (outcome.rejected.length > 0) throw new Error(`import rejected ${outcome.rejected[0].code}`);
  }
  const ms = perBatch.reduce((a, b) => a + b, 0);
  console.log(`ingest: ${((count / ms) * 1000).toFixed(0)}/s, n=${count} (${perBatch.map((b) => b.toFixed(0)).join(", ")} ms per batch)`);
  if (profiler !== null) console.log(summarize(await profiler.stop()));
} finally {
  await browser.close();
  await server.stop();
}
