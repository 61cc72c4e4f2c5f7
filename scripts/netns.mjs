// Runs a command in a fresh network namespace with only loopback up, when we may (root on Linux with
// unshare), so browser suites and benchmarks cannot send a packet anywhere but 127.0.0.1.
import { spawnSync } from "node:child_process";

let cached;

/** True when `unshare -n` works here; TEST_NO_NETNS=1 turns it off. */
export function canIsolateNetwork() {
  if (cached !== undefined) return cached;
  cached =
    process.platform === "linux" &&
    process.getuid?.() === 0 &&
    process.env.TEST_NO_NETNS !== "1" &&
    spawnSync("unshare", ["-n", "sh", "-c", "ip link set lo up"], { stdio: "ignore" }).status === 0;
  return cached;
}

/** The argv that runs `command args…` isolated when possible, else as is. */
export function isolatedArgv(command, args) {
  if (!canIsolateNetwork()) return [command, args];
  const quoted = [command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return ["unshare", ["-n", "sh", "-c", `ip link set lo up && exec ${quoted}`]];
}
