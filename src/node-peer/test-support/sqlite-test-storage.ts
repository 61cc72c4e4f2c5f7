// Setup file of vitest.config.ts's SQLite project: the acceptance fixtures' nodes keep their node
// database in SQLite files (ADR 0022), one per node name in a directory of this test file's own.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { chooseTestStorage } from "../../core/acceptance/test-storage.ts";
import { SqliteStorage } from "../storage/index.ts";

const dir = mkdtempSync(join(tmpdir(), "twoway-kernel-"));
chooseTestStorage((name) => new SqliteStorage(join(dir, `${name}.sqlite`)));
afterAll(() => {
  // The run proves something only if the fixtures did build their nodes here.
  const files = readdirSync(dir);
  rmSync(dir, { recursive: true, force: true });
  expect(files.filter((file) => file.endsWith(".sqlite")).length).toBeGreaterThan(0);
});
