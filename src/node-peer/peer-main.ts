// `npm run peer -- --data <dir> [--name <name>] [--ingest <file>]`: starts the headless node, ingests
// a file of envelopes (one per line) if given, and runs until SIGTERM or SIGINT, when writes in flight
// finish before it stops. Every event is one JSON line on stdout; a start that fails exits 1, bad usage 2.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ingestAll, startPeer } from "./peer.ts";

function log(event: string, fields: Readonly<Record<string, unknown>> = {}): void {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), event, ...fields })}\n`);
}

function usage(message: string): never {
  log("peer.usage_error", { message, usage: "npm run peer -- --data <dir> [--name <name>] [--ingest <file>]" });
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { data?: string; name?: string; ingest?: string };
  try {
    ({ values } = parseArgs({ options: { data: { type: "string" }, name: { type: "string" }, ingest: { type: "string" } } }));
  } catch (cause) {
    usage(cause instanceof Error ? cause.message : String(cause));
  }
  if (values.data === undefined) usage("--data <dir> is required");
  const started = await startPeer({ dataDir: values.data, ...(values.name === undefined ? {} : { name: values.name }) });
  if (!started.ok) {
    log("peer.start_failed", { code: started.error.code, message: started.error.message });
    process.exit(1);
  }
  const node = started.value;
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      log("peer.stopping", { signal });
      await node.stop();
      log("peer.stopped", { globalSeq: node.globalSeq() });
      process.exit(0);
    })();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  log("peer.started", { globalSeq: node.globalSeq(), nodeIdentity: node.sync.nodeIdentity, health: node.health() });
  if (values.ingest !== undefined) {
    const texts = readFileSync(values.ingest, "utf8").split("\n").filter((line) => line.trim() !== "");
    log("peer.ingested", { file: values.ingest, outcomes: await ingestAll(node, texts), globalSeq: node.globalSeq() });
  }
  log("peer.ready", { globalSeq: node.globalSeq() });
  // Kept alive until a signal: no transport yet (issue 18's WebRTC part is still to come).
  setInterval(() => undefined, 1 << 30);
}

void main();
