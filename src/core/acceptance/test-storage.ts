// Which node database the acceptance fixtures build (ADR 0022): Dexie over the test IndexedDB, unless
// the run chose another adapter first (vitest.config.ts's SQLite project, through its setup file).
import type { NodeStorage } from "../storage/index.ts";

/** A node database for the node named `name`; the same name finds the same data again (a restart). */
export type TestStorageFactory = (name: string) => NodeStorage;

let chosen: TestStorageFactory | undefined;

export function chooseTestStorage(factory: TestStorageFactory): void {
  chosen = factory;
}

/** The chosen adapter's database for `name`, or undefined: then the node's default, Dexie. */
export function testStorage(name: string): NodeStorage | undefined {
  return chosen?.(name);
}

/** True when the run chose another adapter than Dexie: a test that edits raw IndexedDB cannot reach it. */
export function otherTestStorage(): boolean {
  return chosen !== undefined;
}
