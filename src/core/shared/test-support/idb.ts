// The IndexedDB tests run on: real IndexedDB when the suite runs in Chromium (vitest browser mode),
// a fresh fake-indexeddb factory per call in Node.js, so one test cannot see another's databases.
import { platformIdb, type IdbEnvironment } from "../idb.ts";

let counter = 0;

export async function testIdb(): Promise<IdbEnvironment> {
  const platform = platformIdb();
  if (platform !== undefined) return platform;
  const fake = await import("fake-indexeddb");
  return { indexedDB: new fake.IDBFactory(), IDBKeyRange: fake.IDBKeyRange };
}

/** A database-name prefix no other test uses (real IndexedDB is shared by the whole browser run). */
export function uniqueName(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
