// `npm run signal`'s supervisor (scripts/signal-supervisor.mjs) as real processes: a relay killed with
// SIGKILL is started again and serves again; SIGTERM stops both; a configuration the relay refuses
// (exit 2) is final, not retried.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { collectLines } from "./test-support/relay-child.ts";
import { joinedClient } from "./test-support/relay-test-client.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const running: ChildProcess[] = [];

function supervise(args: string[]) {
  const child = spawn(process.execPath, ["scripts/signal-supervisor.mjs", "--host", "127.0.0.1", "--port", "0", ...args], {
    cwd: ROOT,
    env: { ...process.env, SIGNAL_RESTART_MIN_MS: "50", SIGNAL_RESTART_MAX_MS: "200" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  const lines = collectLines([child.stdout, child.stderr]);
  const seen: string[] = [];
  lines.onLine((l) => seen.push(l));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  /** Resolves with the capture of the `n`-th line (1-based) that matches. */
  const nth = (pattern: RegExp, n: number): Promise<string> =>
    vi.waitFor(
      () => {
        const hits = seen.map((l) => pattern.exec(l)?.[1]).filter((x): x is string => x !== undefined);
        if (hits.length < n) throw new Error(`waiting for ${pattern} #${n}:\n${lines.tail()}`);
        return hits[n - 1]!;
      },
      { timeout: 30_000, interval: 20 },
    );
  return { child, lines, exited, nth };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("signal supervisor", () => {
  it("restarts a relay that was killed, which then serves rooms again; SIGTERM stops both", async () => {
    const s = supervise([]);
    const firstPid = Number(await s.nth(/^signal supervisor: relay pid (\d+) started$/, 1));
    const firstUrl = await s.nth(/^signal relay listening on (ws:\S+)/, 1);
    (await joinedClient(firstUrl, "lobby")).client.socket.terminate();
    process.kill(firstPid, "SIGKILL");
    await s.nth(/^signal supervisor: relay exited \((signal SIGKILL)\); restarting in \d+ ms$/, 1);
    const secondPid = Number(await s.nth(/^signal supervisor: relay pid (\d+) started$/, 2));
    const secondUrl = await s.nth(/^signal relay listening on (ws:\S+)/, 2);
    expect(secondPid).not.toBe(firstPid);
    const again = await joinedClient(secondUrl, "lobby");
    expect(again.members).toBe(1);
    again.client.socket.terminate();
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    expect(alive(secondPid)).toBe(false);
  }, 60_000);

  it("does not restart a relay that refused its configuration (exit 2)", async () => {
    const s = supervise(["--max-depth=deep"]);
    expect(await s.exited).toBe(2);
    expect(s.lines.count(/relay pid \d+ started/)).toBe(1);
    expect(s.lines.count(/not restarting/)).toBe(1);
    expect(s.lines.count(/--max-depth \(SIGNAL_MAX_DEPTH\) must be a whole number/)).toBe(1);
  }, 30_000);
});
