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
import { ChainWriter } from "../core/acceptance/fixtures.ts";
import { NODE_DATABASE_FILE } from "./peer.ts";
import { SqliteStorage } from "./storage/index.ts";

const MAIN = fileURLToPath(new URL("./peer-main.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "twoway-peer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Line = { readonly event: string } & Record<string, unknown>;

/**
 * Runs the peer with `args`; once a line satisfies `signalWhen`, sends SIGTERM. Resolves with its
 * lines (parsed) and exit code when it has exited.
 */
function runPeer(args: readonly string[], signalWhen: (line: Line) => boolean = () => false): Promise<{ lines: Line[]; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const lines: Line[] = [];
    createInterface({ input: child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      if (signalWhen(line)) child.kill("SIGTERM");
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
    expect(event(first.lines, "peer.ingested")).toMatchObject({ outcomes: { accepted: 3, refused: 1, duplicate: 1 }, globalSeq: 3 });
    expect(event(first.lines, "peer.stopped")).toMatchObject({ globalSeq: 3 });

    const second = await runPeer(["--data", data], (line) => line.event === "peer.ready");
    expect(second.code).toBe(0);
    expect(event(second.lines, "peer.started")).toMatchObject({ globalSeq: 3, nodeIdentity: event(first.lines, "peer.started")?.nodeIdentity });
    const storage = new SqliteStorage(join(data, NODE_DATABASE_FILE));
    expect(await storage.open()).toEqual({ ok: true, value: { globalSeq: 3 } });
    expect(await storage.history({ limit: 10 })).toHaveLength(3);
    storage.close();
  });

  it("refuses to start without a data directory, and says how to call it (exit 2)", { timeout: 60_000 }, async () => {
    const run = await runPeer([]);
    expect(run.code).toBe(2);
    expect(event(run.lines, "peer.usage_error")).toMatchObject({ message: "--data <dir> is required" });
  });
});
