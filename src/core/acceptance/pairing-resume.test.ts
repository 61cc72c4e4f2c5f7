// A pairing survives a reload and ends when its code expires (ADR 0031): the new device's code and key,
// and the existing device's count of wrong tries and spent secrets, come back after the node is
// reopened on the same storage; a code past its ten minutes is refused (ERR_PAIRING_CODE_EXPIRED), and
// one with no relay at all (an invite offer) pairs the same way.
import { afterEach, describe, expect, it } from "vitest";
import { expectOk, meet, NOTES_SCHEMA, startNode, testPublisher, writeNotes, type TestNode } from "./fixtures.ts";
import type { TwoWayNode } from "../node.ts";
import { manualClock } from "../shared/clock.ts";
import type { Result } from "../shared/result.ts";
import { encodePairingCode, parsePairingCode, PAIRING_CODE_LIFETIME_MS } from "../identity/index.ts";

const REACH = { relay: "ws://127.0.0.1:8787", room: "pair-resume" } as const;
/** The shape of an invite offer code (peering/invite-code.ts); the node only carries it. */
const INVITE = { invite: "twoway1.o.q1ZKzs_PS0ktUrJSSkvLTM4sSlWyUsrKzEvPL0pV0lEqKMrPT0lVslIqLU4tUqoFAA" } as const;
const running: TwoWayNode[] = [];
afterEach(async () => {
  for (const node of running.splice(0)) await node.stop();
});

async function fresh(clock = manualClock()): Promise<TestNode> {
  const started = await startNode({ clock });
  running.push(started.node);
  expectOk(await started.node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  return started;
}

/** The same browser after a reload: the node stops and starts again on its own storage. */
async function reopen(t: TestNode): Promise<TestNode> {
  await t.node.stop();
  running.splice(running.indexOf(t.node), 1);
  const again = await startNode({ idb: t.idb, name: t.name, clock: t.clock });
  running.push(again.node);
  return again;
}

function codeOf(result: Result<unknown>): string {
  return result.ok ? "ok" : `${result.error.code}/${String(result.error.data.reason)}`;
}

function wrongFor(right: string): string {
  return String((Number(right) + 1) % 1_000_000).padStart(6, "0");
}

async function adaAndNewDevice() {
  const clock = manualClock();
  const laptop = await fresh(clock);
  const { identityId: ada } = expectOk(await laptop.node.identities.create({ name: "Ada" }));
  const phone = await fresh(clock);
  const { code, deviceKey } = expectOk(await phone.node.identities.devices.begin(REACH, "Phone"));
  return { clock, laptop, phone, ada, code, deviceKey };
}

describe("a pairing across a reload", () => {
  it("resumes on the new device: the same code, key and secret, and the binding completes it", async () => {
    const { laptop, phone: before, ada, code, deviceKey } = await adaAndNewDevice();
    const phone = await reopen(before);
    const status = expectOk(await phone.node.identities.devices.status());
    expect(status).toMatchObject({ state: "waiting", code });
    // Asking again (the screen after a reload) gives the same code, not a new key.
    expect(expectOk(await phone.node.identities.devices.begin(REACH, "Phone"))).toEqual({ code, deviceKey });
    expect(await phone.node.identities.devices.confirmCodesFor([laptop.node.sync.nodeIdentity])).toEqual([
      expectOk(await laptop.node.identities.devices.preview(code)).confirmCode,
    ]);
    const expected = expectOk(await laptop.node.identities.devices.preview(code)).confirmCode;
    expectOk(await laptop.node.identities.devices.confirm(ada, code, expected, "Phone"));
    await meet(laptop.node, phone.node);
    expect(expectOk(await phone.node.identities.devices.complete())).toMatchObject({ identityId: ada, keyId: deviceKey });
    await writeNotes(phone.node, ada, ["after the reload"]);
    await meet(laptop.node, phone.node);
    expect((await phone.node.stateDigest()).digest).toBe((await laptop.node.stateDigest()).digest);
    // Paired, the reopened phone holds no pairing any more.
    expect(expectOk(await (await reopen(phone)).node.identities.devices.status())).toEqual({ state: "idle" });
  });

  it("resumes on the existing device: the code being confirmed comes back, and its wrong tries count on", async () => {
    const { laptop: before, ada, code } = await adaAndNewDevice();
    const right = expectOk(await before.node.identities.devices.preview(code)).confirmCode;
    expect(codeOf(await before.node.identities.devices.confirm(ada, code, wrongFor(right)))).toBe("ERR_PAIRING_CONFIRM_MISMATCH/mismatch");
    expect(codeOf(await before.node.identities.devices.confirm(ada, code, wrongFor(right)))).toBe("ERR_PAIRING_CONFIRM_MISMATCH/mismatch");
    const laptop = await reopen(before);
    expect(expectOk(await laptop.node.identities.devices.status())).toMatchObject({ state: "confirming", code, confirmCode: right });
    const seq = laptop.node.globalSeq();
    // A restart gives a guesser no fresh tries: the third wrong one spends the code.
    expect(codeOf(await laptop.node.identities.devices.confirm(ada, code, wrongFor(right)))).toBe(
      "ERR_PAIRING_CONFIRM_MISMATCH/attempts_exhausted",
    );
    const again = await reopen(laptop);
    expect(codeOf(await again.node.identities.devices.confirm(ada, code, right))).toBe("ERR_PAIRING_SECRET_USED/secret_spent");
    expect(expectOk(await again.node.identities.devices.status())).toEqual({ state: "idle" });
    expect(again.node.globalSeq()).toBe(seq);
  });

  it("refuses a replayed secret after a restart, also in a code with another reach (ERR_PAIRING_SECRET_USED)", async () => {
    const { laptop: before, phone, ada, code } = await adaAndNewDevice();
    const right = expectOk(await before.node.identities.devices.preview(code)).confirmCode;
    expectOk(await before.node.identities.devices.confirm(ada, code, right));
    const laptop = await reopen(before);
    expect(codeOf(await laptop.node.identities.devices.confirm(ada, code, right))).toBe("ERR_PAIRING_SECRET_USED/secret_spent");
    // The same secret in a new code (the phone after a reload, met by invite): spent all the same.
    const moved = expectOk(await phone.node.identities.devices.begin(INVITE));
    expect(moved.code).not.toBe(code);
    expect(codeOf(await laptop.node.identities.devices.preview(moved.code))).toBe("ERR_PAIRING_SECRET_USED/secret_spent");
  });

  it("can be given up on either side: the new device forgets its key and code, the existing one the code it read", async () => {
    const { laptop, phone, code, deviceKey } = await adaAndNewDevice();
    expectOk(await laptop.node.identities.devices.preview(code));
    expectOk(await laptop.node.identities.devices.cancel());
    expect(expectOk(await (await reopen(laptop)).node.identities.devices.status())).toEqual({ state: "idle" });
    expectOk(await phone.node.identities.devices.cancel());
    expect(expectOk(await phone.node.identities.devices.status())).toEqual({ state: "idle" });
    const next = expectOk(await phone.node.identities.devices.begin(REACH));
    expect(next.deviceKey).not.toBe(deviceKey);
  });
});

describe("a pairing code's ten minutes", () => {
  it("refuses an expired code on the existing device and writes nothing (ERR_PAIRING_CODE_EXPIRED)", async () => {
    const { clock, laptop, phone, ada, code, deviceKey } = await adaAndNewDevice();
    const right = expectOk(await laptop.node.identities.devices.preview(code)).confirmCode;
    clock.advance(PAIRING_CODE_LIFETIME_MS + 1);
    const seq = laptop.node.globalSeq();
    expect(codeOf(await laptop.node.identities.devices.preview(code))).toBe("ERR_PAIRING_CODE_EXPIRED/expired");
    expect(codeOf(await laptop.node.identities.devices.confirm(ada, code, right))).toBe("ERR_PAIRING_CODE_EXPIRED/expired");
    expect(laptop.node.globalSeq()).toBe(seq);
    expect(expectOk(await laptop.node.identities.devices.status())).toEqual({ state: "idle" });
    // The new device says so, and its next code is a new key with a new secret.
    expect(expectOk(await phone.node.identities.devices.status())).toEqual({ state: "expired" });
    const next = expectOk(await phone.node.identities.devices.begin(REACH));
    expect(next.deviceKey).not.toBe(deviceKey);
    expect(expectOk(parsePairingCode(next.code)).secret).not.toBe(expectOk(parsePairingCode(code)).secret);
  });

  it("refuses a code that claims to live longer than any code does (ERR_PAIRING_CODE_INVALID, expiry_too_far)", async () => {
    const { clock, laptop, code } = await adaAndNewDevice();
    const offer = expectOk(parsePairingCode(code));
    const forever = encodePairingCode({ ...offer, expiresAt: clock.now() + 24 * 3_600_000 });
    expect(codeOf(await laptop.node.identities.devices.preview(forever))).toBe("ERR_PAIRING_CODE_INVALID/expiry_too_far");
  });
});

describe("pairing with no relay", () => {
  it("carries an invite offer in the code and pairs as by a room", async () => {
    const clock = manualClock();
    const laptop = await fresh(clock);
    const { identityId: ada } = expectOk(await laptop.node.identities.create({ name: "Ada" }));
    const phone = await fresh(clock);
    const { code } = expectOk(await phone.node.identities.devices.begin(INVITE, "Phone"));
    const preview = expectOk(await laptop.node.identities.devices.preview(code));
    expect(preview.offer.reach).toEqual(INVITE);
    expectOk(await laptop.node.identities.devices.confirm(ada, code, preview.confirmCode));
    await meet(laptop.node, phone.node);
    expect(expectOk(await phone.node.identities.devices.complete())).toMatchObject({ identityId: ada });
  });

  it("refuses a code whose reach is neither a relay room nor an invite offer (ERR_PAIRING_CODE_INVALID, reach)", async () => {
    const { laptop, code } = await adaAndNewDevice();
    const offer = expectOk(parsePairingCode(code));
    for (const reach of [
      { invite: "not an invite" },
      { relay: "http://127.0.0.1", room: "r" },
      { invite: `twoway1.o.${"A".repeat(3000)}` },
    ])
      expect(codeOf(await laptop.node.identities.devices.preview(encodePairingCode({ ...offer, reach })))).toBe(
        "ERR_PAIRING_CODE_INVALID/reach",
      );
  });
});
