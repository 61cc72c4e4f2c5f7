// Once per e2e run: build dist/ (unless E2E_SKIP_BUILD=1), serve it with `vite preview` on
// 127.0.0.1, and hand its URL to the worker (E2E_BASE_URL). The returned teardown stops the server
// by its PID, and an exit hook does so too if the run is cut short.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "../../scripts/ensure-deps.mjs";
import { freePort, startPreview } from "./preview-server.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function build(): void {
  console.log("e2e: vite build");
  const result = spawnSync(join(root, "node_modules", ".bin", "vite"), ["build"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  ensureChromium();
  mkdirSync(join(root, "e2e", "artifacts"), { recursive: true });
  if (process.env.E2E_SKIP_BUILD !== "1") build();
  const server = await startPreview(root, await freePort());
  console.log(`e2e: serving dist/ at ${server.url} (pid ${server.pid})`);
  const killOnExit = (): void => {
    try {
      process.kill(server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  process.once("exit", killOnExit);
  process.env.E2E_BASE_URL = server.url;
  return async () => {
    await server.stop();
    process.off("exit", killOnExit);
  };
}
