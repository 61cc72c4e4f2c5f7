// Crash safety of the SQLite node database (ADR 0022): a child process commits batches of envelopes
// and is SIGKILLed, five times in a row on one file, inside an open batch or at whatever point it
// had reached. Each restart opens, global_seq matches the history, and no envelope is there in part.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStorage } from "./index.ts";

const WRITER = fileURLToPath(new URL("../test-support/crash-writer.ts", import.meta.url));
const BATCH = 40;
const dir = mkdtempSync(join(tmpdir(), "twoway-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Starts the writer and kills it (SIGKILL) once its output satisfies `killWhen`; resolves with every
 * line it printed, after it exited. A writer that exits on its own fails the test.
 */
function runAndKill(path: string, args: readonly string[], killWhen: (line: string) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WRITER, path, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let killed = false;
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      if (!killed && killWhen(line)) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL" && killed) resolve(lines);
      else reject(new Error(`the writer ended by itself (${signal ?? "exit"}): ${stderr}`));
    });
  });
}

const committedIn = (lines: readonly string[]) =>
  Math.max(0, ...lines.map((line) => /^(?:opened|committed) (\d+)$/.exec(line)).map((match) => (match === null ? 0 : Number(match[1]))));

/** What a restart must find: whole batches only, each envelope with its object and version, one sequence. */
async function expectConsistent(path: string): Promise<number> {
  const storage = new SqliteStorage(path);
  const opened = await storage.open();
  expect(opened.ok).toBe(true);
  try {
    const seq = storage.globalSeq;
    expect(seq % BATCH).toBe(0);
    const history = await storage.history({ limit: Infinity });
    expect(history.map((row) => row.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
    expect(storage.storedBytes).toBe(history.reduce((sum, row) => sum + row.text.length, 0));
    const objects = await storage.getObjects(history.map((row) => `o${row.seq}`));
    expect(objects.size).toBe(seq);
    expect((await storage.versionsOfEnvelopes(history.map((row) => row.id))).length).toBe(seq);
    // Nothing of the killed batch: no row past the last committed envelope.
    expect(await storage.getEnvelope(`e${seq + 1}`)).toBeUndefined();
    expect(await storage.getObject(`o${seq + 1}`)).toBeUndefined();
    expect(await storage.versionsOf(`o${seq + 1}`)).toEqual([]);
    return seq;
  } finally {
    storage.close();
  }
}

describe("SQLite node database under SIGKILL", () => {
  it("restarts consistent after five kills mid-ingest: global_seq, whole batches, no partial envelope", { timeout: 240_000 }, async () => {
    const path = join(dir, "crash.sqlite");
    let seq = 0;
    for (let round = 1; round <= 5; round++) {
      const inside = round % 2 === 1;
      // Odd rounds: killed with its third batch open and written. Even rounds: killed wherever it was
      // after reporting its second commit (in a later batch, or between two).
      const lines = inside
        ? await runAndKill(path, ["3", "yes"], (line) => line.startsWith("inside "))
        : await runAndKill(path, ["0", "no"], (line) => line === `committed ${seq + 2 * BATCH}`);
      const reported = committedIn(lines);
      const restarted = await expectConsistent(path);
      if (inside) expect(restarted).toBe(seq + 2 * BATCH);
      // A commit may have landed between the child's last line and the kill: never fewer than reported.
      expect(restarted).toBeGreaterThanOrEqual(reported);
      seq = restarted;
    }
    expect(seq).toBeGreaterThanOrEqual(5 * 2 * BATCH);
  });
});
