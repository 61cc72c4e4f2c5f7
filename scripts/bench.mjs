// `npm run bench`: installs what is missing, then runs bench/run.ts in a loopback-only network namespace.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, ensureChromium, ensureDeps } from "./ensure-deps.mjs";
import { isolatedArgv } from "./netns.mjs";

ensureDeps();
ensureChromium();
const [bin, argv] = isolatedArgv(join(ROOT, "node_modules", ".bin", "tsx"), ["bench/run.ts"]);
const result = spawnSync(bin, argv, { cwd: ROOT, stdio: "inherit" });
process.exit(result.status ?? 1);
