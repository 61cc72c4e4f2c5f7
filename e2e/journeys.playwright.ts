// Registers every journey of every `e2e/*.spec.ts` (its exported `cases`, support/harness.ts) as a
// Playwright test: `<file> › <case name>`, with the case's own time limit and a fresh E2eContext.
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { test } from "./support/fixture.ts";
import type { E2eCase } from "./support/harness.ts";

const DEFAULT_TIMEOUT_MS = 60_000;
const e2eDir = dirname(fileURLToPath(import.meta.url));
const specFiles = readdirSync(e2eDir)
  .filter((file) => file.endsWith(".spec.ts"))
  .sort();

for (const file of specFiles) {
  const module = (await import(pathToFileURL(`${e2eDir}/${file}`).href)) as { cases?: E2eCase[] };
  if (!Array.isArray(module.cases)) throw new Error(`${file} does not export a "cases" array`);
  const cases = module.cases;
  test.describe(file, () => {
    for (const journey of cases)
      test(journey.name, async ({ e2e }) => {
        test.setTimeout(journey.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        await journey.run(e2e);
      });
  });
}
