// `npm start`: the one command that runs 2WAY from a fresh clone. Installs packages if needed, builds
// the PWA, and serves it with `vite preview` on 127.0.0.1 until Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, ensureDeps } from "./ensure-deps.mjs";

const port = Number(process.env.PORT ?? 4173);
const host = "127.0.0.1";
const url = `http://${host}:${port}/`;
const vite = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "vite.cmd" : "vite");

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

try {
  ensureDeps();
} catch (error) {
  fail(error.message);
}

console.log("> vite build");
const build = spawnSync(vite, ["build"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) fail(`vite build failed (exit ${build.status ?? build.signal})`);

// Spawned directly, not through npx, so this PID is the server itself (no orphaned grandchild).
const server = spawn(vite, ["preview", "--host", host, "--port", String(port), "--strictPort"], {
  cwd: ROOT,
  stdio: ["ignore", "inherit", "inherit"],
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.kill(signal);
  });
}

server.on("error", (error) => fail(`vite preview could not start: ${error.message}`));
server.on("exit", (code, signal) => {
  process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1));
});

// Announce only once the server answers, so the printed address is known to work.
const deadline = Date.now() + 30_000;
let announced = false;
while (!announced && server.exitCode === null && Date.now() < deadline) {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
    if (response.ok) {
      console.log(
        `\n2WAY is running at ${url} — open it in Chromium or Chrome and use 'Install app' in the address bar to install it.\n` +
          "Press Ctrl-C to stop.\n",
      );
      announced = true;
    }
  } catch {
    // not listening yet
  }
  if (!announced) await new Promise((resolve) => setTimeout(resolve, 200));
}
if (!announced && server.exitCode === null) {
  console.warn(`npm start: ${url} did not answer within 30 s; the server is still starting or stuck.`);
}
