// A cold start under the CPU profiler (issue 17): fills a kept profile to BENCH_PROFILE_ENVELOPES
// (default 20000) once, then opens it in a fresh browser with the node worker paused at its start,
// profiles it until the shell is ready, and prints the stage measures and the functions with the most
// self time (and their callers' sum). `npx tsx bench/cold-profile.ts` after `vite build`, inside
// `unshare -n`. BENCH_PROFILE_DIR keeps the filled profile between runs (default a temp dir per run).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CDPSession } from "playwright-core";
import { launchChromium } from "../test-support/chromium.ts";
import { call, createContactChain } from "../test-support/browser-node-pages.ts";
import { freePort, startPreview } from "../e2e/support/preview-server.ts";
import { fill, openNode } from "./browser-node.ts";

const ROOT = join(import.meta.dirname, "..");
type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[]; hitCount?: number };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/** Attaches to the page's workers as they start (paused), profiles the node worker, resolves its profile on stop. */
export async function profileWorker(cdp: CDPSession): Promise<{ stop(): Promise<Profile> }> {
  let sessionId: string | undefined;
  let next = 1;
  const pending = new Map<number, (result: unknown) => void>();
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
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
      if (event.targetInfo.type !== "worker" || !/node\.worker/.test(event.targetInfo.url)) {
        void cdp.send("Target.sendMessageToTarget", {
          sessionId: event.sessionId,
          message: JSON.stringify({ id: 1, method: "Runtime.runIfWaitingForDebugger" }),
        });
        return;
      }
      sessionId = event.sessionId;
      void (async () => {
        await send("Profiler.enable");
        await send("Profiler.setSamplingInterval", { interval: 200 });
        await send("Profiler.start");
        await send("Runtime.runIfWaitingForDebugger");
        resolve();
      })();
    });
  });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  return {
    async stop() {
      await attached;
      return ((await send("Profiler.stop")) as { profile: Profile }).profile;
    },
  };
}

export function summarize(profile: Profile): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1)
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: Node) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    selfBy.set(name(n), (selfBy.get(name(n)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = name(byId.get(at)!);
      if (seen.has(key)) continue;
      seen.add(key);
      totalBy.set(key, (totalBy.get(key) ?? 0) + us);
    }
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([key, us]) => `  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`)
      .join("\n");
  const total = (profile.endTime - profile.startTime) / 1000;
  return `profiled ${total.toFixed(0)} ms\nself time:\n${top(selfBy, 25)}\ntotal time (inclusive):\n${top(totalBy, 40)}`;
}

if (process.argv[1]?.endsWith("cold-profile.ts")) await main();

async function main(): Promise<void> {
  const envelopes = Number(process.env.BENCH_PROFILE_ENVELOPES ?? 20_000);
  const profileDir = process.env.BENCH_PROFILE_DIR ?? join(tmpdir(), `twoway-cold-profile-${Date.now()}`);
  mkdirSync(profileDir, { recursive: true });
  // A fixed port keeps the origin, so the kept profile's IndexedDB is found again.
  const server = await startPreview(ROOT, Number(process.env.BENCH_PROFILE_PORT ?? 0) || (await freePort()));
  try {
    const filler = await launchChromium({ profileDir });
    try {
      const page = filler.context.pages()[0] ?? (await filler.context.newPage());
      await openNode(page, server.url);
      const identities = await call(page, "listIdentities");
      if ((identities as unknown[]).length === 0) await call(page, "createIdentity", { name: "Bench" });
      const chain = createContactChain(79, "large");
      const started = performance.now();
      const timed = await fill(page, envelopes, chain);
      console.log(`filled ${timed.added} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    } finally {
      await filler.close();
    }
    for (let run = 0; run < Number(process.env.BENCH_PROFILE_RUNS ?? 1); run += 1) {
      const browser = await launchChromium({ profileDir });
      try {
        const page = browser.context.pages()[0] ?? (await browser.context.newPage());
        const cdp = await browser.context.newCDPSession(page);
        const profiler = process.env.BENCH_PROFILE_CPU === "0" ? null : await profileWorker(cdp);
        await openNode(page, server.url);
        const pageMs = await page.evaluate(() => performance.measure("cold", "twoway:worker-created", "twoway:node-ready").duration);
        const worker = page.workers().find((w) => /node\.worker/.test(w.url()));
        const stages = await worker?.evaluate(() =>
          performance.getEntriesByType("measure").map((m) => `${m.name.replace("twoway:open:", "")} ${Math.round(m.duration)} ms`),
        );
        const seq = (await call(page, "health")).globalSeq;
        console.log(`cold start at ${seq} envelopes: worker created → ready ${pageMs.toFixed(0)} ms; ${stages?.join(", ")}`);
        if (profiler !== null) {
          const profile = await profiler.stop();
          const out = join(profileDir, `..`, `cold-${run}.cpuprofile`);
          if (existsSync(join(profileDir, ".."))) writeFileSync(out, JSON.stringify(profile));
          console.log(summarize(profile));
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.stop();
  }
}
