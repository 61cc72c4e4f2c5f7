// The peer's storage budgets (ADR 0032): the node's own `storage.budget.*` keys, set from --max-bytes,
// --max-envelopes or the config file. An envelope beyond them is refused coded and audited, nothing of
// it reaches the SQLite file, and the status report shows the usage against the budget.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ChainWriter, expectOk, NOTES_SCHEMA, testPublisher } from "../core/acceptance/fixtures.ts";
import type { TwoWayNode } from "../core/index.ts";
import { NODE_DATABASE_FILE, peerStorage, startPeer, storageUsage } from "./peer.ts";
import { probeNodeFile } from "./storage/index.ts";

const MAIN = fileURLToPath(new URL("./peer-main.ts", import.meta.url));
const MIB = 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), "twoway-peer-budget-"));
const nodes: TwoWayNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const outcome = (result: Awaited<ReturnType<TwoWayNode["ingest"]>>) =>
  result.ok ? result.value.status : `${result.error.code}/${String(result.error.data["reason"])}`;

function inFile(dataDir: string, texts: readonly string[]): boolean[] {
  const probe = probeNodeFile(join(dataDir, NODE_DATABASE_FILE));
  try {
    return texts.map((text) => probe.containsText((JSON.parse(text) as { signature: string }).signature));
  } finally {
    probe.close();
  }
}

describe("the peer's storage budgets", () => {
  it("refuses the envelope beyond --max-envelopes, audited, with nothing of it in the file", { timeout: 60_000 }, async () => {
    const dataDir = join(root, "envelopes");
    const storage = peerStorage(dataDir);
    const peer = expectOk(await startPeer({ dataDir, storage, budget: { maxEnvelopes: 3 } }));
    nodes.push(peer);
    expect(peer.globalSeq()).toBe(0);
    const texts = await Promise.all([1, 2, 3, 4, 5].map(async (seed) => (await (await ChainWriter.create(seed)).genesis()).text));
    const outcomes = [];
    for (const text of texts) outcomes.push(outcome(await peer.ingest(text)));
    expect(outcomes).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "ERR_MNG_STORAGE_BUDGET_EXCEEDED/max_envelopes",
      "ERR_MNG_STORAGE_BUDGET_EXCEEDED/max_envelopes",
    ]);
    expect(storageUsage(peer, storage)).toMatchObject({ envelopes: 3, maxEnvelopes: 3 });
    const rejected = expectOk(await peer.audit.query({ limit: 50 })).records.filter((r) => r.kind === "ingest_rejected");
    expect(rejected.map((r) => r.code)).toEqual(["ERR_MNG_STORAGE_BUDGET_EXCEEDED", "ERR_MNG_STORAGE_BUDGET_EXCEEDED"]);
    expect(inFile(dataDir, texts)).toEqual([true, true, true, false, false]);
  });

  it("refuses what would pass --max-bytes, keeping what fits, and counts the bytes it holds", { timeout: 120_000 }, async () => {
    const dataDir = join(root, "bytes");
    const storage = peerStorage(dataDir);
    const peer = expectOk(await startPeer({ dataDir, storage, budget: { maxBytes: MIB } }));
    nodes.push(peer);
    expectOk(await peer.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
    const writer = await ChainWriter.create(7);
    const body = "a long note body ".repeat(230);
    const texts = [(await writer.genesis()).text];
    // About 4.5 KB each: 1 MiB holds some two hundred of them, not three hundred.
    for (let i = 0; i < 300; i++)
      texts.push(
        (
          await writer.write({
            app: "app.notes",
            domain: "notes",
            ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: `n${i}`, body } } }],
          })
        ).text,
      );
    const outcomes: string[] = [];
    for (const result of await peer.ingestMany(texts)) outcomes.push(outcome(result));
    const firstRefused = outcomes.indexOf("ERR_MNG_STORAGE_BUDGET_EXCEEDED/max_bytes");
    expect(firstRefused).toBeGreaterThan(100);
    // After the first refusal nothing is accepted: each later note also needs its refused prev first,
    // or is itself over the budget.
    expect(outcomes.slice(0, firstRefused).every((o) => o === "accepted")).toBe(true);
    expect(outcomes.slice(firstRefused).some((o) => o === "accepted")).toBe(false);
    const usage = storageUsage(peer, storage);
    expect(usage.maxBytes).toBe(MIB);
    expect(usage.bytes).toBeLessThanOrEqual(MIB);
    expect(usage.bytes).toBeGreaterThan(MIB - 5_000);
    expect(inFile(dataDir, [texts[firstRefused - 1]!, texts[firstRefused]!])).toEqual([true, false]);
  });

  it("reports the budgets in its status, and refuses to start on a budget its config does not allow", { timeout: 90_000 }, async () => {
    const dataDir = join(root, "cli");
    const file = join(root, "two.ndjson");
    writeFileSync(
      file,
      (await Promise.all([11, 12].map(async (seed) => (await (await ChainWriter.create(seed)).genesis()).text))).join("\n"),
    );
    // The built-in apps take some envelopes first; the budget leaves room for one of the two.
    const probe = await runPeer(["--data", join(root, "count"), "--status-port", "0"], (line) => line.event === "peer.ready");
    const builtIns = probe.lines.find((line) => line.event === "peer.ready")!.globalSeq as number;
    const run = await runPeer(
      ["--data", dataDir, "--ingest", file, "--max-envelopes", String(builtIns + 1), "--max-bytes", String(64 * MIB), "--status-port", "0"],
      (line) => line.event === "peer.status_serving",
      async (lines) => {
        const url = lines.find((line) => line.event === "peer.status_serving")!.url as string;
        return (await fetch(url)).json();
      },
    );
    expect(run.code).toBe(0);
    expect(run.lines.find((line) => line.event === "peer.ingested")).toMatchObject({ outcomes: { accepted: 1, refused: 1 } });
    expect(run.answer).toMatchObject({
      storage: { envelopes: builtIns + 1, maxEnvelopes: builtIns + 1, maxBytes: 64 * MIB },
      identities: [],
    });

    const refused = await runPeer(["--data", join(root, "tiny"), "--max-bytes", "1000"]);
    expect(refused.code).toBe(1);
    expect(refused.lines.find((line) => line.event === "peer.start_failed")).toMatchObject({
      cause: "config_invalid",
      message: expect.stringContaining("storage.budget.max_bytes"),
    });
  });
});

type Line = { readonly event: string } & Record<string, unknown>;

/** The peer's CLI: once a line matches `when`, `then` runs and the peer gets SIGTERM. */
function runPeer(
  args: readonly string[],
  when: (line: Line) => boolean = () => false,
  then: (lines: readonly Line[]) => Promise<unknown> = () => Promise.resolve(undefined),
): Promise<{ lines: Line[]; code: number | null; answer: unknown }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const lines: Line[] = [];
    let answer: unknown;
    createInterface({ input: child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      if (when(line))
        void then(lines).then((value) => {
          answer = value;
          child.kill("SIGTERM");
        });
    });
    child.on("exit", (code) => resolve({ lines, code, answer }));
  });
}
