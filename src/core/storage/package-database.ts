// The worker's copy of each installed app's package (its own database `twoway-apps-<name>`): the
// frontend to serve when the app opens, and the manifest's title for the shell. Node-local, never
// synced, and not trusted: whoever reads a package here reopens it through the node, which checks
// the signature again, so a row changed on disk is refused, never served.
import Dexie, { type Table } from "dexie";
import type { IdbEnvironment } from "../shared/idb.ts";

export type StoredPackage = {
  readonly slug: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly digest: string;
  readonly zip: Uint8Array;
  readonly signature: string;
};

export type PackageDatabase = {
  put(pkg: StoredPackage): Promise<void>;
  get(slug: string): Promise<StoredPackage | undefined>;
  list(): Promise<readonly StoredPackage[]>;
  close(): void;
};

export async function openPackageDatabase(name: string, idb: IdbEnvironment): Promise<PackageDatabase> {
  const db = new Dexie(`twoway-apps-${name}`, { indexedDB: idb.indexedDB, IDBKeyRange: idb.IDBKeyRange });
  // Uninstalling keeps the row, like the app's data: reinstalling needs no file, and the title stays.
  db.version(1).stores({ packages: "slug" });
  const packages: Table<StoredPackage, string> = db.table("packages");
  await db.open();
  return {
    put: async (pkg) => {
      await packages.put(pkg);
    },
    get: (slug) => packages.get(slug),
    list: () => packages.toArray(),
    close: () => db.close(),
  };
}
