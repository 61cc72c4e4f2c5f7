// CPU contention beside a bench step: N busy-loop child processes (as scripts/cpu-hogs.mjs runs
// beside a command), each stopped by its PID when the step ends, however it ends.
import { spawn } from "node:child_process";

export async function withCpuHogs<T>(count: number, step: () => Promise<T>): Promise<T> {
  const hogs = Array.from({ length: count }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  try {
    return await step();
  } finally {
    for (const hog of hogs) if (hog.exitCode === null && hog.signalCode === null && hog.pid !== undefined) process.kill(hog.pid, "SIGKILL");
  }
}
