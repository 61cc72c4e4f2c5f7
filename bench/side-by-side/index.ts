// Side by side in one Chromium run (issue 17): 2WAY's browser node (the production build, node in its
// dedicated worker) beside classic Jazz (cojson + cojson-storage-indexeddb, pinned in bench/jazz/)
// and the raw IndexedDB ceiling (Dexie bulkPut of one envelope-sized row), each in a dedicated
// worker, each on fresh storage, medians of BENCH_SIDE_ROUNDS (default 3), printed with ratios.
//   BENCH_SIDE_COUNT  items per round for ingest, Jazz and raw rows (default 10000)
//   BENCH_SIDE_WRITES local 2WAY submits per round, 100 in flight (default 2000)
//   BENCH_SIDE_SINGLES submits one at a time after them, for the p50/p99 of a write alone (default 100)
// dist/ must be built (bench/browser-node.ts builds it first); scripts/bench.mjs installs bench/jazz.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { build } from "esbuild";
import type { Page } from "playwright-core";
import { launchChromium } from "../../test-support/chromium.ts";
import { call, createContactChain, CREATED_AT } from "../../test-support/browser-node-pages.ts";
import { freePort, HOST, startPreview } from "../../e2e/support/preview-server.ts";
import { goalAtLeast, goalAtMost } from "../goals.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const HERE = import.meta.dirname;

/** Bundles the two workers and a blank page into a fresh folder, served by `serveStatic`. */
async function bundleWorkers(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "twoway-side-by-side-"));
  const common = { bundle: true, format: "esm", target: "es2022", platform: "browser", logLevel: "warning" } as const;
  await build({ ...common, entryPoints: [join(HERE, "raw-idb.worker.ts")], outfile: join(out, "raw-idb.worker.js") });
  await build({
    ...common,
    entryPoints: [join(HERE, "jazz.worker.ts")],
    outfile: join(out, "jazz.worker.js"),
    nodePaths: [join(ROOT, "bench", "jazz", "node_modules")],
  });
  writeFileSync(join(out, "index.html"), '<!doctype html><meta charset="utf-8"><title>side by side</title>\n');
  return out;
}

function serveStatic(dir: string, port: number): Promise<Server> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname.replace(/^\/$/, "/index.html");
    readFile(join(dir, path.replaceAll("..", ""))).then(
      (body) => response.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => server.listen(port, HOST, () => resolve(server)));
}

/** Runs one job in a fresh dedicated worker of the page and returns its answer. */
async function inWorker<T>(page: Page, script: string, job: object): Promise<T> {
  const answer = await page.evaluate(
    ({ script, job }) =>
      new Promise<{ ok: boolean; error?: string }>((resolve) => {
        const worker = new Worker(script, { type: "module" });
        worker.onmessage = (event) => {
          worker.terminate();
          resolve(event.data);
        };
        worker.onerror = (event) => resolve({ ok: false, error: event.message || `${script} failed to load` });
        worker.postMessage(job);
      }),
    { script, job },
  );
  if (!answer.ok) throw new Error(`bench: ${script}: ${answer.error}`);
  return answer as T;
}

/** 2WAY: ingest of `texts` (batches of 1000 through importEnvelopes), `writes` concurrent submits, then `singles` one at a time. */
async function twoWayRound(
  page: Page,
  texts: readonly string[][],
  writes: number,
  singles: number,
): Promise<{ ingestMs: number; writeMs: number; singleMs: number[] }> {
  await call(page, "createIdentity", { name: "Bench" });
  let ingestMs = 0;
  for (const batch of texts) {
    const started = performance.now();
    const outcome = await call(page, "importEnvelopes", { envelopes: batch });
    ingestMs += performance.now() - started;
    if (outcome.rejected.length > 0) throw new Error(`bench: import rejected ${outcome.rejected[0].code}`);
  }
  const writeMs = await page.evaluate(
    async ({ writes, createdAt }) => {
      const started = performance.now();
      for (let i = 0; i < writes; i += 100) {
        const window100 = Array.from({ length: Math.min(100, writes - i) }, (_, k) =>
          window.twoway!.call("submit", {
            app: "app.contacts",
            domain: "contacts",
            ops: [{ op: "parent_create", type_key: "contact.profile", payload: { value: { handle: `c${i + k}`, created_at: createdAt } } }],
          }),
        );
        for (const result of (await Promise.all(window100)) as Array<{ ok: boolean; error?: { code: string } }>) {
          if (!result.ok) throw new Error(`submit failed: ${result.error?.code}`);
        }
      }
      return performance.now() - started;
    },
    { writes, createdAt: CREATED_AT },
  );
  // Page → commit latency of a write alone: each submit waits for the one before it.
  const singleMs = await page.evaluate(
    async ({ singles, createdAt }) => {
      const times: number[] = [];
      for (let i = 0; i < singles; i += 1) {
        const started = performance.now();
        const result = (await window.twoway!.call("submit", {
          app: "app.contacts",
          domain: "contacts",
          ops: [{ op: "parent_create", type_key: "contact.profile", payload: { value: { handle: `s${i}`, created_at: createdAt } } }],
        })) as { ok: boolean; error?: { code: string } };
        if (!result.ok) throw new Error(`submit failed: ${result.error?.code}`);
        times.push(performance.now() - started);
      }
      return times;
    },
    { singles, createdAt: CREATED_AT },
  );
  return { ingestMs, writeMs, singleMs };
}

/** The value at quantile `q` of `values` (nearest rank). */
const quantile = (values: readonly number[], q: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)] ?? Number.NaN;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perSecond = (count: number, ms: number): number => (count / ms) * 1000;

export async function runSideBySideBench(): Promise<string> {
  const count = Number(process.env.BENCH_SIDE_COUNT ?? 10_000);
  const writes = Number(process.env.BENCH_SIDE_WRITES ?? 2000);
  const singles = Math.max(1, Number(process.env.BENCH_SIDE_SINGLES ?? 100));
  const rounds = Math.max(1, Number(process.env.BENCH_SIDE_ROUNDS ?? 3));
  const texts: string[][] = [];
  for await (const batch of createContactChain(91, "side")(count, 1000)) texts.push(batch);
  const dir = await bundleWorkers();
  const staticServer = await serveStatic(dir, await freePort());
  const staticUrl = `http://${HOST}:${(staticServer.address() as { port: number }).port}/`;
  const preview = await startPreview(ROOT, await freePort());
  const browser = await launchChromium();
  const figures = {
    raw: [] as number[],
    jazzCreate: [] as number[],
    jazzPeer: [] as number[],
    ingest: [] as number[],
    writes: [] as number[],
    singleP50: [] as number[],
    singleP99: [] as number[],
  };
  let version = "?";
  try {
    for (let round = 0; round < rounds; round += 1) {
      const bench = await browser.context.newPage();
      await bench.goto(staticUrl);
      version = await bench.evaluate(() => /Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? "?");
      const raw = await inWorker<{ ms: number }>(bench, "raw-idb.worker.js", { count, batch: 1000, round });
      figures.raw.push(perSecond(count, raw.ms));
      const jazz = await inWorker<{ createPersistMs: number; peerStoredMs: number }>(bench, "jazz.worker.js", { count, round });
      figures.jazzCreate.push(perSecond(count, jazz.createPersistMs));
      figures.jazzPeer.push(perSecond(count, jazz.peerStoredMs));
      await bench.close();

      const page = await browser.context.newPage();
      await page.goto(preview.url);
      await page.waitForSelector('[data-testid="shell"][data-phase="ready"]', { timeout: 120_000 });
      const ours = await twoWayRound(page, texts, writes, singles);
      figures.ingest.push(perSecond(count, ours.ingestMs));
      figures.writes.push(perSecond(writes, ours.writeMs));
      figures.singleP50.push(quantile(ours.singleMs, 0.5));
      figures.singleP99.push(quantile(ours.singleMs, 0.99));
      await page.close();
      // The next round starts on empty storage, as Jazz's and the raw rows' fresh databases do.
      const blank = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(blank);
      for (const url of [preview.url, staticUrl])
        await cdp.send("Storage.clearDataForOrigin", { origin: new URL(url).origin, storageTypes: "all" });
      await blank.close();
    }
  } finally {
    await browser.close();
    await preview.stop();
    await new Promise((resolve) => staticServer.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
  const m = Object.fromEntries(Object.entries(figures).map(([key, values]) => [key, median(values)])) as Record<
    keyof typeof figures,
    number
  >;
  goalAtLeast("ingest / Jazz peer stored", m.ingest / m.jazzPeer, 1.0);
  goalAtLeast("local writes / Jazz create+persist", m.writes / m.jazzCreate, 1.0);
  goalAtLeast("ingest / raw bulkPut", m.ingest / m.raw, 0.5);
  goalAtMost("single write p50", m.singleP50, 5, "ms");
  goalAtMost("single write p99", m.singleP99, 20, "ms");
  const row = (label: string, rate: number, note = "") => `${label.padEnd(58)}${rate.toFixed(0).padStart(8)} /s${note}`;
  const ratio = (a: number, b: number) => `   ${(a / b).toFixed(2)}×`;
  return [
    `\nSide by side, Chromium ${version}, dedicated workers, fresh storage, medians of ${rounds} (BENCH_SIDE_COUNT=${count}, BENCH_SIDE_WRITES=${writes})`,
    row("raw IndexedDB: one 1.2 KB row per envelope, bulkPut ×1000", m.raw),
    row("classic Jazz: CoMaps created + persisted", m.jazzCreate),
    row("classic Jazz: a second node (own IndexedDB) has them stored", m.jazzPeer),
    row("2WAY: ingest of signed envelopes (importEnvelopes ×1000)", m.ingest),
    row("2WAY: local writes, 100 concurrent submits", m.writes),
    `${`2WAY: one write alone, page → commit, p50 / p99 of ${singles}`.padEnd(58)}${m.singleP50.toFixed(1).padStart(8)} / ${m.singleP99.toFixed(1)} ms (goal ≤ 5 / ≤ 20)`,
    `  2WAY ingest / Jazz peer stored${ratio(m.ingest, m.jazzPeer)} (goal ≥ 1.0)`,
    `  2WAY local writes / Jazz create + persist${ratio(m.writes, m.jazzCreate)} (goal ≥ 1.0)`,
    `  2WAY ingest / raw bulkPut${ratio(m.ingest, m.raw)} (goal ≥ 0.5)`,
  ].join("\n");
}
