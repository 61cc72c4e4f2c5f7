// Key manager: custody across reopen, explicit (scope, key id) access, fail-closed errors, and the promise
// that no private byte ever leaves it (DESIGN D5, digest 2.3). Runs on fake-indexeddb and in Chromium.
import Dexie, { type Table } from "dexie";
import { afterEach, describe, expect, it } from "vitest";
import { createVerifier, isWebCryptoEd25519Available, type Ed25519Engine } from "../crypto/index.ts";
import { toBase64url, toHex, utf8 } from "../shared/bytes.ts";
import { manualClock } from "../shared/clock.ts";
import type { ErrorCode } from "../shared/errors.ts";
import type { IdbEnvironment } from "../shared/idb.ts";
import { identityIdFromKey, type IdentityId } from "../shared/ids.ts";
import type { Result } from "../shared/result.ts";
import { testIdb, uniqueName } from "../shared/test-support/idb.ts";
import { KEY_SCOPES, MAX_LABEL_LENGTH, createKeyManager, type KeyManager, type KeyRecord, type KeyScope } from "./index.ts";
import { keyDatabaseName } from "../storage/index.ts";
import type { StoredKey } from "./stored-key.ts";

const WEBCRYPTO = await isWebCryptoEd25519Available();
const ENGINES: readonly Ed25519Engine[] = WEBCRYPTO ? ["webcrypto", "noble"] : ["noble"];
const RECORD_FIELDS = ["createdAt", "engine", "identityId", "keyId", "label", "publicKey", "scope"];
const PRIVATE_FIELDS = ["d", "seed", "privateKey", "secret", "pkcs8"];
const MESSAGE = utf8("2way: sign me");

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Setup = {
  readonly manager: KeyManager;
  readonly env: IdbEnvironment;
  readonly name: string;
  readonly clock: ReturnType<typeof manualClock>;
};

async function setup(engine: Ed25519Engine | "auto", reuse?: { env: IdbEnvironment; name: string }): Promise<Setup> {
  const env = reuse?.env ?? (await testIdb());
  const name = reuse?.name ?? uniqueName("keys");
  const clock = manualClock();
  const manager = createKeyManager({ name, idb: env, engine, clock });
  cleanups.push(() => manager.close());
  expectOk(await manager.open());
  return { manager, env, name, clock };
}

/** A second, raw connection to the manager's database, as an attacker or a corrupting bug would use it. */
async function rawDatabase(env: IdbEnvironment, name: string): Promise<Dexie & { readonly keys: Table<StoredKey, string> }> {
  const db = new Dexie(keyDatabaseName(name), { indexedDB: env.indexedDB, IDBKeyRange: env.IDBKeyRange }) as Dexie & {
    readonly keys: Table<StoredKey, string>;
  };
  // The schema of storage/key-database.ts, declared again: an attacker needs no help from the node.
  db.version(1).stores({ keys: "keyId, scope, identityId" });
  await db.open();
  cleanups.push(() => db.close());
  return db;
}

function expectOk<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code} (${String(result.error.data.reason)})`);
  return result.value;
}

function expectError(result: Result<unknown>, code: ErrorCode, reason: string): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect({ code: result.error.code, reason: result.error.data.reason }).toEqual({ code, reason });
}

async function verifies(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const engines: Ed25519Engine[] = WEBCRYPTO ? ["webcrypto", "noble"] : ["noble"];
  for (const engine of engines) {
    if (!(await (await createVerifier(engine)).verify(publicKey, message, signature)).valid) return false;
  }
  return true;
}

describe.each(ENGINES)("Key manager on the %s engine", (engine) => {
  it("creates exactly one node key and returns the same one afterwards", async () => {
    const { manager } = await setup(engine);
    const first = expectOk(await manager.ensureNodeKey());
    expect(first).toMatchObject({ scope: "node", identityId: null, label: null, engine, createdAt: "2026-11-21T10:00:00.000Z" });
    expect(first.keyId).toBe(first.publicKey);
    expect(expectOk(await manager.ensureNodeKey())).toEqual(first);
    expect(expectOk(await manager.list({ scope: "node" }))).toEqual([first]);
  });

  it("keeps its keys across close and reopen, and signs with the same key", async () => {
    const { manager, env, name } = await setup(engine);
    const node = expectOk(await manager.ensureNodeKey());
    const identity = expectOk(await manager.createIdentityKey({ label: "Ada" }));
    const before = await expectOk(await manager.signer("identity", identity.keyId)).sign(MESSAGE);
    await manager.close();

    const reopened = (await setup(engine, { env, name })).manager;
    expect(expectOk(await reopened.ensureNodeKey())).toEqual(node);
    expect(expectOk(await reopened.get("identity", identity.keyId))).toEqual(identity);
    const nodeSigner = expectOk(await reopened.signer("node", node.keyId));
    expect(toBase64url(nodeSigner.publicKey)).toBe(node.publicKey);
    expect(await verifies(nodeSigner.publicKey, MESSAGE, await nodeSigner.sign(MESSAGE))).toBe(true);
    expect(await expectOk(await reopened.signer("identity", identity.keyId)).sign(MESSAGE)).toEqual(before);
  });

  it("creates self-certifying identity keys (DESIGN §3), a new one per call", async () => {
    const { manager, clock } = await setup(engine);
    const ada = expectOk(await manager.createIdentityKey({ label: "Ada" }));
    clock.advance(1000);
    const bob = expectOk(await manager.createIdentityKey());
    expect(ada).toMatchObject({ scope: "identity", label: "Ada", engine, identityId: identityIdFromKey(ada.publicKey) });
    expect(bob).toMatchObject({
      scope: "identity",
      label: null,
      identityId: identityIdFromKey(bob.publicKey),
      createdAt: "2026-11-21T10:00:01.000Z",
    });
    expect(bob.keyId).not.toBe(ada.keyId);
  });

  it("binds device keys to an identity this node holds a key of", async () => {
    const { manager } = await setup(engine);
    const identity = expectOk(await manager.createIdentityKey());
    const identityId = identity.identityId!;
    const laptop = expectOk(await manager.createDeviceKey(identityId, { label: "laptop" }));
    const phone = expectOk(await manager.createDeviceKey(identityId));
    expect(laptop).toMatchObject({ scope: "device", identityId, label: "laptop", engine });
    expect(phone).toMatchObject({ scope: "device", identityId, label: null });
    expect(new Set([identity.keyId, laptop.keyId, phone.keyId]).size).toBe(3);
  });

  it("refuses a device key for an identity it holds no identity key for (ERR_MNG_KEY_BINDING_MISMATCH)", async () => {
    const { manager } = await setup(engine);
    const node = expectOk(await manager.ensureNodeKey());
    const identity = expectOk(await manager.createIdentityKey());
    const device = expectOk(await manager.createDeviceKey(identity.identityId!));
    // Somebody else's identity, the node key's "identity", and a device key id are all not held identities.
    const foreign = identityIdFromKey(new Uint8Array(32).fill(7));
    for (const id of [foreign, identityIdFromKey(node.publicKey), device.keyId as IdentityId]) {
      expectError(await manager.createDeviceKey(id), "ERR_MNG_KEY_BINDING_MISMATCH", "identity_key_missing");
    }
    expectError(await manager.createDeviceKey("not-an-id" as IdentityId), "ERR_MNG_KEY_BINDING_MISMATCH", "malformed_identity_id");
    expect(expectOk(await manager.list({ scope: "device" }))).toEqual([device]);
  });

  it("adopts a device key for an identity it holds no key of (a restore, ADR 0021), and removes only device keys", async () => {
    const { manager } = await setup(engine);
    const node = expectOk(await manager.ensureNodeKey());
    const root = expectOk(await manager.createIdentityKey());
    const elsewhere = identityIdFromKey(new Uint8Array(32).fill(7));
    const adopted = expectOk(await manager.adoptDeviceKey(elsewhere, { label: "restored" }));
    expect(adopted).toMatchObject({ scope: "device", identityId: elsewhere, label: "restored", engine });
    expectError(await manager.adoptDeviceKey("not-an-id" as IdentityId), "ERR_MNG_KEY_BINDING_MISMATCH", "malformed_identity_id");
    expectError(await manager.adoptDeviceKey(elsewhere, { label: "x".repeat(MAX_LABEL_LENGTH + 1) }), "object_invalid", "invalid_label");
    // Only a device key can be forgotten: the node key and root keys are refused, and stay.
    expectError(await manager.removeDeviceKey(node.keyId), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "wrong_scope");
    expectError(await manager.removeDeviceKey(root.keyId), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "wrong_scope");
    expectError(await manager.removeDeviceKey("short"), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "malformed_key_id");
    expectOk(await manager.removeDeviceKey(adopted.keyId));
    expectError(await manager.signer("device", adopted.keyId), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "unknown_key");
    expect(
      expectOk(await manager.list())
        .map((k) => k.keyId)
        .sort(),
    ).toEqual([node.keyId, root.keyId].sort());
  });

  it("gets a key by (scope, key id) and refuses every other ask (ERR_MNG_KEY_SCOPE_KEY_MISSING)", async () => {
    const { manager } = await setup(engine);
    const node = expectOk(await manager.ensureNodeKey());
    const identity = expectOk(await manager.createIdentityKey());
    const device = expectOk(await manager.createDeviceKey(identity.identityId!));
    expect(expectOk(await manager.get("node", node.keyId))).toEqual(node);
    expect(expectOk(await manager.get("identity", identity.keyId))).toEqual(identity);
    expect(expectOk(await manager.get("device", device.keyId))).toEqual(device);

    // digest 2.3: no implicit pick or fallback — a key exists only under its own scope.
    for (const [scope, keyId] of [
      ["identity", node.keyId],
      ["node", identity.keyId],
      ["device", identity.keyId],
      ["identity", device.keyId],
    ] as const) {
      expectError(await manager.get(scope, keyId), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "wrong_scope");
      expectError(await manager.signer(scope, keyId), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "wrong_scope");
    }
    const unknown = toBase64url(new Uint8Array(32).fill(9));
    expectError(await manager.get("identity", unknown), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "unknown_key");
    expectError(await manager.signer("node", unknown), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "unknown_key");
    expectError(await manager.get("identity", "short"), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "malformed_key_id");
    expectError(await manager.signer("device", `${device.keyId}=`), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "malformed_key_id");
    expectError(await manager.get("app" as KeyScope, node.keyId), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "unknown_scope");
    expectError(await manager.signer("" as KeyScope, node.keyId), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "unknown_scope");
  });

  it("lists keys by scope and by identity, oldest first", async () => {
    const { manager, clock } = await setup(engine);
    const ada = expectOk(await manager.createIdentityKey({ label: "Ada" }));
    clock.advance(1);
    const node = expectOk(await manager.ensureNodeKey());
    clock.advance(1);
    const bob = expectOk(await manager.createIdentityKey({ label: "Bob" }));
    clock.advance(1);
    const adaPhone = expectOk(await manager.createDeviceKey(ada.identityId!));
    clock.advance(1);
    const bobPhone = expectOk(await manager.createDeviceKey(bob.identityId!));

    expect(expectOk(await manager.list())).toEqual([ada, node, bob, adaPhone, bobPhone]);
    expect(expectOk(await manager.list({ scope: "identity" }))).toEqual([ada, bob]);
    expect(expectOk(await manager.list({ scope: "device" }))).toEqual([adaPhone, bobPhone]);
    expect(expectOk(await manager.list({ identityId: ada.identityId! }))).toEqual([ada, adaPhone]);
    expect(expectOk(await manager.list({ scope: "device", identityId: bob.identityId! }))).toEqual([bobPhone]);
    expect(expectOk(await manager.list({ identityId: identityIdFromKey(node.publicKey) }))).toEqual([]);
    expectError(await manager.list({ scope: "app" as KeyScope }), "ERR_MNG_KEY_SCOPE_KEY_MISSING", "unknown_scope");
    expectError(await manager.list({ identityId: "x" as IdentityId }), "ERR_MNG_KEY_BINDING_MISMATCH", "malformed_identity_id");
  });

  it("orders keys created in the same millisecond by key id", async () => {
    const { manager } = await setup(engine);
    const keys = [
      expectOk(await manager.createIdentityKey()),
      expectOk(await manager.createIdentityKey()),
      expectOk(await manager.createIdentityKey()),
    ];
    const ids = expectOk(await manager.list()).map((record) => record.keyId);
    expect(ids).toEqual(keys.map((record) => record.keyId).sort());
  });

  it("signs deterministically, verifiably on both verifier engines, in every scope", async () => {
    const { manager } = await setup(engine);
    const node = expectOk(await manager.ensureNodeKey());
    const identity = expectOk(await manager.createIdentityKey());
    const device = expectOk(await manager.createDeviceKey(identity.identityId!));
    for (const record of [node, identity, device]) {
      const signer = expectOk(await manager.signer(record.scope, record.keyId));
      expect(signer.engine).toBe(engine);
      expect(toBase64url(signer.publicKey)).toBe(record.publicKey);
      const signature = await signer.sign(MESSAGE);
      expect(signature).toHaveLength(64);
      expect(await signer.sign(MESSAGE)).toEqual(signature); // RFC 8032: deterministic
      expect(await expectOk(await manager.signer(record.scope, record.keyId)).sign(MESSAGE)).toEqual(signature);
      expect(await verifies(signer.publicKey, MESSAGE, signature)).toBe(true);
      expect(await verifies(signer.publicKey, utf8("another message"), signature)).toBe(false);
    }
  });

  it("hands out a copy of the public key, so a caller cannot change what it signs for", async () => {
    const { manager } = await setup(engine);
    const node = expectOk(await manager.ensureNodeKey());
    expectOk(await manager.signer("node", node.keyId)).publicKey.fill(0);
    expect(toBase64url(expectOk(await manager.signer("node", node.keyId)).publicKey)).toBe(node.publicKey);
  });

  it("refuses a label that is too long or not text (object_invalid)", async () => {
    const { manager } = await setup(engine);
    const identity = expectOk(await manager.createIdentityKey({ label: "x".repeat(MAX_LABEL_LENGTH) }));
    for (const label of ["x".repeat(MAX_LABEL_LENGTH + 1), "\ud800", 42 as unknown as string]) {
      expectError(await manager.createIdentityKey({ label }), "object_invalid", "invalid_label");
      expectError(await manager.createDeviceKey(identity.identityId!, { label }), "object_invalid", "invalid_label");
    }
    expect(expectOk(await manager.list())).toEqual([identity]);
  });

  it("ends two concurrent ensureNodeKey calls with one node key, on one manager and across two", async () => {
    const { manager, env } = await setup(engine);
    const [a, b] = await Promise.all([manager.ensureNodeKey(), manager.ensureNodeKey()]);
    expect(expectOk(a)).toEqual(expectOk(b));

    // Two connections to one fresh database race through the creation transaction itself.
    const other = { env, name: uniqueName("keys-race") };
    const [left, right] = await Promise.all([setup(engine, other), setup(engine, other)]);
    const results = await Promise.all([left.manager.ensureNodeKey(), right.manager.ensureNodeKey()]);
    expect(expectOk(results[0])).toEqual(expectOk(results[1]));
    expect(expectOk(await left.manager.list({ scope: "node" }))).toHaveLength(1);
  });

  it("fails closed on an ambiguous node key (ERR_MNG_KEY_NODE_KEY_MISSING)", async () => {
    const { manager, env, name } = await setup(engine);
    expectOk(await manager.ensureNodeKey());
    const elsewhere = await setup(engine, { env, name: uniqueName("keys-other") });
    const foreign = expectOk(await elsewhere.manager.ensureNodeKey());
    const foreignRow = await (await rawDatabase(env, elsewhere.name)).keys.get(foreign.keyId);
    await (await rawDatabase(env, name)).keys.add(foreignRow!);
    // digest 2.3: a duplicate node key is a startup failure, never a pick.
    expectError(await manager.ensureNodeKey(), "ERR_MNG_KEY_NODE_KEY_MISSING", "duplicate_node_key");
  });

  it("fails closed when the stored node key does not sign for its public key (ERR_MNG_KEY_NODE_KEY_MISSING)", async () => {
    const { manager, env, name } = await setup(engine);
    const node = expectOk(await manager.ensureNodeKey());
    const identity = expectOk(await manager.createIdentityKey());
    await manager.close();
    const db = await rawDatabase(env, name);
    const nodeRow = (await db.keys.get(node.keyId))!;
    const identityRow = (await db.keys.get(identity.keyId))!;
    // The node row keeps its public key but gets the identity key's private half.
    await db.keys.put({ ...identityRow, keyId: nodeRow.keyId, publicKey: nodeRow.publicKey, scope: "node", identityId: null });
    const reopened = (await setup(engine, { env, name })).manager;
    expectError(await reopened.ensureNodeKey(), "ERR_MNG_KEY_NODE_KEY_MISSING", "node_key_unusable");
  });

  it("fails closed on a malformed stored record (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const { manager, env, name } = await setup(engine);
    const identity = expectOk(await manager.createIdentityKey());
    const db = await rawDatabase(env, name);
    const row = (await db.keys.get(identity.keyId))!;
    // An identity row whose identity id is not derived from its key breaks DESIGN §3.
    await db.keys.put({ ...row, identityId: identityIdFromKey(new Uint8Array(32).fill(1)) });
    expectError(await manager.get("identity", identity.keyId), "ERR_MNG_STORAGE_UNAVAILABLE", "corrupt_record");
    expectError(await manager.signer("identity", identity.keyId), "ERR_MNG_STORAGE_UNAVAILABLE", "corrupt_record");
    expectError(await manager.list(), "ERR_MNG_STORAGE_UNAVAILABLE", "corrupt_record");
    await db.keys.put({ ...row, engine: row.engine === "noble" ? "webcrypto" : "noble" } as StoredKey); // material of the other kind
    expectError(await manager.get("identity", identity.keyId), "ERR_MNG_STORAGE_UNAVAILABLE", "corrupt_record");
  });

  it("never puts private bytes in a record or a result", async () => {
    const { manager, env, name } = await setup(engine);
    const results: Result<unknown>[] = [];
    const track = async <T>(pending: Promise<Result<T>>): Promise<T> => {
      const result = await pending;
      results.push(result);
      return expectOk(result);
    };
    const node = await track(manager.ensureNodeKey());
    await track(manager.ensureNodeKey());
    const identity = await track(manager.createIdentityKey({ label: "Ada" }));
    const device = await track(manager.createDeviceKey(identity.identityId!, { label: "phone" }));
    for (const record of [node, identity, device]) {
      await track(manager.get(record.scope, record.keyId));
      await track(manager.signer(record.scope, record.keyId));
    }
    await track(manager.list());
    for (const scope of KEY_SCOPES) await track(manager.list({ scope }));
    await track(manager.list({ identityId: identity.identityId! }));
    results.push(await manager.get("identity", node.keyId), await manager.createDeviceKey(identityIdFromKey(node.publicKey)));

    const records: KeyRecord[] = [node, identity, device, ...expectOk(await manager.list())];
    for (const record of records) {
      expect(Object.keys(record).sort()).toEqual(RECORD_FIELDS);
      expect(structuredClone(record)).toEqual(record); // plain data: crosses Comlink as it is
    }
    const rows = await (await rawDatabase(env, name)).keys.toArray();
    const secrets = rows.flatMap((row) => (row.engine === "noble" ? [toHex(row.seed), toBase64url(row.seed)] : []));
    expect(secrets).toHaveLength(engine === "noble" ? 6 : 0);
    for (const value of [...records, ...results]) {
      expect(privateFieldsIn(value)).toEqual([]);
      const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? toBase64url(v) : v));
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});

/** Paths of fields that name private material, and of any CryptoKey, anywhere in a value. */
function privateFieldsIn(value: unknown, path = "$", seen = new Set<object>()): string[] {
  if (value instanceof CryptoKey) return [path];
  if (typeof value !== "object" || value === null || value instanceof Uint8Array || seen.has(value)) return [];
  seen.add(value);
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(PRIVATE_FIELDS.includes(key) ? [`${path}.${key}`] : []),
    ...privateFieldsIn(inner, `${path}.${key}`, seen),
  ]);
}

describe("Key manager storage", () => {
  it.skipIf(!WEBCRYPTO)("stores WebCrypto private keys non-extractable (DESIGN D5)", async () => {
    const { manager, env, name } = await setup("auto");
    const node = expectOk(await manager.ensureNodeKey());
    const identity = expectOk(await manager.createIdentityKey());
    const device = expectOk(await manager.createDeviceKey(identity.identityId!));
    const db = await rawDatabase(env, name);
    expect(db.name).toBe(keyDatabaseName(name));
    expect(keyDatabaseName(name)).toBe(`twoway-keys-${name}`);
    for (const record of [node, identity, device]) {
      expect(record.engine).toBe("webcrypto");
      const row = (await db.keys.get(record.keyId))!;
      expect(row.engine).toBe("webcrypto");
      if (row.engine !== "webcrypto") continue;
      expect(Object.keys(row)).not.toContain("seed");
      expect(row.privateKey).toBeInstanceOf(CryptoKey);
      expect(row.privateKey).toMatchObject({ type: "private", extractable: false, algorithm: { name: "Ed25519" } });
      expect(row.privateKey.usages).toEqual(["sign"]);
      await expect(crypto.subtle.exportKey("pkcs8", row.privateKey)).rejects.toThrow();
      await expect(crypto.subtle.exportKey("jwk", row.privateKey)).rejects.toThrow();
    }
  });

  it("stores only a 32-byte seed on the noble engine, and signs as WebCrypto would verify", async () => {
    const { manager, env, name } = await setup("noble");
    const identity = expectOk(await manager.createIdentityKey());
    const row = (await (await rawDatabase(env, name)).keys.get(identity.keyId))!;
    expect(row.engine).toBe("noble");
    if (row.engine === "noble") expect(row.seed).toHaveLength(32);
    expect(Object.keys(row)).not.toContain("privateKey");
    const signer = expectOk(await manager.signer("identity", identity.keyId));
    expect(await verifies(signer.publicKey, MESSAGE, await signer.sign(MESSAGE))).toBe(true);
  });

  it("picks WebCrypto on the auto engine where it is available", async () => {
    const { manager } = await setup("auto");
    expect(expectOk(await manager.createIdentityKey()).engine).toBe(WEBCRYPTO ? "webcrypto" : "noble");
  });

  it("signs with each key by its own engine, whatever engine makes new keys", async () => {
    const { manager, env, name } = await setup("noble");
    const old = expectOk(await manager.createIdentityKey());
    await manager.close();
    const reopened = (await setup("auto", { env, name })).manager;
    const fresh = expectOk(await reopened.createIdentityKey());
    expect(fresh.engine).toBe(WEBCRYPTO ? "webcrypto" : "noble");
    const signer = expectOk(await reopened.signer("identity", old.keyId));
    expect(signer.engine).toBe("noble");
    expect(await verifies(signer.publicKey, MESSAGE, await signer.sign(MESSAGE))).toBe(true);
  });

  it("fails closed when IndexedDB refuses to open (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const env = await testIdb();
    const refusing: IdbEnvironment = {
      indexedDB: {
        open: () => {
          throw new DOMException("storage is disabled", "SecurityError");
        },
        cmp: (a: unknown, b: unknown) => env.indexedDB.cmp(a, b),
      } as unknown as IDBFactory,
      IDBKeyRange: env.IDBKeyRange,
    };
    const manager = createKeyManager({ name: uniqueName("keys-refused"), idb: refusing });
    cleanups.push(() => manager.close());
    expectError(await manager.open(), "ERR_MNG_STORAGE_UNAVAILABLE", "open_failed");
    expectError(await manager.open(), "ERR_MNG_STORAGE_UNAVAILABLE", "open_failed");
    await expectEveryCallRefused(manager);
  });

  it("refuses every call before open and after close (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const env = await testIdb();
    const manager = createKeyManager({ name: uniqueName("keys-closed"), idb: env });
    cleanups.push(() => manager.close());
    await expectEveryCallRefused(manager);
    expectOk(await manager.open());
    const identity = expectOk(await manager.createIdentityKey());
    await manager.close();
    await expectEveryCallRefused(manager, identity);
    expectOk(await manager.open()); // and it opens again
    expect(expectOk(await manager.list())).toEqual([identity]);
  });

  it("shares one connection between concurrent and repeated opens", async () => {
    const env = await testIdb();
    const manager = createKeyManager({ name: uniqueName("keys-open"), idb: env });
    cleanups.push(() => manager.close());
    const opened = await Promise.all([manager.open(), manager.open()]);
    opened.forEach((result) => expectOk(result));
    expectOk(await manager.open());
    const node = expectOk(await manager.ensureNodeKey());
    expect(expectOk(await manager.list())).toEqual([node]);
  });

  it("does not recreate its database when another connection deletes it (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const { manager, env, name } = await setup("auto");
    expectOk(await manager.ensureNodeKey());
    await new Promise<void>((resolve, reject) => {
      const request = env.indexedDB.deleteDatabase(keyDatabaseName(name));
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error ?? new Error("deleteDatabase failed"));
    });
    // Reopening on its own would mint a second node key for this node; it must refuse instead.
    expectError(await manager.ensureNodeKey(), "ERR_MNG_STORAGE_UNAVAILABLE", "read_failed");
    expectError(await manager.createIdentityKey(), "ERR_MNG_STORAGE_UNAVAILABLE", "write_failed");
    expectError(await manager.list(), "ERR_MNG_STORAGE_UNAVAILABLE", "read_failed");
  });
});

async function expectEveryCallRefused(manager: KeyManager, known?: KeyRecord): Promise<void> {
  const keyId = known?.keyId ?? toBase64url(new Uint8Array(32).fill(3));
  const identityId = known?.identityId ?? identityIdFromKey(new Uint8Array(32).fill(3));
  const refused: Result<unknown>[] = [
    await manager.ensureNodeKey(),
    await manager.createIdentityKey(),
    await manager.createDeviceKey(identityId),
    await manager.get("identity", keyId),
    await manager.list(),
    await manager.signer("identity", keyId),
    await manager.adoptDeviceKey(identityId),
    await manager.removeDeviceKey(keyId),
  ];
  for (const result of refused) expectError(result, "ERR_MNG_STORAGE_UNAVAILABLE", "not_open");
}
