// The Key manager (public design 03, digest 2.3): custody of the node's private keys — generate, store,
// sign. It makes no authority decisions and never returns private bytes; every call names one scope and
// one key id. Bindings in the graph belong to Graph; this module never writes anything but its own store.
import { createVerifier, isWebCryptoEd25519Available, type Ed25519Engine, type Signer } from "../crypto/index.ts";
import { assert } from "../shared/assert.ts";
import { fromBase64url, isWellFormedText, utf8 } from "../shared/bytes.ts";
import { isoTime, systemClock } from "../shared/clock.ts";
import { nodeError, type ErrorData } from "../shared/errors.ts";
import { identityIdFromKey, parseIdentityId, parsePublicKeyText, publicKeyText, type IdentityId } from "../shared/ids.ts";
import { err, ok, type Err, type Result } from "../shared/result.ts";
import { createKeyDatabase, isStorageFailure, type KeyDatabase, type KeyRow } from "../storage/index.ts";
import { generateKeyMaterial, signerFromMaterial, type GeneratedKey } from "./key-material.ts";
import { parseStoredKey, toKeyRecord, type StoredKey } from "./stored-key.ts";
import { isKeyScope, type KeyListFilter, type KeyManager, type KeyManagerOptions, type KeyRecord, type KeyScope } from "./types.ts";

export const MAX_LABEL_LENGTH = 256;
/** What the node key signs once per open to prove it loads and signs (digest 2.3: before ready). */
const SELF_TEST_MESSAGE = utf8("2way key manager: node key self-test");

type Session = { readonly db: KeyDatabase; readonly engine: Ed25519Engine };

export function createKeyManager(options: KeyManagerOptions): KeyManager {
  assert(typeof options.name === "string" && options.name.length > 0, "a key manager needs a database name");
  const clock = options.clock ?? systemClock;
  let opening: Promise<Result<void>> | undefined;
  let session: Session | undefined;
  let ensuring: Promise<Result<KeyRecord>> | undefined;
  /** The node key id that passed its self-test in this session. */
  let testedNodeKey: string | undefined;
  /** Moves after every write to the key store, ended well or not (for caches of what it holds). */
  let changes = 0;
  const write = <T>(run: () => Promise<T>): Promise<Result<T>> =>
    storage("write_failed", run).finally(() => {
      changes += 1;
    });

  async function openSession(): Promise<Result<void>> {
    // Asking for WebCrypto where it is missing is a configuration bug, so it throws (as createSigner does).
    const engine = await resolveEngine(options.engine ?? "auto");
    const db = options.database?.() ?? createKeyDatabase(options.name, options.idb);
    try {
      await db.open();
    } catch (cause) {
      db.close();
      // AC-02 fail closed: without its store the manager refuses every call.
      return err(
        nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The key database cannot be opened.", { reason: "open_failed", cause: errorName(cause) }),
      );
    }
    session = { db, engine };
    return ok(undefined);
  }

  function current(): Result<Session> {
    return session !== undefined
      ? ok(session)
      : err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The key manager is not open.", { reason: "not_open" }));
  }

  function newRow(scope: KeyScope, generated: GeneratedKey, identityId: IdentityId | null, label: string | null): StoredKey {
    const publicKey = publicKeyText(generated.publicKey);
    return { keyId: publicKey, scope, publicKey, identityId, label, createdAt: isoTime(clock), ...generated.material };
  }

  /**
   * A new key on the open database's engine, under the identity `identityOf` names for it; add(),
   * never put(): creation never overwrites (digest 2.3).
   */
  async function addNewKey(
    scope: KeyScope,
    rawLabel: unknown,
    identityOf: (publicKey: Uint8Array) => IdentityId,
  ): Promise<Result<KeyRecord>> {
    const label = parseLabel(rawLabel);
    if (!label.ok) return label;
    const open = current();
    if (!open.ok) return open;
    const generated = await generateKeyMaterial(open.value.engine);
    const row = newRow(scope, generated, identityOf(generated.publicKey), label.value);
    const written = await write(() => open.value.db.add(row));
    return written.ok ? ok(toKeyRecord(row)) : written;
  }

  async function load(scope: KeyScope, keyId: string): Promise<Result<StoredKey>> {
    if (!isKeyScope(scope)) return scopeKeyMissing("unknown_scope");
    if (parsePublicKeyText(keyId) === undefined) return scopeKeyMissing("malformed_key_id");
    const open = current();
    if (!open.ok) return open;
    const read = await storage("read_failed", () => open.value.db.get(keyId));
    if (!read.ok) return read;
    if (read.value === undefined) return scopeKeyMissing("unknown_key", { scope, keyId });
    const row = parseStoredKey(read.value);
    if (row === undefined) return corruptRecord();
    // digest 2.3: no implicit pick — a key asked for under another scope is not there.
    if (row.scope !== scope) return scopeKeyMissing("wrong_scope", { scope, keyId });
    return ok(row);
  }

  async function checkNodeKey(rows: readonly unknown[]): Promise<Result<KeyRecord>> {
    // digest 2.3: a duplicate or ambiguous node key is a startup failure, never a pick.
    if (rows.length !== 1)
      return err(nodeError("ERR_MNG_KEY_NODE_KEY_MISSING", "The node key is ambiguous.", { reason: "duplicate_node_key" }));
    const row = parseStoredKey(rows[0]);
    if (row === undefined || row.scope !== "node") return corruptRecord();
    // digest 2.3: the node key must load and sign before the node is ready; once per session.
    if (testedNodeKey !== row.keyId) {
      if (!(await signsForItsPublicKey(row))) {
        return err(
          nodeError("ERR_MNG_KEY_NODE_KEY_MISSING", "The stored node key does not sign for its public key.", {
            reason: "node_key_unusable",
          }),
        );
      }
      testedNodeKey = row.keyId;
    }
    return ok(toKeyRecord(row));
  }

  async function ensureNodeKeyOnce(): Promise<Result<KeyRecord>> {
    const open = current();
    if (!open.ok) return open;
    const { db, engine } = open.value;
    const nodeRows = () => db.whereScope("node");
    const found = await storage("read_failed", nodeRows);
    if (!found.ok) return found;
    if (found.value.length > 0) return checkNodeKey(found.value);
    // DESIGN D5: crypto finishes before the write transaction opens.
    const row = newRow("node", await generateKeyMaterial(engine), null, null);
    // One transaction: whoever commits first makes the node key; a racing caller (this manager or another
    // connection) finds it and keeps it, so there is exactly one and nothing is overwritten.
    const written = await write(() =>
      db.readWrite(async (): Promise<readonly unknown[]> => {
        const existing = await nodeRows();
        if (existing.length > 0) return existing;
        await db.add(row);
        return [row];
      }),
    );
    return written.ok ? checkNodeKey(written.value) : written;
  }

  return {
    open() {
      if (session !== undefined) return Promise.resolve(ok(undefined));
      opening ??= openSession().finally(() => (opening = undefined));
      return opening;
    },

    ensureNodeKey() {
      // Concurrent callers of one manager share one attempt; the transaction in ensureNodeKeyOnce() also
      // settles races with other connections to the same database.
      ensuring ??= ensureNodeKeyOnce().finally(() => (ensuring = undefined));
      return ensuring;
    },

    createIdentityKey(keyOptions = {}) {
      return addNewKey("identity", keyOptions.label, identityIdFromKey);
    },

    async createDeviceKey(identityId, keyOptions = {}) {
      const identity = parseIdentityId(identityId);
      if (identity === undefined) return bindingMismatch("malformed_identity_id");
      const label = parseLabel(keyOptions.label);
      if (!label.ok) return label;
      const open = current();
      if (!open.ok) return open;
      const { db, engine } = open.value;
      // Rows under this identity include its device keys; only an identity-scope row is its root key.
      const holdsIdentity = async () => (await db.whereIdentity(identity)).some((row) => (row as Partial<KeyRow>).scope === "identity");
      // Checked before generating, so a refused call costs no key generation.
      const held = await storage("read_failed", holdsIdentity);
      if (!held.ok) return held;
      if (!held.value) return bindingMismatch("identity_key_missing", identity);
      const row = newRow("device", await generateKeyMaterial(engine), identity, label.value);
      // The binding check and the write are one transaction (digest 2.3: atomic creation).
      const written = await write(() =>
        db.readWrite(async () => {
          if (!(await holdsIdentity())) return false;
          await db.add(row);
          return true;
        }),
      );
      if (!written.ok) return written;
      return written.value ? ok(toKeyRecord(row)) : bindingMismatch("identity_key_missing", identity);
    },

    async adoptDeviceKey(identityId, keyOptions = {}) {
      const identity = parseIdentityId(identityId);
      if (identity === undefined) return bindingMismatch("malformed_identity_id");
      return addNewKey("device", keyOptions.label, () => identity);
    },

    createUnpairedDeviceKey(keyOptions = {}) {
      // ADR 0025: until a binding names it, the key serves the id its own key would root (no identity has it).
      return addNewKey("device", keyOptions.label, identityIdFromKey);
    },

    async assignDeviceKey(keyId, identityId) {
      const identity = parseIdentityId(identityId);
      if (identity === undefined) return bindingMismatch("malformed_identity_id");
      const row = await load("device", keyId);
      if (!row.ok) return row;
      // Only an unpaired key moves, and only once: a paired key's identity is fixed (digest 2.3).
      if (row.value.identityId !== identityIdFromKey(row.value.publicKey)) return bindingMismatch("already_assigned", identity);
      const open = current();
      if (!open.ok) return open;
      const moved: StoredKey = { ...row.value, identityId: identity };
      const written = await write(() =>
        open.value.db.readWrite(async () => {
          await open.value.db.delete(keyId);
          await open.value.db.add(moved);
        }),
      );
      return written.ok ? ok(toKeyRecord(moved)) : written;
    },

    async removeDeviceKey(keyId) {
      const row = await load("device", keyId);
      if (!row.ok) return row;
      const open = current();
      if (!open.ok) return open;
      return write(() => open.value.db.delete(keyId));
    },

    async get(scope, keyId) {
      const row = await load(scope, keyId);
      return row.ok ? ok(toKeyRecord(row.value)) : row;
    },

    changes: () => changes,

    async list(filter = {}) {
      if (filter.scope !== undefined && !isKeyScope(filter.scope)) return scopeKeyMissing("unknown_scope");
      const identity = filter.identityId === undefined ? undefined : parseIdentityId(filter.identityId);
      if (filter.identityId !== undefined && identity === undefined) return bindingMismatch("malformed_identity_id");
      const open = current();
      if (!open.ok) return open;
      const { db } = open.value;
      const read = await storage("read_failed", () =>
        identity !== undefined ? db.whereIdentity(identity) : filter.scope !== undefined ? db.whereScope(filter.scope) : db.all(),
      );
      if (!read.ok) return read;
      const records: KeyRecord[] = [];
      for (const value of read.value) {
        const row = parseStoredKey(value);
        if (row === undefined) return corruptRecord();
        if (matches(row, filter)) records.push(toKeyRecord(row));
      }
      return ok(records.sort(byAge));
    },

    async signer(scope, keyId) {
      const row = await load(scope, keyId);
      return row.ok ? ok<Signer>(await signerFromMaterial(row.value, fromBase64url(row.value.publicKey)!)) : row;
    },

    async close() {
      await opening?.catch(() => undefined);
      session?.db.close();
      session = undefined;
      testedNodeKey = undefined;
    },
  };
}

async function signsForItsPublicKey(row: StoredKey): Promise<boolean> {
  try {
    const signer = await signerFromMaterial(row, fromBase64url(row.publicKey)!);
    const signature = await signer.sign(SELF_TEST_MESSAGE);
    return (await (await createVerifier()).verify(signer.publicKey, SELF_TEST_MESSAGE, signature)).valid;
  } catch {
    return false; // a stored CryptoKey the platform refuses to use is just as unusable
  }
}

async function resolveEngine(engine: Ed25519Engine | "auto"): Promise<Ed25519Engine> {
  if (engine === "noble") return "noble";
  const available = await isWebCryptoEd25519Available();
  assert(engine === "auto" || available, "WebCrypto Ed25519 is not available in this runtime");
  return available ? "webcrypto" : "noble";
}

/** Runs a key database operation; storage failures become data, anything else is a bug and throws (STYLE). */
async function storage<T>(reason: string, run: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await run());
  } catch (cause) {
    if (!isStorageFailure(cause)) throw cause;
    return err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The key store failed.", { reason, cause: cause.name }));
  }
}

function parseLabel(label: unknown): Result<string | null> {
  if (label === undefined) return ok(null);
  if (typeof label === "string" && label.length <= MAX_LABEL_LENGTH && isWellFormedText(label)) return ok(label);
  return err(nodeError("object_invalid", `A key label is text of at most ${MAX_LABEL_LENGTH} characters.`, { reason: "invalid_label" }));
}

function matches(row: StoredKey, filter: KeyListFilter): boolean {
  return (
    (filter.scope === undefined || row.scope === filter.scope) && (filter.identityId === undefined || row.identityId === filter.identityId)
  );
}

function byAge(a: KeyRecord, b: KeyRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0;
}

function scopeKeyMissing(reason: string, data: ErrorData = {}): Err {
  return err(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING", "No key with that id in that scope.", { reason, ...data }));
}

function bindingMismatch(reason: string, identityId?: IdentityId): Err {
  const data = identityId === undefined ? { reason } : { reason, identityId };
  return err(nodeError("ERR_MNG_KEY_BINDING_MISMATCH", "This node holds no identity key for that identity.", data));
}

function corruptRecord(): Err {
  return err(nodeError("ERR_MNG_STORAGE_UNAVAILABLE", "The key store holds a malformed record.", { reason: "corrupt_record" }));
}

function errorName(cause: unknown): string {
  return cause instanceof Error ? cause.name : "unknown";
}
