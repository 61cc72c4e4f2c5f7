// A mini-app's round trip through the SDK (issue 12): SDK → MessagePort (Comlink) → the worker's
// app-port binding → node → back, in Node.js with a real MessageChannel and the node on
// fake-indexeddb. `whoAmI` measures the port alone; `read` adds a graph read. p50 and p99.
import { connectApp } from "../src/apps/sdk/index.ts";
import { buildPackage, createNode, createSigner, utf8 } from "../src/core/index.ts";
import { testIdb, uniqueName } from "../src/core/shared/test-support/idb.ts";
import { APP_PORT_LIMITS } from "../src/rpc/app-api.ts";
import { bindAppPort } from "../workers/app-port.ts";
import { benchAppSource } from "./bench-app-source.ts";

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

export async function runAppPortBench(calls = Number(process.env.BENCH_APP_CALLS ?? 2000)): Promise<string> {
  const signer = await createSigner({ seed: new Uint8Array(32).fill(5), engine: "noble" });
  const source = benchAppSource("bench", { "index.html": utf8("<!doctype html>") });
  const built = await buildPackage(source, { signer, name: "Bench", chain: [] }, "2026-12-01T00:00:00.000Z");
  if (!built.ok) throw new Error(built.error.message);
  const created = await createNode({ name: uniqueName("bench"), idb: await testIdb() });
  if (!created.ok) throw new Error(created.error.message);
  const node = created.value;
  const me = await node.identities.create({ name: "Bench" });
  if (!me.ok) throw new Error(me.error.message);
  for (const step of [
    () => node.apps.trustPublisher(me.value.identityId, built.value.zip, built.value.signature),
    () => node.apps.installPackage(built.value.zip, built.value.signature),
  ]) {
    const done = await step();
    if (!done.ok) throw new Error(done.error.message);
  }
  const channel = new MessageChannel();
  const bound = bindAppPort(
    node,
    channel.port2,
    { identityId: me.value.identityId, app: "bench", version: "1.0.0" },
    {
      ...APP_PORT_LIMITS,
      // The call budget (burst 400) would refuse a run this long; the bench measures latency, not the limit.
      burst: 2 * (calls + 50),
    },
  );
  const app = connectApp(channel.port1);
  const lines = [`\nMini-app round trip through the SDK (Node.js MessageChannel, ${calls} sequential calls each)`];
  for (const [label, call] of [
    ["whoAmI (port only)", () => app.whoAmI()],
    ["read (port + graph read)", () => app.read({ target: "parent", limit: 10 })],
  ] as const) {
    for (let i = 0; i < 50; i++) await call();
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      const answer = await call();
      times.push(performance.now() - start);
      if (!answer.ok) throw new Error(answer.error.code);
    }
    times.sort((a, b) => a - b);
    lines.push(`  ${label.padEnd(26)} p50 ${percentile(times, 50).toFixed(3)} ms   p99 ${percentile(times, 99).toFixed(3)} ms`);
  }
  app.close();
  bound.close();
  await node.stop();
  return lines.join("\n");
}
