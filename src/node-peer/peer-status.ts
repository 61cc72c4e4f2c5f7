// The peer's health and readiness report (ADR 0028): served on 127.0.0.1 only, GET /status, 200 when
// ready and 503 when not; its port is written to the data directory so `--status` can ask it. The
// report holds no content: counts, states, identities and error codes only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HealthSnapshot } from "../core/index.ts";
import type { StorageUsage } from "./peer.ts";

/** Where a running peer names its status port and pid. */
export const STATUS_FILE = "status.json";

export type StatusReport = {
  readonly ready: boolean;
  readonly stopping: boolean;
  readonly pid: number;
  readonly nodeIdentity: string;
  readonly globalSeq: number;
  readonly stubs: number;
  /** The node database against its budgets (--max-bytes, --max-envelopes). */
  readonly storage: StorageUsage;
  /** The identities the peer writes for: none when it runs as its own, the person's once paired. */
  readonly identities: readonly string[];
  /** Bytes: resident, V8 heap used and reserved, outside the heap, and the peak resident size. */
  readonly memory: {
    readonly rss: number;
    readonly heapUsed: number;
    readonly heapTotal: number;
    readonly external: number;
    readonly maxRss: number;
  };
  readonly health: HealthSnapshot;
  readonly rooms: readonly { readonly url: string; readonly room: string; readonly joined: boolean }[];
  readonly sessions: readonly Record<string, unknown>[];
};

export type StatusServer = { readonly port: number; close(): Promise<void> };

export async function serveStatus(dataDir: string, port: number, report: () => Promise<StatusReport>): Promise<StatusServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== "GET") {
      response.writeHead(405, { allow: "GET" }).end();
      return;
    }
    if (request.url !== "/status") {
      response.writeHead(404).end();
      return;
    }
    void report().then((body) => {
      response.writeHead(body.ready && !body.stopping ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  writeFileSync(join(dataDir, STATUS_FILE), JSON.stringify({ port: bound, pid: process.pid }), { mode: 0o600 });
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        rmSync(join(dataDir, STATUS_FILE), { force: true });
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `--status`: the running peer's report, or why there is none (not running, no status port). */
export async function fetchStatus(
  dataDir: string,
): Promise<{ readonly reachable: boolean; readonly status: number; readonly body: unknown }> {
  let port: unknown;
  try {
    port = (JSON.parse(readFileSync(join(dataDir, STATUS_FILE), "utf8")) as { port?: unknown }).port;
  } catch {
    return { reachable: false, status: 0, body: { reason: "no_status_file" } };
  }
  if (typeof port !== "number" || !Number.isSafeInteger(port))
    return { reachable: false, status: 0, body: { reason: "status_file_invalid" } };
  try {
    const response = await fetch(`http://127.0.0.1:${port}/status`);
    return { reachable: true, status: response.status, body: await response.json() };
  } catch {
    return { reachable: false, status: 0, body: { reason: "not_running" } };
  }
}
