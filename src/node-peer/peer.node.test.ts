// The headless peer process (npm run peer): it starts on a data directory, ingests a file of envelopes
// into its SQLite node database and stops cleanly on SIGTERM; its next start is the same node (its key
// and log databases are files too, ADR 0028) over the same history.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startRelay } from "../../signal/relay-server.ts";
import { ChainWriter } from "../core/acceptance/fixtures.ts";
import { NODE_DATABASE_FILE } from "./peer.ts";
import { SqliteStorage } from "./storage/index.ts";

const MAIN = fileURLToPath(new URL("./peer-main.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "twoway-peer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Line = { readonly event: string } & Record<string, unknown>;

/**
 * Runs the peer with `args`; once a line satisfies `signalWhen`, runs `beforeSignal`, then sends SIGTERM. Resolves with its
 * lines (parsed) and exit code when it has exited.
 */
function runPeer(
  args: readonly string[],
  signalWhen: (line: Line) => boolean = () => false,
  beforeSignal: () => Promise<void> = () => Promise.resolve(),
): Promise<{ lines: Line[]; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const lines: Line[] = [];
    createInterface({ input: child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      if (signalWhen(line)) void beforeSignal().then(() => child.kill("SIGTERM"));
    });
    child.on("exit", (code) => resolve({ lines, code }));
  });
}

const event = (lines: readonly Line[], name: string) => lines.find((line) => line.event === name);

describe("npm run peer", () => {
  it("ingests a file into its SQLite database, stops on SIGTERM, and restarts as the same node over it", { timeout: 120_000 }, async () => {
    const data = join(dir, "data");
    const texts = await Promise.all([1, 2, 3].map(async (seed) => (await (await ChainWriter.create(seed)).genesis()).text));
    const file = join(dir, "envelopes.ndjson");
    writeFileSync(file, [...texts, "not an envelope", texts[0]].join("\n"));

    const first = await runPeer(["--data", data, "--ingest", file], (line) => line.event === "peer.ready");
    expect(first.code).toBe(0);
    // The built-in apps are installed first (their schema envelopes), then the file's three.
    const installed = event(first.lines, "peer.started")!.globalSeq as number;
    expect(event(first.lines, "peer.ingested")).toMatchObject({ outcomes: { accepted: 3, refused: 1, duplicate: 1 } });
    const held = event(first.lines, "peer.ingested")!.globalSeq as number;
    expect(held).toBeGreaterThanOrEqual(installed + 3);
    expect(event(first.lines, "peer.stopped")).toMatchObject({ globalSeq: held });

    const second = await runPeer(["--data", data], (line) => line.event === "peer.ready");
    expect(second.code).toBe(0);
    expect(event(second.lines, "peer.started")).toMatchObject({
      globalSeq: held,
      nodeIdentity: event(first.lines, "peer.started")?.nodeIdentity,
    });
    const storage = new SqliteStorage(join(data, NODE_DATABASE_FILE));
    expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: held } });
    expect(await storage.history({ limit: 1000 })).toHaveLength(held);
    storage.close();
  });

  it("refuses to start without a data directory, and says how to call it (exit 2)", { timeout: 60_000 }, async () => {
    const run = await runPeer([]);
    expect(run.code).toBe(2);
    expect(event(run.lines, "peer.usage_error")).toMatchObject({ message: "--data <dir> is required" });
  });

  it("joins its room, reports ready on its loopback status port, keeps the room across a restart", { timeout: 180_000 }, async () => {
    const relay = await startRelay({ host: "127.0.0.1", port: 0, log: () => undefined });
    try {
      const data = join(dir, "rooms");
      let report: { code: number | null; lines: Line[] } | undefined;
      const first = await runPeer(
        ["--data", data, "--room", `${relay.url}#lobby`, "--status-port", "0", "--loopback-only"],
        (line) => line.event === "peer.room_joined",
        async () => {
          report = await runPeer(["--data", data, "--status"]);
        },
      );
      expect(first.code).toBe(0);
      expect(report?.code).toBe(0);
      expect(event(report!.lines, "peer.status")).toMatchObject({
        status: 200,
        body: {
          ready: true,
          stopping: false,
          rooms: [{ url: relay.url, room: "lobby", joined: true }],
          nodeIdentity: event(first.lines, "peer.started")?.nodeIdentity,
        },
      });
      expect(event(first.lines, "peer.status_serving")?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status$/);

      // No --room this time: the room was kept in the data directory.
      const second = await runPeer(["--data", data], (line) => line.event === "peer.room_joined");
      expect(second.code).toBe(0);
      expect(event(second.lines, "peer.room_joined")).toMatchObject({ url: relay.url, room: "lobby" });

      // Not running: --status says so and exits 1.
      const after = await runPeer(["--data", data, "--status"]);
      expect(after.code).toBe(1);
      expect(event(after.lines, "peer.status")).toMatchObject({ reachable: false, body: { reason: "no_status_file" } });
    } finally {
      await relay.close();
    }
  });

  it("refuses a relay that is not ws:// and starts nothing (exit 2)", { timeout: 60_000 }, async () => {
    const run = await runPeer(["--data", join(dir, "bad-room"), "--room", "http://127.0.0.1:1#r"]);
    expect(run.code).toBe(2);
    expect(event(run.lines, "peer.usage_error")).toMatchObject({ reason: "relay_url_invalid" });
  });
});
