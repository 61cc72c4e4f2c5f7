// Makes a fresh clone runnable: npm packages from the lockfile, and Debian's Chromium for the browser
// tests. Plain Node, no dependencies, because it runs before node_modules exists.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function run(command, args, options = {}) {
  console.log(`> ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
  }
}

/** True when node_modules is missing or older than package-lock.json (npm writes the hidden lockfile on install). */
export function depsAreStale(root = ROOT) {
  const installed = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(join(root, "node_modules")) || !existsSync(installed)) return true;
  return statSync(join(root, "package-lock.json")).mtimeMs > statSync(installed).mtimeMs;
}

/**
 * Installs the lockfile's versions when node_modules is missing or stale. `npm install`, not
 * `npm ci`: our registry serves only Linux builds of rollup's optional platform packages, so the
 * lockfile cannot list the others and `npm ci` rejects it as out of sync. `npm install` still
 * installs exactly the locked versions.
 */
export function ensureDeps(root = ROOT) {
  if (!depsAreStale(root)) return;
  console.log("Installing npm packages from package-lock.json…");
  // Playwright's packages never fetch a browser here: the tests use Debian's chromium (ensureChromium).
  const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" };
  run(process.platform === "win32" ? "npm.cmd" : "npm", ["install", "--no-audit", "--no-fund"], { cwd: root, env });
}

/** Installs Debian's chromium with apt-get when it is missing (tests never download a browser). */
export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return;
  console.log(`Chromium not found at ${CHROMIUM_PATH}; installing Debian's chromium package…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    run("apt-get", ["update"], { env });
    run("apt-get", ["install", "-y", "chromium"], { env });
  } catch (cause) {
    throw new Error(
      `Could not install chromium (${cause.message}). Install it yourself (apt-get install chromium) ` +
        "or set CHROMIUM_PATH to a Chromium or Chrome binary.",
    );
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium, but ${CHROMIUM_PATH} is still missing`);
}
