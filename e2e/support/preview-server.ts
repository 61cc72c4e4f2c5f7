// Serves the built app with `vite preview` on 127.0.0.1 for a test run. Spawned directly (not via
// npx) so the PID we hold is the server, and stopped by that PID (feasibility pitfall 10).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

export type PreviewServer = { readonly url: string; readonly pid: number; stop(): Promise<void> };

export const HOST = "127.0.0.1";

/** A port the OS just reported free on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the probe port"));
      });
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vite preview exited early (code ${child.exitCode})`);
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`vite preview did not answer at ${url} within ${timeoutMs} ms`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startPreview(root: string, port: number): Promise<PreviewServer> {
  const vite = join(root, "node_modules", ".bin", "vite");
  const child = spawn(vite, ["preview", "--host", HOST, "--port", String(port), "--strictPort"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("vite preview did not start");
  let output = "";
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const server: PreviewServer = {
    url: `http://${HOST}:${port}/`,
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, "SIGTERM");
      const killTimer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      }, 5_000);
      await exited(child);
      clearTimeout(killTimer);
    },
  };

  try {
    // Generous: under CPU contention (npm run test:e2e:contended) vite preview took over 30 s to answer.
    await waitForHttp(server.url, child, 120_000);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- vite preview output ---\n${output}`);
  }
  return server;
}
