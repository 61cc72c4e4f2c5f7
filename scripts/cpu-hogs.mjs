// Runs a command beside N busy-loop child processes (CPU contention, as on a busy phone or a shared
// CI machine), then stops each hog by its PID however the command ends. Exit code: the command's.
//   node scripts/cpu-hogs.mjs <N> -- <command> [args…]
import { spawn } from "node:child_process";

const [countArg, separator, command, ...args] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isSafeInteger(count) || count < 0 || count > 16 || separator !== "--" || command === undefined) {
  console.error("usage: node scripts/cpu-hogs.mjs <N 0..16> -- <command> [args…]");
  process.exit(2);
}

/** One child spinning forever; it has no work and no I/O, so killing it loses nothing. */
const hogs = Array.from({ length: count }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
console.log(`cpu-hogs: ${count} busy loop(s), pids ${hogs.map((h) => h.pid).join(", ") || "none"}`);

function stopHogs() {
  for (const hog of hogs)
    if (hog.exitCode === null && hog.signalCode === null && hog.pid !== undefined) {
      try {
        process.kill(hog.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
}
process.on("exit", stopHogs);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => process.exit(130));

const started = Date.now();
const child = spawn(command, args, { stdio: "inherit" });
child.on("error", (error) => {
  console.error(`cpu-hogs: could not start ${command}: ${error.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  console.log(`cpu-hogs: ${command} ended (${signal ?? `exit ${code}`}) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(code ?? 1);
});
