// `npm run peer -- --data <dir> …` (USAGE in peer-config.ts): the always-on peer (ADR 0022, ADR 0028).
// It starts on its data directory as the same node as last time, installs the built-in apps, ingests
// a file of envelopes if given, joins its rooms (kept in the data directory) and answers invite codes,
// serves a loopback status report, and on SIGTERM or SIGINT closes its links so nothing new arrives,
// lets the writes in flight finish, then stops. Every event is one JSON line on stdout. A start that
// fails exits 1, bad usage 2; `--status` prints the running peer's report and exits 0 if ready, else 1.
import { keepRooms, parsePeerArgs, USAGE, type PeerConfig } from "./peer-config.ts";
import { createPeerNetwork } from "./peer-network.ts";
import { pairAsDevice } from "./peer-pairing.ts";
import { fetchStatus, serveStatus, type StatusServer } from "./peer-status.ts";
import { fileLines, ingestAll, installBuiltIns, peerStorage, startPeer, storageUsage } from "./peer.ts";

function log(event: string, fields: Readonly<Record<string, unknown>> = {}): void {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), event, ...fields })}\n`);
}

function fail(event: string, fields: Readonly<Record<string, unknown>>, code: number): never {
  log(event, fields);
  process.exit(code);
}

async function run(config: PeerConfig): Promise<void> {
  const rooms = keepRooms(config.dataDir, config.rooms);
  if (!rooms.ok) fail("peer.start_failed", { code: rooms.error.code, message: rooms.error.message }, 1);
  const storage = peerStorage(config.dataDir);
  const started = await startPeer({
    dataDir: config.dataDir,
    storage,
    budget: { maxBytes: config.maxBytes, maxEnvelopes: config.maxEnvelopes },
    ...(config.name === undefined ? {} : { name: config.name }),
  });
  if (!started.ok)
    fail("peer.start_failed", { code: started.error.code, cause: started.error.data["cause"] ?? null, message: started.error.message }, 1);
  const node = started.value;
  const builtIns = await installBuiltIns(node);
  if (!builtIns.ok) log("peer.built_ins_failed", { code: builtIns.error.code, message: builtIns.error.message });

  const network = createPeerNetwork({ node, log, loopbackOnly: config.loopbackOnly });
  let status: StatusServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      log("peer.stopping", { signal });
      // No new frames first; then the node's stop waits for the writes already in flight.
      network.close();
      await node.stop();
      await status?.close();
      log("peer.stopped", { globalSeq: node.globalSeq() });
      process.exit(0);
    })();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  log("peer.started", {
    globalSeq: node.globalSeq(),
    nodeIdentity: node.sync.nodeIdentity,
    storage: storageUsage(node, storage),
    health: node.health(),
  });

  if (config.ingest !== undefined) {
    const began = performance.now();
    try {
      const outcomes = await ingestAll(node, fileLines(config.ingest));
      log("peer.ingested", { file: config.ingest, outcomes, ms: Math.round(performance.now() - began), globalSeq: node.globalSeq() });
    } catch (cause) {
      // An unreadable file: what was read before it failed is committed, batch by batch.
      log("peer.ingest_failed", {
        file: config.ingest,
        message: cause instanceof Error ? cause.message : String(cause),
        globalSeq: node.globalSeq(),
      });
    }
  }
  const net = network;
  if (config.statusPort !== undefined) {
    status = await serveStatus(config.dataDir, config.statusPort, async () => ({
      ready: node.health().ready,
      stopping: stopping !== undefined,
      pid: process.pid,
      nodeIdentity: node.sync.nodeIdentity,
      globalSeq: node.globalSeq(),
      stubs: await node.stubCount(),
      storage: storageUsage(node, storage),
      identities: await heldIdentities(),
      memory: memory(),
      health: node.health(),
      rooms: net.rooms(),
      sessions: net.sessions(),
    }));
    log("peer.status_serving", { url: `http://127.0.0.1:${status.port}/status` });
  }
  // A room that cannot be joined now is retried with backoff; it does not stop the others.
  for (const room of rooms.value) void net.joinRoom(room);
  for (const code of config.invites) void net.acceptInvite(code);
  log("peer.ready", { globalSeq: node.globalSeq(), nodeIdentity: node.sync.nodeIdentity, rooms: rooms.value.length });
  if (config.pair !== undefined) {
    // The pairing room is joined for this run only; the rooms to stay in are given with --room.
    const paired = await pairAsDevice({
      node,
      network: net,
      reach: config.pair,
      ...(config.label === undefined ? {} : { label: config.label }),
      log,
      print: (text) => process.stderr.write(`${text}\n`),
      stopped: () => stopping !== undefined,
    });
    if (!paired.ok) log("peer.pairing_failed", { code: paired.error.code, reason: paired.error.data["reason"] ?? null });
  }

  async function heldIdentities(): Promise<readonly string[]> {
    const held = await node.identities.held();
    return held.ok ? held.value.map((identity) => identity.identityId) : [];
  }
}

/** The process's memory in bytes: now, and the peak resident size so far. */
function memory() {
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, maxRss: process.resourceUsage().maxRSS * 1024 };
}

async function main(): Promise<void> {
  const config = parsePeerArgs(process.argv.slice(2));
  if (!config.ok) fail("peer.usage_error", { message: config.error.message, reason: config.error.data["reason"], usage: USAGE }, 2);
  if (config.value.statusOnly) {
    const report = await fetchStatus(config.value.dataDir);
    log("peer.status", report);
    process.exit(report.status === 200 ? 0 : 1);
  }
  await run(config.value);
}

void main();
