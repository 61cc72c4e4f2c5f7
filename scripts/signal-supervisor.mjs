// `npm run signal`: keeps the signaling relay (signal/main.ts) running. The relay runs as a child
// process; when it ends on its own it is started again after a pause that doubles from
// SIGNAL_RESTART_MIN_MS (500) to SIGNAL_RESTART_MAX_MS (30000) and resets once a child has run for
// SIGNAL_STABLE_MS (60000). Exit 2 from the relay (bad configuration) is final. SIGINT and SIGTERM
// go to the child and end the supervisor with it. Arguments are passed to the relay unchanged.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./ensure-deps.mjs";

const CONFIG_ERROR = 2;

function number(name, fallback) {
  const text = process.env[name];
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text)) {
    console.error(`signal supervisor: ${name} must be a whole number of milliseconds, got "${text}"`);
    process.exit(CONFIG_ERROR);
  }
  return Number(text);
}

const minDelay = number("SIGNAL_RESTART_MIN_MS", 500);
const maxDelay = Math.max(minDelay, number("SIGNAL_RESTART_MAX_MS", 30_000));
const stableMs = number("SIGNAL_STABLE_MS", 60_000);
const args = process.argv.slice(2);

let child;
let delay = minDelay;
let stopping = false;
let restartTimer;

function start() {
  restartTimer = undefined;
  const startedAt = Date.now();
  // node --import tsx, not the tsx CLI: the child's pid is the relay itself (no grandchild to orphan).
  child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "signal", "main.ts"), ...args], { cwd: ROOT, stdio: "inherit" });
  console.log(`signal supervisor: relay pid ${child.pid} started`);
  child.on("error", (error) => console.error(`signal supervisor: could not start the relay: ${error.message}`));
  child.on("exit", (code, signal) => {
    child = undefined;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) {
      console.log(`signal supervisor: relay stopped (${how})`);
      process.exit(code ?? 0);
    }
    if (code === CONFIG_ERROR) {
      console.error("signal supervisor: the relay refused its configuration; not restarting");
      process.exit(CONFIG_ERROR);
    }
    if (Date.now() - startedAt >= stableMs) delay = minDelay;
    console.error(`signal supervisor: relay exited (${how}); restarting in ${delay} ms`);
    restartTimer = setTimeout(start, delay);
    delay = Math.min(maxDelay, delay * 2);
  });
}

for (const name of ["SIGINT", "SIGTERM"]) {
  process.on(name, () => {
    stopping = true;
    if (restartTimer) clearTimeout(restartTimer);
    if (child) child.kill(name);
    else process.exit(0);
  });
}

start();
