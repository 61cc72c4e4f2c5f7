// Restoring an identity from its recovery file (DESIGN D10, ADR 0021), node to node: on fake-indexeddb
// in Node.js and on real IndexedDB in Chromium (vitest browser mode), each restore into a database
// no test used before. Every refusal is checked to write nothing: no key, no envelope, no seq.
import { afterEach, describe, expect, it } from "vitest";
import { expectOk, NOTES_SCHEMA, testPublisher, writeNotes, type TestNode } from "./fixtures.ts";
import { fromUtf8, utf8 } from "../shared/bytes.ts";
import type { IdentityId } from "../shared/ids.ts";
import type { Result } from "../shared/result.ts";
import { createNode, type TwoWayNode } from "../node.ts";
import { manualClock } from "../shared/clock.ts";
import { testIdb, uniqueName } from "../shared/test-support/idb.ts";
import { generateRecoveryKey } from "../key/index.ts";
import { publicKeyText } from "../shared/ids.ts";
import { buildRecoveryFileText, parseRecoveryFile, sealingContext } from "../identity/index.ts";
import { testStorage } from "./test-storage.ts";

const FAST = { n: 2 ** 14, r: 8, p: 1 } as const;
const PASSPHRASE = "a long and private passphrase";
const nodes: TwoWayNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

async function freshNode(): Promise<TestNode> {
  const idb = await testIdb();
  const name = uniqueName("restore");
  const clock = manualClock();
  // The run's chosen node database (SQLite in the node-sqlite project), as startNode does.
  const storage = testStorage(name);
  const created = await createNode({ name, idb, clock, recoveryKdf: FAST, ...(storage === undefined ? {} : { storage }) });
  if (!created.ok) throw new Error(created.error.code);
  nodes.push(created.value);
  const publisher = await testPublisher();
  expectOk(await created.value.apps.install(await publisher.package(NOTES_SCHEMA)));
  return { node: created.value, idb, name, clock };
}

/** A node with an identity named Ada and three notes. */
async function original(): Promise<{ node: TwoWayNode; identityId: IdentityId }> {
  const { node } = await freshNode();
  const { identityId } = expectOk(await node.identities.create({ name: "Ada" }));
  await writeNotes(node, identityId, ["one", "two", "three"]);
  return { node, identityId };
}

function codeOf(result: Result<unknown>): string {
  return result.ok ? "ok" : `${result.error.code}/${String(result.error.data.reason)}`;
}

/** What a refused restore must leave as it was: keys, history, pending set. */
async function footprint(node: TwoWayNode): Promise<string> {
  return JSON.stringify([node.globalSeq(), expectOk(await node.identities.list()), await node.pendingCount(), await node.stubCount()]);
}

async function exported(node: TwoWayNode, identityId: IdentityId): Promise<Uint8Array> {
  return utf8(expectOk(await node.identities.exportRecovery(identityId, PASSPHRASE)).text);
}

/** One byte of the file changed, at a position inside `marker`'s first occurrence. */
function flipped(file: Uint8Array, marker: string, offset = 0): Uint8Array {
  const text = fromUtf8(file)!;
  const at = text.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  const copy = file.slice();
  const index = at + marker.length + offset;
  copy[index] = copy[index]! === 0x41 ? 0x42 : 0x41;
  return copy;
}

describe("restore from a recovery file", () => {
  it("brings the same identity back into a fresh node, with its history, writing with a new device key", async () => {
    const { node: before, identityId } = await original();
    const file = await exported(before, identityId);
    const header = JSON.parse(fromUtf8(file)!) as { recovery: Record<string, unknown> };
    expect(header.recovery).toMatchObject({
      formatVersion: 2,
      privateKeysIncluded: "recovery_key_sealed",
      identity: { identityId, name: "Ada" },
    });

    const { node: after } = await freshNode();
    // Read first, so a cache of held identities (issue 17) that missed the restore would answer [] below.
    expect(expectOk(await after.identities.held())).toEqual([]);
    const restored = expectOk(await after.identities.restore(file, PASSPHRASE, { label: "new laptop" }));
    expect(restored.identityId).toBe(identityId);
    expect(restored.imported.rejected).toBe(0);
    expect(expectOk(await after.identities.held())).toEqual([
      expect.objectContaining({ identityId, name: "Ada", scope: "device", keyId: restored.keyId }),
    ]);
    // Same data: the notes app's digest now, the whole graph once the original takes the new binding.
    expect(await after.stateDigest({ app: "app.notes" })).toEqual(await before.stateDigest({ app: "app.notes" }));
    const binding = (await after.history({ afterSeq: after.globalSeq() - 1 }))[0]!;
    expect(binding.id).toBe(restored.bindingEnvelopeId);
    expect(expectOk(await before.ingest(binding.text)).status).toBe("accepted");
    expect((await after.stateDigest()).digest).toBe((await before.stateDigest()).digest);

    // The restored device writes as Ada, and the original accepts what it writes.
    await writeNotes(after, identityId, ["four"]);
    const note = (await after.history({ afterSeq: after.globalSeq() - 1 }))[0]!;
    expect(note.authorId).toBe(identityId);
    expect(expectOk(await before.ingest(note.text)).status).toBe("accepted");
    expect((await after.stateDigest()).digest).toBe((await before.stateDigest()).digest);
  });

  it("refuses a wrong passphrase and writes nothing (ERR_RECOVERY_PASSPHRASE_WRONG)", async () => {
    const { node: before, identityId } = await original();
    const file = await exported(before, identityId);
    const { node: after } = await freshNode();
    const untouched = await footprint(after);
    expect(codeOf(await after.identities.restore(file, `${PASSPHRASE}.`))).toBe("ERR_RECOVERY_PASSPHRASE_WRONG/check_mismatch");
    expect(await footprint(after)).toBe(untouched);
  });

  it("refuses a file with one byte changed anywhere, or cut short, and writes nothing (ERR_RECOVERY_FILE_INVALID)", async () => {
    const { node: before, identityId } = await original();
    const file = await exported(before, identityId);
    const { node: after } = await freshNode();
    const untouched = await footprint(after);
    const cases: [Uint8Array, string][] = [
      [flipped(file, '"nodeName":"', 1), "signature_invalid"],
      [flipped(file, '"salt":"', 2), "signature_invalid"],
      [flipped(file, '"ciphertext":"', 5), "signature_invalid"],
      [flipped(file, '"signature":"', 3), "signature_invalid"],
      [flipped(file, '"notice":"', 0), "signature_invalid"],
      [flipped(file, '"text":"', 40), "history_mismatch"],
      [flipped(file, '"status":"', 0), "damaged"],
      [file.slice(0, file.length - 2), "not_json"],
      [file.slice(0, Math.floor(file.length / 2)), "not_json"],
      [utf8("{}"), "not_recovery_file"],
      [new Uint8Array([0xff, 0xfe, 0x00]), "not_json"],
    ];
    for (const [bytes, reason] of cases) {
      expect(codeOf(await after.identities.restore(bytes, PASSPHRASE))).toBe(`ERR_RECOVERY_FILE_INVALID/${reason}`);
    }
    expect(await footprint(after)).toBe(untouched);
  });

  it("refuses a file of another identity where one lives already, and the same file twice (ERR_RECOVERY_IDENTITY_CONFLICT)", async () => {
    const { node: before, identityId } = await original();
    const file = await exported(before, identityId);
    const { node: other } = await freshNode();
    expectOk(await other.identities.create({ name: "Bob" }));
    const bobs = await footprint(other);
    expect(codeOf(await other.identities.restore(file, PASSPHRASE))).toBe("ERR_RECOVERY_IDENTITY_CONFLICT/another_identity");
    expect(await footprint(other)).toBe(bobs);
    // Where the identity lives (its original node, or a node restored once), a replay writes nothing.
    expect(codeOf(await before.identities.restore(file, PASSPHRASE))).toBe("ERR_RECOVERY_IDENTITY_CONFLICT/already_here");
    const { node: after } = await freshNode();
    expectOk(await after.identities.restore(file, PASSPHRASE));
    const restored = await footprint(after);
    expect(codeOf(await after.identities.restore(file, PASSPHRASE))).toBe("ERR_RECOVERY_IDENTITY_CONFLICT/already_here");
    expect(await footprint(after)).toBe(restored);
  });

  it("refuses a file whose recovery key its history does not bind: a re-signed forgery binds no device (ERR_RECOVERY_FILE_INVALID)", async () => {
    // Mallory takes Ada's public history and seals a key of her own under a header she signs herself.
    const { node: ada, identityId } = await original();
    const genuine = expectOk(await parseRecoveryFile(await exported(ada, identityId)));
    const mallory = await generateRecoveryKey(FAST);
    const malloryKey = publicKeyText(mallory.publicKey);
    const sealed = expectOk(await mallory.seal(PASSPHRASE, sealingContext(identityId, malloryKey)));
    const forged = await buildRecoveryFileText(
      { ...genuine.header, recoveryKey: malloryKey, sealedKey: sealed },
      genuine.entries,
      mallory.signer,
    );
    const { node: target } = await freshNode();
    const keysBefore = expectOk(await target.identities.list());
    expect(codeOf(await target.identities.restore(utf8(forged), PASSPHRASE))).toBe("ERR_RECOVERY_FILE_INVALID/recovery_key_not_bound");
    // Ada's history is public and signed, so it may stay; no device key, no binding, no identity here.
    expect(expectOk(await target.identities.list())).toEqual(keysBefore);
    expect(expectOk(await target.identities.held())).toEqual([]);
  });

  it("refuses a passphrase too short to seal under, and binds no key (ERR_RECOVERY_PASSPHRASE_WEAK)", async () => {
    const { node, identityId } = await original();
    const untouched = await footprint(node);
    expect(codeOf(await node.identities.exportRecovery(identityId, "short"))).toBe("ERR_RECOVERY_PASSPHRASE_WEAK/too_short");
    expect(await footprint(node)).toBe(untouched);
  });

  it("refuses the format-1 file of earlier versions: it holds no key (ERR_RECOVERY_FILE_INVALID)", async () => {
    const { node } = await freshNode();
    const old = utf8(
      JSON.stringify({ recovery: { format: "twoway-recovery", formatVersion: 1, privateKeysIncluded: false }, envelopes: [] }),
    );
    expect(codeOf(await node.identities.restore(old, PASSPHRASE))).toBe("ERR_RECOVERY_FILE_INVALID/no_key_in_file");
  });

  it("supersedes the previous file: a new export revokes the old recovery key, and a device it binds later is cut off", async () => {
    const { node: ada, identityId } = await original();
    const oldFile = await exported(ada, identityId);
    const newExport = expectOk(await ada.identities.exportRecovery(identityId, PASSPHRASE));
    expect(newExport.revoked).toHaveLength(1);
    // A stale copy restored where the revocation has not arrived yet works at first…
    const { node: stale } = await freshNode();
    const restored = expectOk(await stale.identities.restore(oldFile, PASSPHRASE));
    await writeNotes(stale, identityId, ["written with the stale file"]);
    // …until the history with the revocation arrives: the cut (last_seq 0) withdraws its binding.
    const history = await ada.history({ limit: 1000 });
    for (const row of history) expect(expectOk(await stale.ingest(row.text)).status).not.toBe("pending");
    const session = await stale.openSession({ identityId, app: "app.notes", keyId: restored.keyId });
    const note = { op: "parent_create" as const, type_key: "notes.note", payload: { value: { title: "after the cut" } } };
    const refused = session.ok ? await session.value.submit({ domain: "notes", ops: [note] }) : session;
    expect(codeOf(refused)).toMatch(/^ERR_CRYPTO_KEY_(NOT_BOUND|REVOKED)\//);
    // And the new file still restores, into another fresh node.
    const { node: fresh } = await freshNode();
    expect(expectOk(await fresh.identities.restore(utf8(newExport.text), PASSPHRASE)).identityId).toBe(identityId);
  });
});

describe("device key rotation", () => {
  it("replaces a restored browser's device key: the new key writes, the old is revoked everywhere and forgotten here", async () => {
    const { node: ada, identityId } = await original();
    const { node: restoredNode } = await freshNode();
    const restored = expectOk(await restoredNode.identities.restore(await exported(ada, identityId), PASSPHRASE));
    const rotated = expectOk(await restoredNode.identities.rotateDevice(identityId, restored.keyId));
    expect(rotated.revokedKeyId).toBe(restored.keyId);
    expect(rotated.keyId).not.toBe(restored.keyId);
    const keys = expectOk(await restoredNode.identities.list()).filter((k) => k.identityId === identityId);
    expect(keys.map((k) => k.keyId)).toEqual([rotated.keyId]);
    await writeNotes(restoredNode, identityId, ["after rotation"]);
    // The original takes everything the restored browser wrote: binding, rotation, revocation, the note.
    for (const row of await restoredNode.history({ limit: 1000 })) expect(expectOk(await ada.ingest(row.text)).status).not.toBe("pending");
    expect(await ada.sync.isKeyRevoked(restored.keyId)).toBe(true);
    expect((await ada.stateDigest()).digest).toBe((await restoredNode.stateDigest()).digest);
    expect(codeOf(await restoredNode.openSession({ identityId, app: "app.notes", keyId: restored.keyId }))).toBe(
      "ERR_MNG_KEY_SCOPE_KEY_MISSING/no_key_for_identity",
    );
  });

  it("replaces a device key the root key bound, signed by the root", async () => {
    const { node, identityId } = await original();
    const device = expectOk(await node.identities.addDevice(identityId, { label: "phone" }));
    const before = node.globalSeq();
    const rotated = expectOk(await node.identities.rotateDevice(identityId, device.keyId));
    expect(node.globalSeq()).toBe(before + 2); // one binding, one revocation
    expect(await node.sync.isKeyRevoked(device.keyId)).toBe(true);
    const session = expectOk(await node.openSession({ identityId, app: "app.notes", keyId: rotated.keyId }));
    expect(
      codeOf(
        await session.submit({
          domain: "notes",
          ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "new key" } } }],
        }),
      ),
    ).toBe("ok");
  });

  it("refuses to rotate a root key, an unknown key or another identity's device, and writes nothing (ERR_MNG_KEY_SCOPE_KEY_MISSING)", async () => {
    const { node, identityId } = await original();
    const root = expectOk(await node.identities.list()).find((k) => k.scope === "identity")!;
    const { identityId: bob } = expectOk(await node.identities.create({ name: "Bob" }));
    const bobs = expectOk(await node.identities.addDevice(bob));
    const untouched = await footprint(node);
    expect(codeOf(await node.identities.rotateDevice(identityId, root.keyId))).toBe("ERR_MNG_KEY_SCOPE_KEY_MISSING/wrong_scope");
    expect(codeOf(await node.identities.rotateDevice(identityId, bobs.keyId))).toBe("ERR_MNG_KEY_SCOPE_KEY_MISSING/other_identity");
    expect(codeOf(await node.identities.rotateDevice(identityId, "A".repeat(43)))).toBe("ERR_MNG_KEY_SCOPE_KEY_MISSING/unknown_key");
    expect(await footprint(node)).toBe(untouched);
  });
});
