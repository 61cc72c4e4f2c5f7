// Which IndexedDB a node uses: the platform's in a worker or page, fake-indexeddb (or a future
// persistent adapter) in Node.js. Injected, never reached for as a global inside a manager.
export type IdbEnvironment = {
  readonly indexedDB: IDBFactory;
  readonly IDBKeyRange: typeof IDBKeyRange;
};

/** The platform's IndexedDB; undefined where there is none (plain Node.js). */
export function platformIdb(): IdbEnvironment | undefined {
  const scope = globalThis as { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange };
  return scope.indexedDB !== undefined && scope.IDBKeyRange !== undefined
    ? { indexedDB: scope.indexedDB, IDBKeyRange: scope.IDBKeyRange }
    : undefined;
}
