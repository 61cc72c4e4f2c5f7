// The worker's copy of each installed app's package (its own database `twoway-apps-<name>`): the
// frontend to serve when the app opens, and the manifest's title for the shell. Node-local, never
// synced, and not trusted: whoever reads a package here reopens it through the node, which checks
// the signature again, so a row changed on disk is refused, never served.
import Dexie, { type Table } from "dexie";
import type { IdbEnvironment } from "../src/core/index.ts";

export type StoredPackage = {
  readonly slug: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly digest: string;
  readonly zip: Uint8Array;
  readonly signature: string;
};

export type AppPackageStore = {
  put(pkg: StoredPackage): Promise<void>;
  get(slug: string): Promise<StoredPackage | undefined>;
  list(): Promise<readonly StoredPackage[]>;
  close(): void;
};

type PackageDatabase = Dexie & { readonly packages: Table<StoredPackage, string> };

export async function openAppPackageStore(name: string, idb: IdbEnvironment): Promise<AppPackageStore> {
  const db = new Dexie(`twoway-apps-${name}`, { indexedDB: idb.indexedDB, IDBKeyRange: idb.IDBKeyRange }) as PackageDatabase;
  // Uninstalling keeps the row, like the app's data: reinstalling needs no file, and the title stays.
  db.version(1).stores({ packages: "slug" });
  await db.open();
  return {
    put: async (pkg) => {
      await db.packages.put(pkg);
    },
    get: (slug) => db.packages.get(slug),
    list: () => db.packages.toArray(),
    close: () => db.close(),
  };
}
