// Single writes under the CPU profiler (issue 17): a fresh node, BENCH_WRITE_WARM warm-up submits, then
// BENCH_WRITE_COUNT (default 100) submits one at a time from the page with the node worker profiled;
// prints p50/p99 page → commit and the profile's heaviest functions. BENCH_WRITE_CONCURRENT=N instead
// sends BENCH_WRITE_COUNT submits N in flight (the side-by-side bench's many concurrent submits) and
// prints writes/s. `npx tsx bench/write-profile.ts` after `vite build`, inside `unshare -n`.
import { join } from "node:path";
import { launchChromium } from "../test-support/chromium.ts";
import { call, CREATED_AT } from "../test-support/browser-node-pages.ts";
import { freePort, startPreview } from "../e2e/support/preview-server.ts";
import { openNode } from "./browser-node.ts";
import { profileWorker, summarize } from "./cold-profile.ts";

const ROOT = join(import.meta.dirname, "..");
const count = Number(process.env.BENCH_WRITE_COUNT ?? 100);
const warm = Number(process.env.BENCH_WRITE_WARM ?? 20);
const concurrent = Number(process.env.BENCH_WRITE_CONCURRENT ?? 0);
// BENCH_URL: an already running preview (of another build folder) instead of one over dist/.
const server = process.env.BENCH_URL
  ? { url: process.env.BENCH_URL, stop: () => Promise.resolve() }
  : await startPreview(ROOT, await freePort());
const browser = await launchChromium();
try {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const cdp = await browser.context.newCDPSession(page);
  const profiler = process.env.BENCH_PROFILE_CPU === "0" ? null : await profileWorker(cdp);
  await openNode(page, server.url);
  await call(page, "createIdentity", { name: "Bench" });
  const writes = (n: number, label: string) =>
    page.evaluate(
      async ({ n, label, createdAt }) => {
        const times: number[] = [];
        for (let i = 0; i < n; i += 1) {
          const started = performance.now();
          const result = (await window.twoway!.call("submit", {
            app: "app.contacts",
            domain: "contacts",
            ops: [
              { op: "parent_create", type_key: "contact.profile", payload: { value: { handle: `${label}${i}`, created_at: createdAt } } },
            ],
          })) as { ok: boolean; error?: { code: string } };
          if (!result.ok) throw new Error(`submit failed: ${result.error?.code}`);
          times.push(performance.now() - started);
        }
        return times;
      },
      { n, label, createdAt: CREATED_AT },
    );
  await writes(warm, "w");
  if (concurrent > 0) {
    const ms = await page.evaluate(
      async ({ n, k, createdAt }) => {
        const started = performance.now();
        // Windows of k, as the side-by-side bench sends them.
        for (let base = 0; base < n; base += k) {
          const inFlight = Array.from({ length: Math.min(k, n - base) }, (_, j) =>
            window.twoway!.call("submit", {
              app: "app.contacts",
              domain: "contacts",
              ops: [
                { op: "parent_create", type_key: "contact.profile", payload: { value: { handle: `c${base + j}`, created_at: createdAt } } },
              ],
            }),
          );
          for (const result of (await Promise.all(inFlight)) as { ok: boolean; error?: { code: string } }[])
            if (!result.ok) throw new Error(`submit failed: ${result.error?.code}`);
        }
        return performance.now() - started;
      },
      { n: count, k: concurrent, createdAt: CREATED_AT },
    );
    console.log(`concurrent writes: ${((count / ms) * 1000).toFixed(0)}/s, n=${count}, ${concurrent} in flight (${ms.toFixed(0)} ms)`);
  } else {
    const times = (await writes(count, "s")).sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!.toFixed(1);
    console.log(`single writes: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, n=${count} (after ${warm} warm-up)`);
    const worker = page.workers().find((w) => /node\.worker/.test(w.url()));
    const acc = (await worker?.evaluate(() => (globalThis as { __twt?: Record<string, number[]> }).__twt ?? {})) ?? {};
    for (const [name, values] of Object.entries(acc)) {
      const sorted = values.slice(-count).sort((a, b) => a - b);
      console.log(
        `  ${name.padEnd(22)} p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms  p90 ${sorted[Math.floor(sorted.length * 0.9)]!.toFixed(2)} ms`,
      );
    }
  }
  if (profiler !== null) console.log(summarize(await profiler.stop()));
} finally {
  await browser.close();
  await server.stop();
}
