// A device key made for pairing before its identity is known (ADR 0025): it serves no identity
// until a binding names one, then moves there once, and a paired key never moves again.
import { afterEach, describe, expect, it } from "vitest";
import { identityIdFromKey } from "../shared/ids.ts";
import { testIdb, uniqueName } from "../shared/test-support/idb.ts";
import { createKeyManager, type KeyManager } from "./index.ts";

const managers: KeyManager[] = [];
afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.close();
});

async function opened(): Promise<KeyManager> {
  const manager = createKeyManager({ name: uniqueName("unpaired"), idb: await testIdb(), engine: "noble" });
  managers.push(manager);
  expect((await manager.open()).ok).toBe(true);
  return manager;
}

describe("unpaired device keys", () => {
  it("serve the id their own key would root until assigned, then the identity that bound them, and keep signing", async () => {
    const keys = await opened();
    const root = await keys.createIdentityKey({ label: "Ada" });
    const made = await keys.createUnpairedDeviceKey({ label: "Phone" });
    if (!made.ok || !root.ok) throw new Error("key creation failed");
    expect(made.value.identityId).toBe(identityIdFromKey(made.value.publicKey));
    const moved = await keys.assignDeviceKey(made.value.keyId, root.value.identityId!);
    expect(moved).toMatchObject({ ok: true, value: { keyId: made.value.keyId, identityId: root.value.identityId, label: "Phone" } });
    const listed = await keys.list({ identityId: root.value.identityId! });
    expect(listed.ok && listed.value.map((k) => k.keyId)).toEqual([root.value.keyId, made.value.keyId]);
    expect((await keys.signer("device", made.value.keyId)).ok).toBe(true);
  });

  it("refuses to move a paired key, a root key or an unknown one, and changes nothing", async () => {
    const keys = await opened();
    const ada = await keys.createIdentityKey();
    const bob = await keys.createIdentityKey();
    const made = await keys.createUnpairedDeviceKey();
    if (!made.ok || !ada.ok || !bob.ok) throw new Error("key creation failed");
    expect((await keys.assignDeviceKey(made.value.keyId, ada.value.identityId!)).ok).toBe(true);
    const again = await keys.assignDeviceKey(made.value.keyId, bob.value.identityId!);
    expect(again).toMatchObject({ ok: false, error: { code: "ERR_MNG_KEY_BINDING_MISMATCH", data: { reason: "already_assigned" } } });
    expect(await keys.get("device", made.value.keyId)).toMatchObject({ ok: true, value: { identityId: ada.value.identityId } });
    expect((await keys.assignDeviceKey(ada.value.keyId, bob.value.identityId!)).ok).toBe(false);
    expect((await keys.assignDeviceKey("no-such-key", bob.value.identityId!)).ok).toBe(false);
    expect(await keys.assignDeviceKey(made.value.keyId, "not an id" as never)).toMatchObject({
      ok: false,
      error: { data: { reason: "malformed_identity_id" } },
    });
  });
});
