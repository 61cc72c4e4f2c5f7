// Pairing a device and removing one (DESIGN D10, §4 rule 5, ADR 0025), node to node over the
// loopback link: the code, the confirm code, the binding, convergence, and removal with a cut that
// holds on a third node which saw the removed device's later writes first. Every refusal writes nothing.
import { afterEach, describe, expect, it } from "vitest";
import { ChainWriter, expectOk, meet, NOTES_SCHEMA, startNode, testPublisher, writeNotes } from "./fixtures.ts";
import { createSigner } from "../crypto/index.ts";
import type { TwoWayNode } from "../node.ts";
import { publicKeyText, type EnvelopeId, type IdentityId } from "../shared/ids.ts";
import type { Result } from "../shared/result.ts";
import { confirmCode, parsePairingCode } from "../identity/index.ts";
import { otherTestStorage } from "./test-storage.ts";

const REACH = { relay: "ws://127.0.0.1:8787", room: "pair-test" } as const;
const nodes: TwoWayNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

async function fresh(): Promise<TwoWayNode> {
  const { node } = await startNode();
  nodes.push(node);
  expectOk(await node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  return node;
}

function codeOf(result: Result<unknown>): string {
  return result.ok ? "ok" : `${result.error.code}/${String(result.error.data.reason)}`;
}

/** Ada on `first`, and a fresh browser showing its pairing code. */
async function adaAndNewDevice(): Promise<{ first: TwoWayNode; second: TwoWayNode; ada: IdentityId; code: string }> {
  const first = await fresh();
  const { identityId: ada } = expectOk(await first.identities.create({ name: "Ada" }));
  const second = await fresh();
  const { code } = expectOk(await second.identities.devices.begin(REACH, "Phone"));
  return { first, second, ada, code };
}

async function pairedPair() {
  const setup = await adaAndNewDevice();
  const { first, second, ada, code } = setup;
  const expected = expectOk(await first.identities.devices.preview(code)).confirmCode;
  expectOk(await first.identities.devices.confirm(ada, code, expected, "Phone"));
  await meet(first, second);
  expect(expectOk(await second.identities.devices.complete())).toMatchObject({ identityId: ada });
  return setup;
}

async function statuses(node: TwoWayNode): Promise<Record<string, string>> {
  return Object.fromEntries((await node.history({ limit: 1000 })).map((h) => [h.id, h.status]));
}

describe("pairing a device", () => {
  it("shows the same confirm code on both screens, binds the key, and the new device writes as the same identity", async () => {
    const { first, second, ada, code } = await adaAndNewDevice();
    // Read now, so a cache of held identities (issue 17) that missed the pairing would answer [] below.
    expect(expectOk(await second.identities.held())).toEqual([]);
    const preview = expectOk(await first.identities.devices.preview(code));
    expect(await second.identities.devices.confirmCodesFor([first.sync.nodeIdentity])).toEqual([preview.confirmCode]);
    expect(preview.confirmCode).toMatch(/^\d{6}$/);
    expect(expectOk(await second.identities.devices.status())).toMatchObject({ state: "waiting" });
    expect(codeOf(await second.identities.devices.complete())).toBe("ERR_MNG_KEY_SCOPE_KEY_MISSING/not_bound");
    expectOk(await first.identities.devices.confirm(ada, code, preview.confirmCode, "Phone"));
    await meet(first, second);
    expect(expectOk(await second.identities.devices.status())).toMatchObject({ state: "bound", identityId: ada });
    expect(expectOk(await second.identities.devices.complete())).toMatchObject({ identityId: ada });
    expect(expectOk(await second.identities.devices.status())).toEqual({ state: "idle" });
    expect(expectOk(await second.identities.held()).map((i) => i.identityId)).toEqual([ada]);
    await writeNotes(second, ada, ["from the phone"]);
    await writeNotes(first, ada, ["from the laptop"]);
    await meet(first, second);
    expect((await second.stateDigest()).digest).toBe((await first.stateDigest()).digest);
    const devices = expectOk(await first.identities.devices.list(ada));
    expect(devices.map((d) => [d.role, d.label, d.removed, d.thisDevice])).toEqual([
      ["root", null, false, true],
      ["device", "Phone", false, false],
    ]);
  });

  it("gives a relay that swaps the node another confirm code (the screens disagree)", async () => {
    const { first, second, code } = await adaAndNewDevice();
    const preview = expectOk(await first.identities.devices.preview(code));
    const relay = await fresh();
    expect(await second.identities.devices.confirmCodesFor([relay.sync.nodeIdentity])).not.toEqual([preview.confirmCode]);
    const offer = expectOk(parsePairingCode(code));
    const otherKey = publicKeyText((await createSigner({ seed: new Uint8Array(32).fill(7), engine: "noble" })).publicKey);
    expect(confirmCode({ ...offer, deviceKey: otherKey }, first.sync.nodeIdentity)).not.toBe(preview.confirmCode);
  });

  it("refuses a wrong confirm code and writes nothing; three wrong codes spend the pairing code (ERR_PAIRING_CONFIRM_MISMATCH)", async () => {
    const { first, ada, code } = await adaAndNewDevice();
    const right = expectOk(await first.identities.devices.preview(code)).confirmCode;
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    const seq = first.globalSeq();
    expect(codeOf(await first.identities.devices.confirm(ada, code, wrong))).toBe("ERR_PAIRING_CONFIRM_MISMATCH/mismatch");
    expect(codeOf(await first.identities.devices.confirm(ada, code, "not digits"))).toBe("ERR_PAIRING_CONFIRM_MISMATCH/mismatch");
    expect(codeOf(await first.identities.devices.confirm(ada, code, wrong))).toBe("ERR_PAIRING_CONFIRM_MISMATCH/attempts_exhausted");
    expect(codeOf(await first.identities.devices.confirm(ada, code, right))).toBe("ERR_PAIRING_SECRET_USED/secret_spent");
    expect(first.globalSeq()).toBe(seq);
  });

  it("refuses a pairing code used already, here and on another device of the identity (ERR_PAIRING_SECRET_USED)", async () => {
    const { first, second, ada, code } = await pairedPair();
    const expected = await second.identities.devices.confirmCodesFor([first.sync.nodeIdentity]);
    expect(expected).toEqual([]); // paired: the new device shows no code any more
    expect(codeOf(await first.identities.devices.preview(code))).toBe("ERR_PAIRING_SECRET_USED/secret_spent");
    expect(codeOf(await first.identities.devices.confirm(ada, code, "000000"))).toBe("ERR_PAIRING_SECRET_USED/secret_spent");
    // The new device now holds the identity: the code it showed binds nothing more there either.
    expect(codeOf(await second.identities.devices.preview(code))).toBe("ERR_PAIRING_SECRET_USED/key_bound");
    expect(codeOf(await second.identities.devices.begin(REACH))).toBe("ERR_RECOVERY_IDENTITY_CONFLICT/already_here");
  });

  it("refuses a damaged or foreign pairing code, and a browser's own code (ERR_PAIRING_CODE_INVALID)", async () => {
    const { first, second, code } = await adaAndNewDevice();
    expect(codeOf(await first.identities.devices.preview("2way-pair:@@@"))).toBe("ERR_PAIRING_CODE_INVALID/encoding");
    expect(codeOf(await first.identities.devices.preview("hello"))).toBe("ERR_PAIRING_CODE_INVALID/prefix");
    expect(codeOf(await first.identities.devices.preview(`${code.slice(0, -6)}AAAAAA`))).toMatch(/^ERR_PAIRING_CODE_INVALID\//);
    expect(codeOf(await second.identities.devices.preview(code))).toBe("ERR_PAIRING_CODE_INVALID/own_code");
  });

  // The held-identity cache (issue 17) moves with the key store and with system commits. Here only a
  // system commit changes the answer: the phone keeps its device key, its history is gone, and Ada's
  // genesis and binding come back by sync with the key store untouched.
  it.skipIf(otherTestStorage())(
    "holds the identity again when its genesis comes back by sync, with no change to the key store",
    async () => {
      const first = await fresh();
      const { identityId: ada } = expectOk(await first.identities.create({ name: "Ada" }));
      const phone = await startNode();
      nodes.push(phone.node);
      expectOk(await phone.node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
      const { code } = expectOk(await phone.node.identities.devices.begin(REACH, "Phone"));
      const expected = expectOk(await first.identities.devices.preview(code)).confirmCode;
      expectOk(await first.identities.devices.confirm(ada, code, expected, "Phone"));
      await meet(first, phone.node);
      expectOk(await phone.node.identities.devices.complete());
      await phone.node.stop();
      nodes.splice(nodes.indexOf(phone.node), 1);
      await new Promise<void>((resolve, reject) => {
        const request = phone.idb.indexedDB.deleteDatabase(`twoway-node-${phone.name}`);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(new Error(String(request.error)));
      });

      const again = await startNode({ idb: phone.idb, name: phone.name });
      nodes.push(again.node);
      // Read first, so a cache keyed on the key store alone would keep answering [] below.
      expect(expectOk(await again.node.identities.held())).toEqual([]);
      const keys = expectOk(await again.node.identities.list());
      await meet(first, again.node);
      expect(expectOk(await again.node.identities.list())).toEqual(keys);
      expect(expectOk(await again.node.identities.held())).toEqual([
        expect.objectContaining({ identityId: ada, name: "Ada", scope: "device" }),
      ]);
    },
  );
});

describe("who may bind and revoke a device key", () => {
  /** Ada and Bob written by hand: roots, and device keys bound by them (Ada's limited to app.notes). */
  async function handWritten() {
    const node = await fresh();
    const ada = await ChainWriter.create(41);
    const bob = await ChainWriter.create(42, ada.book);
    const adaGenesis = await ada.genesis("Ada");
    const bobGenesis = await bob.genesis("Bob");
    const key = async (seed: number) => createSigner({ seed: new Uint8Array(32).fill(seed), engine: "noble" });
    const [adaNotesKey, bobDeviceKey, adaPhoneKey] = [await key(51), await key(52), await key(53)];
    const bind = (writer: ChainWriter, genesis: EnvelopeId, publicKey: Uint8Array, extra: Record<string, unknown> = {}) =>
      writer.write({
        app: "system",
        domain: "identity",
        ops: [
          {
            op: "attr_create",
            type_key: "system.device_key",
            payload: {
              parent_id: `${genesis}:0`,
              value: { public_key: publicKeyText(publicKey), created_at: "2026-11-21T10:00:00.000Z", ...extra },
            },
          },
        ],
      });
    const notesBinding = await bind(ada, adaGenesis.id, adaNotesKey.publicKey, { apps: ["app.notes"] });
    const phoneBinding = await bind(ada, adaGenesis.id, adaPhoneKey.publicKey);
    const bobBinding = await bind(bob, bobGenesis.id, bobDeviceKey.publicKey);
    for (const e of [adaGenesis, bobGenesis, notesBinding, phoneBinding, bobBinding])
      expect(expectOk(await node.ingest(e.text)).status).toBe("accepted");
    return {
      node,
      ada,
      bob,
      adaGenesis,
      bind,
      adaPhoneKey,
      adaNotes: new ChainWriter(adaNotesKey, ada.authorId, ada.book, notesBinding.id),
      bobDevice: new ChainWriter(bobDeviceKey, bob.authorId, ada.book, bobBinding.id),
      unbound: new ChainWriter(await key(54), ada.authorId, ada.book),
    };
  }

  it("refuses a binding by a key not allowed to bind: another identity's, a key delegated elsewhere, an unbound one", async () => {
    const w = await handWritten();
    const newKey = (await createSigner({ seed: new Uint8Array(32).fill(60), engine: "noble" })).publicKey;
    const seq = w.node.globalSeq();
    const byBob = await w.bind(w.bob, w.adaGenesis.id, newKey);
    expect(codeOf(await w.node.ingest(byBob.text))).toBe("ERR_AUTH_NOT_OWNER/not_owner");
    const byNotesKey = await w.bind(w.adaNotes, w.adaGenesis.id, newKey);
    expect(codeOf(await w.node.ingest(byNotesKey.text))).toBe("ERR_AUTH_SCOPE_EXCEEDED/key_scope");
    const byUnbound = await w.bind(w.unbound, w.adaGenesis.id, newKey);
    expect(codeOf(await w.node.ingest(byUnbound.text))).toBe("ERR_CRYPTO_KEY_NOT_BOUND/binding_not_in_deps");
    expect(w.node.globalSeq()).toBe(seq);
  });

  it("refuses a revocation of Ada's device by a device of another identity (ERR_AUTH_NOT_OWNER, not_revoker)", async () => {
    const w = await handWritten();
    const target = publicKeyText(w.adaPhoneKey.publicKey);
    const revocation = await w.bobDevice.write({
      app: "system",
      domain: "revocations",
      ops: [
        {
          op: "parent_create",
          type_key: "system.revocation",
          payload: { value: { kind: "key", target, cuts: [{ key: target, last_seq: 0 }] } },
        },
      ],
    });
    const seq = w.node.globalSeq();
    expect(codeOf(await w.node.ingest(revocation.text))).toBe("ERR_AUTH_NOT_OWNER/not_revoker");
    expect(w.node.globalSeq()).toBe(seq);
    expect(await w.node.sync.isKeyRevoked(target)).toBe(false);
  });
});

describe("removing a device", () => {
  it("cuts the device off: its later writes are invalid on every node, also one that saw them before the revocation", async () => {
    const { first, second, ada } = await pairedPair();
    await writeNotes(second, ada, ["kept 1", "kept 2"]);
    await meet(first, second);
    const phone = expectOk(await first.identities.devices.list(ada)).find((d) => !d.thisDevice)!;
    const removal = expectOk(await first.identities.devices.remove(ada, phone.publicKey));
    expect(removal.lastSeq).toBe(phone.lastSeq);
    // The phone is offline and does not know yet: it writes on.
    await writeNotes(second, ada, ["late 1", "late 2"]);
    const phoneHistory = await second.history({ limit: 1000 });
    const late = phoneHistory.filter((h) => h.app === "app.notes").slice(-2);
    const kept = phoneHistory.filter((h) => h.app === "app.notes").slice(0, 2);
    // A third node gets the phone's history first (late writes accepted), then the revocation.
    const third = await fresh();
    for (const row of phoneHistory) expect(codeOf(await third.ingest(row.text))).toBe("ok");
    expect([...late, ...kept].map((h) => h.status)).toEqual(["accepted", "accepted", "accepted", "accepted"]);
    await meet(first, third);
    await meet(first, second);
    for (const node of [first, second, third]) {
      const status = await statuses(node);
      expect(late.map((h) => status[h.id])).toEqual(["suppressed", "suppressed"]);
      expect(kept.map((h) => status[h.id])).toEqual(["accepted", "accepted"]);
    }
    expect((await third.stateDigest()).digest).toBe((await first.stateDigest()).digest);
    expect((await second.stateDigest()).digest).toBe((await first.stateDigest()).digest);
    // Back online, the removed device knows it and is refused when it writes.
    const own = expectOk(await second.identities.devices.list(ada)).find((d) => d.thisDevice)!;
    expect(own.removed).toBe(true);
    const session = expectOk(await second.openSession({ identityId: ada, app: "app.notes" }));
    const refused = await session.submit({
      domain: "notes",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "after" } } }],
    });
    expect(codeOf(refused)).toBe("ERR_CRYPTO_KEY_REVOKED/key_revoked");
  });

  it("refuses to remove this device, a key that is not a device of the identity, and a device removed already", async () => {
    const { first, ada } = await pairedPair();
    const devices = expectOk(await first.identities.devices.list(ada));
    const here = devices.find((d) => d.thisDevice)!;
    const phone = devices.find((d) => !d.thisDevice)!;
    expect(codeOf(await first.identities.devices.remove(ada, here.publicKey))).toBe("ERR_MNG_KEY_SCOPE_KEY_MISSING/this_device");
    expect(codeOf(await first.identities.devices.remove(ada, first.sync.nodeKey))).toBe("ERR_MNG_KEY_SCOPE_KEY_MISSING/not_a_device");
    expectOk(await first.identities.devices.remove(ada, phone.publicKey));
    const seq = first.globalSeq();
    expect(codeOf(await first.identities.devices.remove(ada, phone.publicKey))).toBe("ERR_DEVICE_REVOKED/already_removed");
    expect(first.globalSeq()).toBe(seq);
  });
});
