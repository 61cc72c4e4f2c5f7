// Browser-to-browser initial sync over WebRTC (ADR 0012), in two separate Chromium processes with
// their own fresh profiles, on 127.0.0.1 only, beside the two rates that bound it:
//   - ingest: one node importing the same N envelopes (importEnvelopes → ingestMany, batches of 1000)
//   - raw:    the same bytes over a plain RTCDataChannel between the same two processes, no node
//   - sync:   node A holding N envelopes, node B empty, linked by the page's invite codes; the clock
//             runs from finishInvite on A until B's health globalSeq has all of them
// Figures only, no assertions. Bounded by BENCH_WEBRTC_ENVELOPES (default 10000) and
// BENCH_WEBRTC_TIMEOUT_S (default 600, the whole bench) and BENCH_WEBRTC_RAW_RUNS (default 3, median
// reported); BENCH_SKIP_BUILD=1 reuses dist/. BENCH_WEBRTC_PROFILE=1 prints a CPU profile of both node
// workers and both pages' main threads over the sync. `npx tsx bench/webrtc-main.ts` runs this bench alone.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../test-support/chromium.ts";
import { call, createContactChain } from "../test-support/browser-node-pages.ts";
import type { BrowserRates } from "./peer-bench.ts";
import { goalAtLeast } from "./goals.ts";
import { withCpuHogs } from "./hogs.ts";
import { freePort, startPreview, type PreviewServer } from "../e2e/support/preview-server.ts";

const ROOT = join(import.meta.dirname, "..");
const IMPORT_BATCH = 1000;
const RAW_MESSAGE = 16 * 1024;
const RAW_HIGH_WATER = 1024 * 1024;
const RAW_LOW_WATER = 256 * 1024;
const POLL_MS = 20;

/** What the raw data-channel step keeps on the page between evaluate calls. */
type RawState = { pc: RTCPeerConnection; channel: RTCDataChannel | null; received: number };
type RawWindow = { __rawBench?: RawState };

const chains = new Map<number, string[]>();

/** The signed chain to sync, all at once; signed once per size, every round syncs the same chain. */
async function buildChain(count: number): Promise<string[]> {
  const known = chains.get(count);
  if (known !== undefined) return known;
  const texts: string[] = [];
  for await (const batch of createContactChain(78, "webrtc-bench")(count, count)) texts.push(...batch);
  chains.set(count, texts);
  return texts;
}

/** Every browser this bench launched, closed (with its fresh profile) in `finally`, even one that launches late. */
type Browsers = { closing: boolean; readonly open: LaunchedBrowser[] };

/** A fresh Chromium process with its own profile, WebRTC on loopback, the app open and its node ready. */
async function openPeer(browsers: Browsers, baseUrl: string, name: string): Promise<Page> {
  const browser = await launchChromium({ webrtc: true });
  if (browsers.closing) {
    await browser.close();
    throw new Error(`bench: ${name} launched after the bench gave up`);
  }
  browsers.open.push(browser);
  const origin = new URL(baseUrl).origin;
  await browser.context.grantPermissions(["microphone", "camera"], { origin });
  await browser.context.addInitScript(() => {
    try {
      localStorage.setItem("twoway.peering.loopback-only", "1");
    } catch {
      // about:blank and other opaque origins have no storage
    }
  });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(120_000);
  page.on("pageerror", (error) => console.error(`bench ${name} page error: ${error.message}`));
  await page.goto(baseUrl);
  await page.waitForSelector('[data-testid="shell"][data-phase="ready"]', { timeout: 120_000 });
  return page;
}

/** (3) The N envelopes into A through importEnvelopes; times the import calls only. */
async function ingest(page: Page, texts: readonly string[]): Promise<{ ms: number; accepted: number }> {
  let ms = 0;
  let accepted = 0;
  for (let i = 0; i < texts.length; i += IMPORT_BATCH) {
    const envelopes = texts.slice(i, i + IMPORT_BATCH);
    const started = performance.now();
    const outcome = await call(page, "importEnvelopes", { envelopes });
    ms += performance.now() - started;
    if (outcome.rejected.length > 0) throw new Error(`bench: import rejected ${outcome.rejected[0].code}: ${outcome.rejected[0].message}`);
    accepted += outcome.accepted;
  }
  return { ms, accepted };
}

/** (2) `payload` over a plain ordered RTCDataChannel from A to B, 16 KiB messages, bufferedAmount respected. */
async function rawChannel(a: Page, b: Page, payload: string, timeoutMs: number): Promise<{ bytes: number; ms: number; connectMs: number }> {
  const connectStarted = Date.now();
  const offer = await a.evaluate(async (gatherMs) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel("raw-bench", { ordered: true });
    channel.binaryType = "arraybuffer";
    (window as RawWindow).__rawBench = { pc, channel, received: 0 };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve, reject) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const timer = setTimeout(() => reject(new Error("raw: ICE gathering did not complete")), gatherMs);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState !== "complete") return;
        clearTimeout(timer);
        resolve();
      });
    });
    return pc.localDescription!.sdp;
  }, 15_000);
  const answer = await b.evaluate(
    async ({ sdp, gatherMs }) => {
      const pc = new RTCPeerConnection({ iceServers: [] });
      const state: RawState = { pc, channel: null, received: 0 };
      (window as RawWindow).__rawBench = state;
      pc.addEventListener("datachannel", (event) => {
        state.channel = event.channel;
        event.channel.binaryType = "arraybuffer";
        event.channel.addEventListener("message", (message: MessageEvent<ArrayBuffer>) => {
          state.received += message.data.byteLength;
        });
      });
      await pc.setRemoteDescription({ type: "offer", sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise<void>((resolve, reject) => {
        if (pc.iceGatheringState === "complete") return resolve();
        const timer = setTimeout(() => reject(new Error("raw: ICE gathering did not complete")), gatherMs);
        pc.addEventListener("icegatheringstatechange", () => {
          if (pc.iceGatheringState !== "complete") return;
          clearTimeout(timer);
          resolve();
        });
      });
      return pc.localDescription!.sdp;
    },
    { sdp: loopbackSdp(offer), gatherMs: 15_000 },
  );
  await a.evaluate(
    async ({ sdp, openMs }) => {
      const state = (window as RawWindow).__rawBench!;
      await state.pc.setRemoteDescription({ type: "answer", sdp });
      const channel = state.channel!;
      if (channel.readyState === "open") return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`raw: channel not open (${channel.readyState})`)), openMs);
        channel.addEventListener("open", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    { sdp: loopbackSdp(answer), openMs: 15_000 },
  );
  const connectMs = Date.now() - connectStarted;

  const bytes = Buffer.byteLength(payload, "utf8");
  // The receiver waits (polling its counter) while the sender sends; both clocks are epoch ms of one machine.
  const received = b.evaluate(
    async ({ total, deadlineMs }) => {
      const state = (window as RawWindow).__rawBench!;
      const deadline = Date.now() + deadlineMs;
      while (state.received < total) {
        if (Date.now() > deadline) return { doneAt: null, received: state.received };
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return { doneAt: performance.timeOrigin + performance.now(), received: state.received };
    },
    { total: bytes, deadlineMs: timeoutMs },
  );
  const startedAt = await a.evaluate(
    async ({ text, size, high, low }) => {
      const channel = (window as RawWindow).__rawBench!.channel!;
      const data = new TextEncoder().encode(text);
      channel.bufferedAmountLowThreshold = low;
      const started = performance.timeOrigin + performance.now();
      for (let offset = 0; offset < data.byteLength; offset += size) {
        if (channel.bufferedAmount > high) {
          await new Promise<void>((resolve) => channel.addEventListener("bufferedamountlow", () => resolve(), { once: true }));
        }
        channel.send(data.subarray(offset, Math.min(offset + size, data.byteLength)));
      }
      return started;
    },
    { text: payload, size: RAW_MESSAGE, high: RAW_HIGH_WATER, low: RAW_LOW_WATER },
  );
  const done = await received;
  await Promise.all(
    [a, b].map((page) =>
      page.evaluate(() => {
        const state = (window as RawWindow).__rawBench;
        state?.channel?.close();
        state?.pc.close();
        delete (window as RawWindow).__rawBench;
      }),
    ),
  );
  if (done.doneAt === null) throw new Error(`raw: only ${done.received} of ${bytes} bytes within ${timeoutMs} ms`);
  return { bytes, ms: done.doneAt - startedAt, connectMs };
}

/** Offer or answer SDP with only the 127.0.0.1 candidates (host candidates on loopback; nothing else leaves). */
function loopbackSdp(sdp: string): string {
  return sdp
    .split("\r\n")
    .filter((line) => !line.startsWith("a=candidate") || line.includes(" 127.0.0.1 "))
    .join("\r\n");
}

type SyncFigures = {
  held: number;
  target: number;
  reached: number;
  /** finishInvite → first envelope on B, and → all of them; null when not reached in time. */
  firstMs: number | null;
  ms: number | null;
  digestsEqual: boolean | null;
  /** Where each side's session stood when B did not catch up in time. */
  stuck: string | null;
  /** Packages B's session took in (the node's package size is what the session negotiated). */
  packagesIn: number | null;
};

/**
 * (1) Links A (holding its envelopes) and B (empty) by invite codes and times B catching up with the
 * `imported` envelopes. A's own identity envelopes need not all reach B (in a smoke run 5 of 505 did
 * not), so B's target is the imported chain, not A's whole store.
 */
async function webrtcSync(a: Page, b: Page, imported: number, timeoutMs: number): Promise<SyncFigures> {
  const held: number = (await call(a, "health")).globalSeq;
  const before: number = (await call(b, "health")).globalSeq;
  const target = before + imported;
  const invite = await a.evaluate(() => window.twoway!.peering.createInvite());
  if (!invite.ok) throw new Error(`sync: createInvite: ${invite.error.code} ${invite.error.message}`);
  const accepted = await b.evaluate((code) => window.twoway!.peering.acceptInvite(code), invite.value.code);
  if (!accepted.ok) throw new Error(`sync: acceptInvite: ${accepted.error.code} ${accepted.error.message}`);

  // B polls its own node in-page (every POLL_MS) from before the link is finished; timestamps are epoch ms.
  const caughtUp = b.evaluate(
    async ({ before, target, pollMs, deadlineMs }) => {
      const deadline = Date.now() + deadlineMs;
      let first: number | null = null;
      let seq = before;
      for (;;) {
        const health = (await window.twoway!.call("health")) as { ok: boolean; value?: { globalSeq: number } };
        const now = performance.timeOrigin + performance.now();
        if (health.ok && health.value !== undefined) seq = health.value.globalSeq;
        if (first === null && seq > before) first = now;
        if (seq >= target) return { first, done: now, seq };
        if (Date.now() > deadline) return { first, done: null, seq };
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
    { before, target, pollMs: POLL_MS, deadlineMs: timeoutMs },
  );
  const profiling = process.env.BENCH_WEBRTC_PROFILE === "1";
  const profilers = profiling ? await Promise.all([a, b].map((page) => profileRunningWorker(page))) : null;
  const pageProfilers = profiling ? await Promise.all([a, b].map((page) => profilePage(page))) : null;
  const finished = await a.evaluate(async (answerCode) => {
    const started = performance.timeOrigin + performance.now();
    const result = await window.twoway!.peering.finishInvite(answerCode);
    return { started, result };
  }, accepted.value.answerCode);
  if (!finished.result.ok) {
    throw new Error(`sync: finishInvite: ${finished.result.error.code} ${finished.result.error.message}`);
  }
  const outcome = await caughtUp;
  if (profilers !== null) {
    const { summarize } = await import("./cold-profile.ts");
    for (const [i, profiler] of profilers.entries())
      console.log(`CPU profile of ${i === 0 ? "A" : "B"}'s node worker:\n${summarize(await profiler.stop())}`);
    for (const [i, profiler] of pageProfilers!.entries())
      console.log(`CPU profile of ${i === 0 ? "A" : "B"}'s page (main thread):\n${summarize(await profiler.stop())}`);
  }
  let digestsEqual: boolean | null = null;
  if (outcome.done !== null) {
    const [da, db] = [await call(a, "stateDigest"), await call(b, "stateDigest")];
    digestsEqual = da.digest === db.digest;
  }
  let stuck: string | null = null;
  let packagesIn: number | null = null;
  if (outcome.done !== null) {
    const overview = await call(b, "syncOverview").catch(() => null);
    packagesIn = overview?.peers?.[0]?.packagesIn ?? null;
  } else {
    const sides = await Promise.all([a, b].map((page) => call(page, "syncOverview").catch((error: Error) => ({ error: error.message }))));
    stuck = JSON.stringify(
      sides.map((side: any) => side.error ?? side.peers?.map((p: any) => [p.state, p.lastError?.code, p.closeReason])),
    );
  }
  await Promise.all([a, b].map((page) => page.evaluate(() => window.twoway!.peering.close())));
  return {
    held,
    target,
    reached: outcome.seq - before,
    firstMs: outcome.first === null ? null : outcome.first - finished.started,
    ms: outcome.done === null ? null : outcome.done - finished.started,
    digestsEqual,
    stuck,
    packagesIn,
  };
}

/** Attaches to a page's running node worker over CDP and starts its CPU profiler. */
async function profileRunningWorker(page: Page): Promise<{ stop(): Promise<any> }> {
  const cdp = await page.context().newCDPSession(page);
  let sessionId: string | undefined;
  let next = 1;
  const pending = new Map<number, (result: unknown) => void>();
  const send = (method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      void cdp.send("Target.sendMessageToTarget", { sessionId: sessionId!, message: JSON.stringify({ id, method, params }) });
    });
  cdp.on("Target.receivedMessageFromTarget", (event: { sessionId: string; message: string }) => {
    const reply = JSON.parse(event.message) as { id?: number; result?: unknown };
    if (event.sessionId === sessionId && reply.id !== undefined) pending.get(reply.id)?.(reply.result);
  });
  const attached = new Promise<void>((resolve) => {
    cdp.on("Target.attachedToTarget", (event: { sessionId: string; targetInfo: { type: string; url: string } }) => {
      if (event.targetInfo.type !== "worker" || !/node\.worker/.test(event.targetInfo.url)) return;
      sessionId = event.sessionId;
      resolve();
    });
  });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await attached;
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 500 });
  await send("Profiler.start");
  return { stop: async () => (await send("Profiler.stop")).profile };
}

/** Starts the CPU profiler of a page's main thread (the data channel and its chunks live there). */
async function profilePage(page: Page): Promise<{ stop(): Promise<any> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  await cdp.send("Profiler.start");
  return { stop: async () => (await cdp.send("Profiler.stop")).profile };
}

/** Resolves as `work` does, or rejects after `ms`; a late rejection of `work` is swallowed. */
function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: ${what} took over ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

const rate = (count: number, ms: number): number => (count / ms) * 1000;
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

/**
 * The bench's text, and the browser's median rates for the peer bench to print beside its own (null:
 * not measured): BENCH_WEBRTC_ROUNDS rounds (default 3), each on two fresh browsers, with `hogs` busy
 * loops beside the whole round when asked (issue 17: sync stays ingest-bound on a busy machine).
 */
export async function runWebRtcSyncBench(options: { build?: boolean; hogs?: number } = {}): Promise<{ text: string; rates: BrowserRates }> {
  const rounds = Math.max(1, Number(process.env.BENCH_WEBRTC_ROUNDS ?? 3));
  const hogs = options.hogs ?? 0;
  const texts: string[] = [];
  const ingest: number[] = [];
  const sync: number[] = [];
  let count = 0;
  for (let round = 0; round < rounds; round += 1) {
    const one = await withCpuHogs(hogs, () => webrtcRound({ build: round === 0 && (options.build ?? true) }));
    texts.push(
      `${one.text}${hogs > 0 ? `   [${hogs} CPU hogs beside, round ${round + 1} of ${rounds}]` : `   [round ${round + 1} of ${rounds}]`}`,
    );
    count = one.rates.count;
    if (one.rates.ingest !== null) ingest.push(one.rates.ingest);
    // A sync that did not finish in time counts as no rate at all: the median falls with it.
    sync.push(one.rates.sync ?? 0);
  }
  const mid = (values: number[]): number | null =>
    values.length === 0 ? null : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const rates = { ingest: mid(ingest), sync: mid(sync), count };
  const label = hogs > 0 ? "WebRTC sync / ingest, CPU hogs beside" : "WebRTC sync / ingest";
  if (rates.ingest !== null && rates.sync !== null)
    goalAtLeast(label, rates.sync / rates.ingest, hogs > 0 ? 0.5 : 0.8, "×", hogs > 0 ? `(${hogs} hogs)` : "");
  texts.push(
    `WebRTC medians of ${rounds}${hogs > 0 ? ` with ${hogs} CPU hogs` : ""}: ingest ${rates.ingest?.toFixed(0) ?? "?"} /s, sync ${rates.sync?.toFixed(0) ?? "?"} /s, sync/ingest ${rates.ingest && rates.sync !== null ? (rates.sync / rates.ingest).toFixed(2) : "n/a"}× (goal ≥ ${hogs > 0 ? "0.5" : "0.8"})`,
  );
  return { text: texts.join("\n"), rates };
}

async function webrtcRound(options: { build?: boolean }): Promise<{ text: string; rates: BrowserRates }> {
  const count = Number(process.env.BENCH_WEBRTC_ENVELOPES ?? 10_000);
  const limitMs = Number(process.env.BENCH_WEBRTC_TIMEOUT_S ?? 600) * 1000;
  const rawRuns = Math.max(1, Number(process.env.BENCH_WEBRTC_RAW_RUNS ?? 3));
  if ((options.build ?? true) && process.env.BENCH_SKIP_BUILD !== "1") {
    const built = spawnSync(join(ROOT, "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], {
      cwd: ROOT,
      stdio: "inherit",
      timeout: 300_000,
    });
    if (built.status !== 0) throw new Error("bench: vite build failed");
  }
  const deadline = Date.now() + limitMs;
  const left = (): number => Math.max(10_000, deadline - Date.now());

  const signStarted = performance.now();
  const texts = await buildChain(count);
  const signMs = performance.now() - signStarted;
  const bytes = texts.reduce((sum, text) => sum + text.length, 0);

  let server: PreviewServer | undefined;
  const browsers: Browsers = { closing: false, open: [] };
  const lines: string[] = [];
  const rates: { ingest: number | null; sync: number | null; count: number } = { ingest: null, sync: null, count };
  try {
    server = await startPreview(ROOT, await freePort());
    const baseUrl = server.url;
    const [a, b] = await bounded(
      Promise.all([openPeer(browsers, baseUrl, "A"), openPeer(browsers, baseUrl, "B")]),
      left(),
      "opening two nodes",
    );
    const version = await a.evaluate(() => /Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? "?");

    const imported = await bounded(ingest(a, texts), left(), "ingest");
    // The raw transfer is short, so one noisy moment skews it: the median of a few fresh channels.
    const raw = await bounded(
      (async () => {
        const payload = texts.join("");
        const runs: Awaited<ReturnType<typeof rawChannel>>[] = [];
        for (let i = 0; i < rawRuns; i += 1) runs.push(await rawChannel(a, b, payload, left() - 5_000));
        return runs.sort((x, y) => x.ms - y.ms);
      })(),
      left(),
      "raw data channel",
    ).then(
      (value) => ({ ok: true as const, value }),
      (error: Error) => ({ ok: false as const, message: error.message.split("\n")[0] }),
    );
    const sync = await bounded(webrtcSync(a, b, imported.accepted, left() - 5_000), left(), "WebRTC sync").then(
      (value) => ({ ok: true as const, value }),
      (error: Error) => ({ ok: false as const, message: error.message.split("\n")[0] }),
    );

    const mb = bytes / 1e6;
    lines.push(
      `\nWebRTC sync, Chromium ${version}: two browser processes, fresh profiles, 127.0.0.1 only; ` +
        `${count.toLocaleString("en")} envelopes, ${mb.toFixed(2)} MB (mean ${(bytes / count).toFixed(0)} B; signed in Node.js in ${(signMs / 1000).toFixed(1)} s)`,
    );
    const row = (label: string, figures: string) => lines.push(`${label.padEnd(46)}${figures}`);
    const ingestRate = rate(imported.accepted, imported.ms);
    row(
      "ingest: importEnvelopes into node A",
      `${ingestRate.toFixed(0).padStart(7)} envelopes/s  ${mbps(bytes, imported.ms).toFixed(2).padStart(6)} MB/s   ${imported.accepted} in ${(imported.ms / 1000).toFixed(2)} s`,
    );
    let rawRate: number | null = null;
    if (raw.ok) {
      const runs = raw.value;
      const median = runs[Math.floor(runs.length / 2)]!;
      rawRate = rate(count, median.ms); // the same bytes, so the envelopes they would carry
      row(
        "raw: same bytes, plain RTCDataChannel A → B",
        `${rawRate.toFixed(0).padStart(7)} envelopes/s  ${mbps(median.bytes, median.ms).toFixed(2).padStart(6)} MB/s   ${median.bytes} B in ${median.ms.toFixed(0)} ms (median of ${runs.length}: ${runs.map((r) => r.ms.toFixed(0)).join(", ")} ms)`,
      );
      row("  16 KiB messages, 1 MiB high water", `connect (offer → channel open) ${median.connectMs} ms`);
    } else row("raw: same bytes, plain RTCDataChannel A → B", `failed: ${raw.message}`);
    let syncRate: number | null = null;
    if (sync.ok && sync.value.ms !== null) {
      const s = sync.value;
      const ms = s.ms!;
      syncRate = rate(s.reached, ms);
      row(
        "sync: node A → node B, invite-code link",
        `${syncRate.toFixed(0).padStart(7)} envelopes/s  ${mbps(bytes, ms).toFixed(2).padStart(6)} MB/s   ${s.reached} in ${(ms / 1000).toFixed(2)} s (finishInvite → all on B)`,
      );
      row(
        "  first envelope on B after finishInvite",
        `${s.firstMs === null ? "?" : s.firstMs.toFixed(0)} ms (ICE, DTLS, admission, hellos, first package); then ${rate(s.reached, ms - (s.firstMs ?? 0)).toFixed(0)} envelopes/s`,
      );
      row(
        "  packages into B; digests equal afterwards",
        `${s.packagesIn ?? "?"} packages (${s.packagesIn ? (s.reached / s.packagesIn).toFixed(0) : "?"} envelopes each); digests ${s.digestsEqual === null ? "?" : s.digestsEqual ? "equal" : "differ"}`,
      );
    } else if (sync.ok) {
      const s = sync.value;
      row(
        "sync: node A → node B, invite-code link",
        `not done in time: ${s.reached} of the ${imported.accepted} imported envelopes on B (A holds ${s.held}); sessions A, B: ${s.stuck}`,
      );
    } else row("sync: node A → node B, invite-code link", `failed: ${sync.message}`);
    const ratio = (x: number | null, y: number | null) => (x === null || y === null ? "n/a" : `${(x / y).toFixed(3)}`);
    row("ratios", `sync/raw ${ratio(syncRate, rawRate)}   sync/ingest ${ratio(syncRate, ingestRate)}`);
    Object.assign(rates, { ingest: ingestRate, sync: syncRate });
  } finally {
    browsers.closing = true;
    await Promise.allSettled(browsers.open.map((browser) => browser.close()));
    await server?.stop();
  }
  return { text: lines.join("\n"), rates };
}
