// The browser node as a person gets it: the production build served on 127.0.0.1, the node in its
// dedicated worker, measured from the page through the shell's `window.twoway` port in Chromium.
//   - Comlink round trip: `info` (no storage) and `history` of one entry (an IndexedDB read)
//   - submit-to-commit latency of single writes from the page, p50/p99
//   - cold start: worker creation to ready, on a profile that already holds N envelopes
//   - a mini-app's SDK round trip from inside its sandboxed iframe (BENCH_FRAME_CALLS, default 150)
//   - node to screen: a synced contact's commit to Home showing it, p50/p95 (BENCH_SCREEN_WRITES, default 40)
// Bounded by BENCH_NODE_CALLS (default 500 round trips), BENCH_NODE_WRITES (default 200 writes) and
// BENCH_COLD_ENVELOPES (comma-separated sizes, default "10000"; add 100000 to run the large profile).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../test-support/chromium.ts";
import { call, createContactChain, CREATED_AT } from "../test-support/browser-node-pages.ts";
import { freePort, startPreview } from "../e2e/support/preview-server.ts";
import { frameRoundTrips } from "./frame-app.ts";
import { homeScreenDelays } from "./screen-delay.ts";

const ROOT = join(import.meta.dirname, "..");
const IMPORT_BATCH = 1000;

export async function openNode(page: Page, baseUrl: string): Promise<void> {
  await page.goto(baseUrl);
  await page.waitForSelector('[data-testid="shell"][data-phase="ready"]', { timeout: 120_000 });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** p50 and p95, for the node-to-screen goal (under 100 ms on a quiet machine, issue 15). */
function p95Summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(sorted, 95).toFixed(1).padStart(7)} ms   max ${(sorted.at(-1) ?? NaN).toFixed(1).padStart(7)} ms   n=${samples.length}`;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return `p50 ${percentile(sorted, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(sorted, 99).toFixed(2).padStart(7)} ms   mean ${mean.toFixed(2).padStart(7)} ms   n=${samples.length}`;
}

/** Times `count` sequential calls of one method inside the page: the port's own round trip, no CDP hop. */
async function timeCalls(page: Page, method: string, args: unknown[], count: number, vary = false): Promise<number[]> {
  return page.evaluate(
    async ({ method, args, count, vary }) => {
      const samples: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const request = vary ? JSON.parse(JSON.stringify(args).replaceAll("__N__", String(i))) : args;
        const started = performance.now();
        const result = (await window.twoway!.call(method, ...request)) as { ok: boolean; error?: { code: string } };
        samples.push(performance.now() - started);
        if (!result.ok) throw new Error(`${method} failed: ${result.error?.code}`);
      }
      return samples;
    },
    { method, args, count, vary },
  );
}

/** Fills the node to `target` envelopes through the port's importEnvelopes (the worker's ingestMany); times the imports only. */
export async function fill(
  page: Page,
  target: number,
  chain: ReturnType<typeof createContactChain>,
): Promise<{ ms: number; added: number }> {
  const before: number = (await call(page, "health")).globalSeq;
  let added = 0;
  let ms = 0;
  for await (const texts of chain(Math.max(0, target - before), IMPORT_BATCH)) {
    const started = performance.now();
    const outcome = await call(page, "importEnvelopes", { envelopes: texts });
    ms += performance.now() - started;
    if (outcome.rejected.length > 0) throw new Error(`bench: import rejected ${outcome.rejected[0].code}: ${outcome.rejected[0].message}`);
    added += outcome.accepted;
  }
  return { ms, added };
}

/** One cold start in a fresh browser process on `profileDir`; `measure` runs on the ready page before it closes. */
export async function coldStart(
  profileDir: string,
  baseUrl: string,
  measure?: (context: BrowserContext, page: Page) => Promise<number>,
): Promise<{ pageMs: number; openMs: number; globalSeq: number; measured: number | null }> {
  const browser = await launchChromium({ profileDir });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await openNode(page, baseUrl);
    const pageMs = await page.evaluate(() => performance.measure("cold", "twoway:worker-created", "twoway:node-ready").duration);
    const info = await call(page, "info");
    const globalSeq: number = (await call(page, "health")).globalSeq;
    const measured = measure === undefined ? null : await measure(browser.context, page);
    return { pageMs, openMs: info.openMs, globalSeq, measured };
  } finally {
    await browser.close();
  }
}

export async function runBrowserNodeBench(): Promise<string> {
  const calls = Number(process.env.BENCH_NODE_CALLS ?? 500);
  const writes = Number(process.env.BENCH_NODE_WRITES ?? 200);
  const frameCalls = Math.min(190, Number(process.env.BENCH_FRAME_CALLS ?? 150));
  const sizes = (process.env.BENCH_COLD_ENVELOPES ?? "10000")
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isSafeInteger(n) && n > 0)
    .sort((a, b) => a - b);
  if (process.env.BENCH_SKIP_BUILD !== "1") {
    const built = spawnSync(join(ROOT, "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit" });
    if (built.status !== 0) throw new Error("bench: vite build failed");
  }
  const server = await startPreview(ROOT, await freePort());
  const profileDir = mkdtempSync(join(tmpdir(), "twoway-bench-node-"));
  const lines: string[] = [];
  try {
    const browser = await launchChromium({ profileDir });
    let version = "?";
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      page.on("pageerror", (error) => console.error(`bench page error: ${error.message}`));
      await openNode(page, server.url);
      version = await page.evaluate(() => /Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? "?");
      await call(page, "createIdentity", { name: "Bench" });
      lines.push(`\nBrowser node, Chromium ${version}: production build, node in its dedicated worker, measured from the page`);
      await timeCalls(page, "info", [], 50); // warm up
      lines.push(`${"Comlink round trip: info (no storage)".padEnd(46)}${summary(await timeCalls(page, "info", [], calls))}`);
      lines.push(
        `${"Comlink round trip: history, 1 entry (IDB)".padEnd(46)}${summary(await timeCalls(page, "history", [{ limit: 1 }], calls))}`,
      );
      const contact = {
        app: "app.contacts",
        domain: "contacts",
        ops: [{ op: "parent_create", type_key: "contact.profile", payload: { value: { handle: "w__N__", created_at: CREATED_AT } } }],
      };
      lines.push(`${"submit to commit, single writes".padEnd(46)}${summary(await timeCalls(page, "submit", [contact], writes, true))}`);
      // Through a real sandboxed iframe: SDK → the app's own port → worker → node → back. Bounded
      // below the port's call budget (burst 400), which a sequential loop would otherwise meet.
      const frame = await frameRoundTrips(page, frameCalls);
      lines.push(`${"mini-app in its iframe: whoAmI (port only)".padEnd(46)}${summary(frame["whoAmI"] ?? [])}`);
      lines.push(`${"mini-app in its iframe: read, 10 rows (IDB)".padEnd(46)}${summary(frame["read"] ?? [])}`);
      const screen = await homeScreenDelays(page, server.url, Number(process.env.BENCH_SCREEN_WRITES ?? 40));
      lines.push(`${"node to screen: synced contact commit → Home".padEnd(46)}${p95Summary(screen.commitToScreen)}`);
      lines.push(`${"  (import call → Home, incl. verify + commit)".padEnd(46)}${p95Summary(screen.callToScreen)}`);
    } finally {
      await browser.close();
    }

    const ran: string[] = [];
    const chain = createContactChain(77, "bench");
    for (const size of sizes) {
      const filler = await launchChromium({ profileDir });
      let filled: { ms: number; added: number };
      try {
        const page = filler.context.pages()[0] ?? (await filler.context.newPage());
        await openNode(page, server.url);
        filled = await fill(page, size, chain);
      } finally {
        await filler.close();
      }
      const runs = [
        await coldStart(profileDir, server.url),
        await coldStart(profileDir, server.url),
        await coldStart(profileDir, server.url),
      ];
      const pageMs = runs.map((r) => r.pageMs).sort((a, b) => a - b);
      const openMs = runs.map((r) => r.openMs).sort((a, b) => a - b);
      const held = runs[0]!.globalSeq;
      lines.push(
        `${`cold start, ${held.toLocaleString("en")} envelopes`.padEnd(46)}worker created → ready p50 ${pageMs[1]!.toFixed(0)} ms (min ${pageMs[0]!.toFixed(0)}, max ${pageMs[2]!.toFixed(0)}); node open ${openMs[1]} ms`,
      );
      lines.push(
        `${"  (filled by importEnvelopes → ingestMany)".padEnd(46)}${filled.added.toLocaleString("en")} envelopes in ${(filled.ms / 1000).toFixed(1)} s, ${((filled.added / filled.ms) * 1000).toFixed(0)} envelopes/s`,
      );
      ran.push(String(size));
    }
    lines.push(`  cold-start sizes run: ${ran.length === 0 ? "none" : ran.join(", ")} (BENCH_COLD_ENVELOPES; 100000 is opt-in)`);
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
    await server.stop();
  }
  return lines.join("\n");
}
