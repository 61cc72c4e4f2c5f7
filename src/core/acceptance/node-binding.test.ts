// ADR 0030: a node's key bound to the person it acts for, with the node key's own proof, so a peer
// whose hello proved that key is shown as the person; a binding without a valid proof, withdrawn, or
// one of two for the same key names nobody.
import { afterEach, describe, expect, it } from "vitest";
import { expectOk, meet, startNode } from "./fixtures.ts";
import { createSigner, defaultVerifier } from "../crypto/index.ts";
import { createNodeBinding, nodeBindingMessage, ownerOfNodeKey } from "../identity/index.ts";
import type { TwoWayNode } from "../node.ts";
import { toBase64url } from "../shared/bytes.ts";
import type { IdentityId } from "../shared/ids.ts";
import { ok } from "../shared/result.ts";

const nodes: TwoWayNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

async function person(name: string): Promise<{ node: TwoWayNode; identityId: IdentityId }> {
  const { node } = await startNode();
  nodes.push(node);
  return { node, identityId: expectOk(await node.identities.create({ name })).identityId };
}

describe("a node key bound to its person (ADR 0030)", () => {
  it("binds once per identity, and a peer that synced the binding names the person of that node key", async () => {
    const ann = await person("Ann");
    const ben = await person("Ben");
    expect(expectOk(await ben.node.identities.bindThisNode())).toBe(1);
    expect(expectOk(await ben.node.identities.bindThisNode())).toBe(0);
    expect(await ann.node.identities.personOfNodeKey(ben.node.sync.nodeKey)).toBeNull();
    await meet(ann.node, ben.node);
    expect(await ann.node.identities.personOfNodeKey(ben.node.sync.nodeKey)).toEqual({
      identityId: ben.identityId,
      name: "Ben",
      device: null,
    });
    // Ann never bound hers: Ben knows Ann's identity and name, but not that this node is hers.
    expect(await ben.node.identities.personOfNodeKey(ann.node.sync.nodeKey)).toBeNull();
  });

  it("a paired device binds its node key when the pairing completes, and a peer names it as the person with the device's label", async () => {
    const ada = await person("Ada");
    const cal = await person("Cal");
    const { node: phone } = await startNode();
    nodes.push(phone);
    const { code } = expectOk(await phone.identities.devices.begin({ relay: "ws://127.0.0.1:8787", room: "bind-test" }, "Phone"));
    const expected = expectOk(await ada.node.identities.devices.preview(code)).confirmCode;
    expectOk(await ada.node.identities.devices.confirm(ada.identityId, code, expected, "Phone"));
    // Before the pairing completes the phone writes as nobody: nothing to bind.
    expect(expectOk(await phone.identities.bindThisNode())).toBe(0);
    await meet(ada.node, phone);
    expect(expectOk(await phone.identities.devices.complete())).toMatchObject({ identityId: ada.identityId });
    // complete() wrote the binding (by the phone's device key); a later session finds it and writes nothing.
    expect(expectOk(await phone.identities.bindThisNode())).toBe(0);
    expect(expectOk(await ada.node.identities.bindThisNode())).toBe(1);
    await meet(ada.node, phone);
    await meet(ada.node, cal.node);
    const phoneAsSeen = { identityId: ada.identityId, name: "Ada", device: "Phone" };
    expect(await ada.node.identities.personOfNodeKey(phone.sync.nodeKey)).toEqual(phoneAsSeen);
    expect(await cal.node.identities.personOfNodeKey(phone.sync.nodeKey)).toEqual(phoneAsSeen);
    // The root-signed binding names the person alone.
    expect(await phone.identities.personOfNodeKey(ada.node.sync.nodeKey)).toEqual({
      identityId: ada.identityId,
      name: "Ada",
      device: null,
    });
  });

  it("a removed device, back after its removal is known, binds nothing with its revoked key", async () => {
    const ada = await person("Ada");
    const { node: phone } = await startNode();
    nodes.push(phone);
    const { code, deviceKey } = expectOk(await phone.identities.devices.begin({ relay: "ws://127.0.0.1:8787", room: "bind-gone" }));
    const expected = expectOk(await ada.node.identities.devices.preview(code)).confirmCode;
    expectOk(await ada.node.identities.devices.confirm(ada.identityId, code, expected));
    expectOk(await ada.node.identities.devices.remove(ada.identityId, deviceKey));
    await meet(ada.node, phone);
    // The binding and its revocation arrive together: the pairing completes, the node binds nothing.
    expectOk(await phone.identities.devices.complete());
    expect(expectOk(await phone.identities.bindThisNode())).toBe(0);
    expect(await ada.node.identities.personOfNodeKey(phone.sync.nodeKey)).toBeNull();
  });

  it("a rotated device binds its node again by its new key as the rotation completes, so a later session writes nothing", async () => {
    const ada = await person("Ada");
    const { node: phone } = await startNode();
    nodes.push(phone);
    const { code } = expectOk(await phone.identities.devices.begin({ relay: "ws://127.0.0.1:8787", room: "bind-rotate" }, "Phone"));
    const expected = expectOk(await ada.node.identities.devices.preview(code)).confirmCode;
    expectOk(await ada.node.identities.devices.confirm(ada.identityId, code, expected, "Phone"));
    await meet(ada.node, phone);
    expectOk(await phone.identities.devices.complete());
    const device = expectOk(await phone.identities.list()).find((k) => k.scope === "device");
    expect(device).toBeDefined();
    const before = phone.globalSeq();
    expectOk(await phone.identities.rotateDevice(ada.identityId, device!.keyId));
    // One device-key binding, one revocation of the old key, one node binding by the new key.
    expect(phone.globalSeq()).toBe(before + 3);
    // Left to the next session (the late write a removal later withholds from the rest of the history,
    // and until then no binding a live key signed): here it would write one.
    expect(expectOk(await phone.identities.bindThisNode())).toBe(0);
    await meet(ada.node, phone);
    expect(await ada.node.identities.personOfNodeKey(phone.sync.nodeKey)).toEqual({
      identityId: ada.identityId,
      name: "Ada",
      device: "Phone",
    });
  });

  it("a rotation on a node never bound binds nothing: the first session does", async () => {
    const { node, identityId } = await person("Ada");
    const device = expectOk(await node.identities.addDevice(identityId, { label: "phone" }));
    const before = node.globalSeq();
    expectOk(await node.identities.rotateDevice(identityId, device.keyId));
    expect(node.globalSeq()).toBe(before + 2);
    expect(expectOk(await node.identities.bindThisNode())).toBe(1);
  });

  it("a binding step that threw does not stall the ones after it (each session attach waits on them)", async () => {
    let reads = 0;
    const binding = createNodeBinding({
      clock: { now: () => 0 },
      verifier: await defaultVerifier(),
      nodeSigner: await createSigner({ seed: new Uint8Array(32).fill(9) }),
      ownIdentities: () => {
        reads += 1;
        return reads === 1 ? Promise.reject(new Error("storage went away")) : Promise.resolve(ok([]));
      },
      authorFor: () => Promise.reject(new Error("not reached")),
      submit: () => Promise.reject(new Error("not reached")),
      nodeBindings: () => Promise.resolve([]),
      identityName: () => Promise.resolve(null),
      deviceLabelOf: () => Promise.resolve(null),
      signedByRevokedKey: () => Promise.resolve(false),
      generation: () => 0,
    });
    await expect(binding.bindThisNode()).rejects.toThrow("storage went away");
    expect(expectOk(await binding.bindThisNode())).toBe(0);
    expect(reads).toBe(2);
  });

  it("two bindings racing each other write one", async () => {
    const ben = await person("Ben");
    const [a, b] = await Promise.all([ben.node.identities.bindThisNode(), ben.node.identities.bindThisNode()]);
    expect([expectOk(a), expectOk(b)].sort()).toEqual([0, 1]);
  });
});

describe("ownerOfNodeKey", () => {
  async function fixture() {
    const verifier = await defaultVerifier();
    const node = await createSigner({ seed: new Uint8Array(32).fill(7) });
    const other = await createSigner({ seed: new Uint8Array(32).fill(8) });
    const nodeKey = toBase64url(node.publicKey);
    const proofBy = async (signer: typeof node, identity: string) => toBase64url(await signer.sign(nodeBindingMessage(identity, nodeKey)));
    const row = (owner: string, proof: string, suppressed: 0 | 1 = 0, publicKey = nodeKey) => ({
      owner,
      suppressed,
      winner: { value: { public_key: publicKey, proof, created_at: "2026-12-02T07:00:00.000Z" } },
    });
    return { verifier, nodeKey, proofBy, row, node, other };
  }

  it("names the identity whose binding the node key itself signed", async () => {
    const { verifier, nodeKey, proofBy, row, node } = await fixture();
    expect(await ownerOfNodeKey([row("ben", await proofBy(node, "ben"))], nodeKey, verifier)).toBe("ben");
  });

  it("ignores a proof another key signed, a proof copied from another identity's binding, and a withdrawn binding", async () => {
    const { verifier, nodeKey, proofBy, row, node, other } = await fixture();
    expect(await ownerOfNodeKey([row("mallory", await proofBy(other, "mallory"))], nodeKey, verifier)).toBeNull();
    expect(await ownerOfNodeKey([row("mallory", await proofBy(node, "ben"))], nodeKey, verifier)).toBeNull();
    expect(await ownerOfNodeKey([row("ben", await proofBy(node, "ben"), 1)], nodeKey, verifier)).toBeNull();
    expect(await ownerOfNodeKey([row("ben", "not-a-signature")], nodeKey, verifier)).toBeNull();
    expect(await ownerOfNodeKey([row("ben", await proofBy(node, "ben"))], "not-a-key", verifier)).toBeNull();
  });

  it("names nobody when the key speaks for two identities, and skips bindings of other keys", async () => {
    const { verifier, nodeKey, proofBy, row, node, other } = await fixture();
    const both = [row("ben", await proofBy(node, "ben")), row("bea", await proofBy(node, "bea"))];
    expect(await ownerOfNodeKey(both, nodeKey, verifier)).toBeNull();
    const elsewhere = row("bea", await proofBy(node, "bea"), 0, toBase64url(other.publicKey));
    expect(await ownerOfNodeKey([row("ben", await proofBy(node, "ben")), elsewhere], nodeKey, verifier)).toBe("ben");
  });
});
