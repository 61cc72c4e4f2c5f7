// `npm run bench`: installs what is missing (bench/jazz too), then runs bench/run.ts in a loopback-only network namespace.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, ensureChromium, ensureDeps } from "./ensure-deps.mjs";
import { isolatedArgv } from "./netns.mjs";

ensureDeps();
ensureDeps(join(ROOT, "bench", "jazz")); // classic Jazz, pinned, for the side-by-side bench only
ensureChromium();
const [bin, argv] = isolatedArgv(join(ROOT, "node_modules", ".bin", "tsx"), ["bench/run.ts"]);
const result = spawnSync(bin, argv, { cwd: ROOT, stdio: "inherit" });
process.exit(result.status ?? 1);
