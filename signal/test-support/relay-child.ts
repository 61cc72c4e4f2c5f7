// The relay as a real child process (`node --import tsx signal/main.ts`), for tests that must see the
// process itself: that it never exits and how much memory it holds (VmRSS from /proc/<pid>/status).
// Its log lines are drained (an unread pipe would block the relay) and counted, the last few kept.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type ChildLines = {
  /** Lines so far that match. */
  count(pattern: RegExp): number;
  /** The newest lines, for a failure message. */
  tail(): string;
};

export type RelayChild = {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly lines: ChildLines;
  /** `undefined` while it runs; its exit code or signal once it ended. */
  exited(): string | undefined;
  /** Resident set size in bytes, from /proc/<pid>/status. */
  rssBytes(): number;
  stop(): Promise<void>;
};

/** Resident set size of `pid` in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export function collectLines(
  streams: readonly (NodeJS.ReadableStream | null)[],
  keep = 40,
): ChildLines & { onLine(l: (line: string) => void): void } {
  const recent: string[] = [];
  const all: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  for (const stream of streams) {
    let partial = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        all.push(line);
        recent.push(line);
        if (recent.length > keep) recent.shift();
        for (const l of listeners) l(line);
      }
    });
  }
  return {
    count: (pattern) => all.filter((l) => pattern.test(l)).length,
    tail: () => recent.join("\n"),
    onLine: (l) => listeners.push(l),
  };
}

/** Starts the relay on 127.0.0.1 with an ephemeral port and the given flags; resolves once it listens. */
export function startRelayChild(args: readonly string[]): Promise<RelayChild> {
  const child = spawn(process.execPath, ["--import", "tsx", "signal/main.ts", "--host", "127.0.0.1", "--port", "0", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = collectLines([child.stdout, child.stderr]);
  let exitedWith: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exitedWith = signal ?? `code ${code}`;
      resolve();
    }),
  );
  return new Promise<RelayChild>((resolve, reject) => {
    void exited.then(() => reject(new Error(`relay exited (${exitedWith}) before listening:\n${lines.tail()}`)));
    lines.onLine((line) => {
      const url = /^signal relay listening on (ws:\/\/\S+)/.exec(line)?.[1];
      if (!url) return;
      resolve({
        process: child,
        pid: child.pid!,
        url,
        lines,
        exited: () => exitedWith,
        rssBytes: () => rssOf(child.pid!),
        async stop() {
          if (exitedWith === undefined) child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
