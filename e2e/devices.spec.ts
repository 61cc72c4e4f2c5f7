// One person, two devices (DESIGN D10, ADR 0025, ADR 0031), in separate Chromium processes on loopback:
// the new browser shows a pairing code, the first reads it, and each reloads mid-pairing and comes back
// to it; both screens show one confirm code, a wrong typed code is refused, the right one binds the
// key; both write and converge. The second replaces its key by the Devices page: a copy of its old
// profile (the old key) writes on, and those writes are refused, while both converge. Then the first
// removes the second while it is away: its later writes are refused everywhere, by a third node that
// took them before the revocation too, and the removed browser says so when it is back. A second
// journey pairs with no relay at all: the invite offer rides in the pairing code, an answer comes back.
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import type { Page } from "playwright-core";
import { parsePairingCode } from "../src/core/identity/index.ts";
import { startRelay, type Relay } from "../signal/relay-server.ts";
import type { E2eCase, E2eContext, LaunchedPage } from "./support/harness.ts";
import { watchPageErrors } from "./support/harness.ts";
import { checkEveryView } from "./support/layout.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, nodeCall, nodeValue, until } from "./support/shell.ts";

/** Every width (320–1280) and scheme: no sideways scroll, no serious axe finding, a screenshot each; back to 1280 light. */
async function shots(ctx: E2eContext, page: Page, name: string): Promise<void> {
  await checkEveryView(ctx, page, name);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: "light" });
}

async function statusOf(page: Page): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for (let after = 0; ;) {
    const pageOf = await nodeValue(page, "exportEnvelopes", { afterSeq: after, limit: 1000 });
    for (const e of pageOf.envelopes as { id: string; status: string }[]) statuses.set(e.id, e.status);
    if (pageOf.nextAfterSeq === null) return statuses;
    after = pageOf.nextAfterSeq as number;
  }
}

async function allTexts(page: Page): Promise<string[]> {
  return [...(await nodeValue(page, "exportEnvelopes", { limit: 1000 })).envelopes].map((e: { text: string }) => e.text);
}

/** Leaves the room and drops every link, then waits until neither node has a live session. */
async function apart(a: Page, b: Page): Promise<void> {
  await a.evaluate(() => {
    window.twoway!.peering.leaveRoom();
    for (const link of window.twoway!.peering.links()) window.twoway!.peering.dropLink(link.id);
  });
  for (const page of [a, b])
    await until(
      page,
      async () => (await nodeValue(page, "syncOverview")).peers as { state: string }[],
      (peers) => peers.every((p) => p.state === "closed"),
      "sessions closed",
    );
}

async function digestsMatch(a: Page, b: Page, what: string): Promise<string> {
  const pair = await until(
    a,
    async (): Promise<[string, string]> => [(await nodeValue(a, "stateDigest")).digest, (await nodeValue(b, "stateDigest")).digest],
    ([da, db]) => da === db,
    what,
  );
  return pair[0];
}

/** The new device's first screen: its name and how the two meet; returns the pairing code it shows. */
async function showPairingCode(phone: Page, way: { relay: string } | "invite"): Promise<string> {
  await phone.getByTestId("welcome-pair").click();
  await phone.getByTestId("pairing-label").fill("Phone");
  if (way === "invite") await phone.getByTestId("pairing-way-invite").check();
  else await phone.getByTestId("pairing-relay").fill(way.relay);
  await phone.getByTestId("pairing-begin").click();
  return shownCode(phone);
}

async function shownCode(phone: Page): Promise<string> {
  await phone.locator('[data-testid="pairing-qr"] svg, [data-testid="error-notice"]').first().waitFor({ timeout: 20_000 });
  const failed = phone.getByTestId("error-notice");
  if ((await failed.count()) > 0) throw new Error(`pairing code refused: ${await failed.innerText()}`);
  return phone.getByTestId("pairing-code").inputValue();
}

/** The existing device types the new screen's code; a wrong one first, refused, writing nothing. */
async function confirmOnLaptop(ctx: E2eContext, laptop: Page, phone: Page, code: string): Promise<void> {
  const expected = await laptop.getByTestId("pair-expected-code").getAttribute("data-code", { timeout: 20_000 });
  const shown = await phone.getByTestId("pairing-confirm-code").getAttribute("data-code", { timeout: 45_000 });
  assert.equal(shown, expected, "both screens show one confirm code");
  await shots(ctx, phone, "devices-pairing-confirm-new");

  const wrong = String((Number(expected) + 1) % 1_000_000).padStart(6, "0");
  const seq = (await nodeValue(laptop, "stateDigest")).globalSeq as number;
  await laptop.getByTestId("pair-confirm-input").fill(wrong);
  await laptop.getByTestId("pair-confirm").click();
  await laptop.locator('[data-testid="error-notice"][data-code="ERR_PAIRING_CONFIRM_MISMATCH"]').waitFor({ timeout: 10_000 });
  assert.equal((await nodeValue(laptop, "stateDigest")).globalSeq, seq, "a wrong confirm code writes nothing");
  await laptop.getByTestId("pair-confirm-input").fill(shown!);
  await laptop.getByTestId("pair-label").fill("Phone");
  await shots(ctx, laptop, "devices-pairing-confirm-existing");
  await laptop.getByTestId("pair-confirm").click();
  await laptop.getByTestId("pair-added").waitFor({ timeout: 20_000 });
  // The binding syncs to the phone, which then opens the shell as Ada.
  await phone.getByTestId("home").waitFor({ timeout: 45_000 });
  // The spent code is refused if it comes again.
  const replay = await nodeCall(laptop, "pairingConfirm", { code, confirmCode: shown });
  assert.equal(replay.ok ? "ok" : replay.error.code, "ERR_PAIRING_SECRET_USED");
}

/** Through a relay room, each browser reloaded mid-pairing: both come back to the same pairing. */
async function pair(ctx: E2eContext, relay: Relay, laptop: Page, phone: Page): Promise<void> {
  const code = await showPairingCode(phone, { relay: relay.url });
  await shots(ctx, phone, "devices-pairing-code");
  await phone.reload();
  assert.equal(await shownCode(phone), code, "a reload of the new device shows the same code");

  await laptop.getByTestId("nav-devices").click();
  await laptop.getByTestId("pair-code-input").fill(code);
  await laptop.getByTestId("pair-read").click();
  await laptop.getByTestId("pair-expected-code").waitFor({ timeout: 20_000 });
  await laptop.reload();
  await laptop.getByTestId("pair-expected-code").waitFor({ timeout: 20_000 });
  await confirmOnLaptop(ctx, laptop, phone, code);
}

async function assertSameIdentity(laptop: Page, phone: Page, what: string): Promise<void> {
  const [ada] = (await nodeValue(laptop, "listIdentities")) as { identityId: string }[];
  const [onPhone] = (await nodeValue(phone, "listIdentities")) as { identityId: string }[];
  assert.equal(onPhone?.identityId, ada?.identityId, what);
}

/** The phone is the laptop's identity; each writes a contact; both reach one state digest. */
async function sameIdentityBothWrite(laptop: Page, phone: Page, what: string): Promise<void> {
  await assertSameIdentity(laptop, phone, "the phone is the same identity");
  await nodeValue(laptop, "submit", addContactOps("fromlaptop"));
  await nodeValue(phone, "submit", addContactOps("fromphone"));
  await digestsMatch(laptop, phone, what);
}

/** The device key this browser writes with (not the root). */
async function writingKey(page: Page): Promise<string | undefined> {
  const listed = await nodeValue(page, "listDevices");
  return (listed.devices as { publicKey: string; role: string; thisDevice: boolean; removed: boolean }[]).find(
    (d) => d.thisDevice && d.role === "device" && !d.removed,
  )?.publicKey;
}

async function isRemovedOn(page: Page, publicKey: string): Promise<boolean> {
  const listed = await nodeValue(page, "listDevices");
  return (listed.devices as { publicKey: string; removed: boolean }[]).some((d) => d.publicKey === publicKey && d.removed);
}

/**
 * The phone replaces its key from the Devices page. Beforehand its profile is copied, closed: the copy
 * holds the old key, as a stolen disk would. What the copy writes afterwards is refused on the laptop
 * and the phone; the phone, as the same identity with its new key, converges with the laptop.
 */
async function rotate(
  ctx: E2eContext,
  launched: LaunchedPage,
  laptop: Page,
  room: { url: string; room: string },
): Promise<{ phone: LaunchedPage; copyDir: string }> {
  const oldKey = await writingKey(launched.page);
  assert.ok(oldKey !== undefined, "the phone writes with a device key");
  await launched.close();
  const copyDir = ctx.profileDir();
  cpSync(launched.profileDir, copyDir, { recursive: true });
  const again = await ctx.launch({ profileDir: launched.profileDir, webrtc: true });
  const phone = again.page;
  await phone.goto(ctx.baseUrl);
  await phone.getByTestId("home").waitFor({ timeout: 20_000 });
  await phone.evaluate((r) => window.twoway!.peering.joinRoom(r.url, r.room), room);

  await phone.getByTestId("nav-devices").click();
  await phone.locator('[data-testid="device-row"][data-this="true"] [data-testid="device-rotate"]').click();
  await shots(ctx, phone, "devices-rotate-ask");
  await phone.getByTestId("device-rotate-confirm").click();
  const newKey = await until(
    phone,
    () => writingKey(phone),
    (key) => key !== undefined && key !== oldKey,
    "the phone's new key",
  );
  await until(
    laptop,
    () => isRemovedOn(laptop, oldKey),
    (removed) => removed,
    "the old key revoked on the laptop",
  );
  await assertSameIdentity(laptop, phone, "the phone is still Ada");
  const written = await nodeValue(phone, "submit", addContactOps("afterrotation"));
  assert.equal(written.status, "accepted");
  const texts = new Map(
    (await nodeValue(phone, "exportEnvelopes", { limit: 1000 })).envelopes.map((e: { id: string; text: string }) => [e.id, e.text]),
  );
  assert.equal(JSON.parse(texts.get(written.envelopeId) as string).author_key, newKey, "the phone now signs with its new key");
  await digestsMatch(laptop, phone, "the rotated phone and the laptop converge");
  await shots(ctx, phone, "devices-rotated");

  return { phone: again, copyDir };
}

/**
 * The copy of the phone's old profile, offline, writes with the old key: it does not know the key was
 * replaced. The laptop refuses that write (stored suppressed) and so does the phone once it syncs, and
 * the two converge. Its first write forks the old key at the seq of the rotation's binding (DESIGN §3),
 * which withdraws that binding too (ADR 0031 limits), so this comes after the phone's own journey.
 */
async function oldKeyWritesLate(ctx: E2eContext, copyDir: string, laptop: Page, phone: Page): Promise<void> {
  const copy = await ctx.launch({ profileDir: copyDir });
  await copy.page.goto(ctx.baseUrl);
  await copy.page.getByTestId("home").waitFor({ timeout: 20_000 });
  const before = new Set((await statusOf(copy.page)).keys());
  assert.equal((await nodeValue(copy.page, "submit", addContactOps("oldkeylate"))).status, "accepted");
  const stale = [...(await statusOf(copy.page)).keys()].filter((id) => !before.has(id));
  assert.equal(stale.length, 1);
  await nodeValue(laptop, "importEnvelopes", { envelopes: await allTexts(copy.page) });
  await copy.close();
  const onLaptop = await statusOf(laptop);
  assert.deepEqual(
    stale.map((id) => onLaptop.get(id)),
    ["suppressed"],
    "the laptop refuses the old key's later write",
  );
  await until(
    phone,
    () => statusOf(phone),
    (s) => stale.every((id) => s.get(id) === "suppressed"),
    "the old key's write refused on the phone",
  );
  await digestsMatch(laptop, phone, "laptop and phone converge after the old key's write");
}

/**
 * ADR 0030: the phone bound its node key when its pairing completed, so the laptop's Peers page titles
 * the live session as the person first, then the device ("Ada (Phone)"); the phone sees the laptop as Ada.
 */
async function peersShowThePerson(ctx: E2eContext, laptop: Page, phone: Page): Promise<void> {
  for (const page of [laptop, phone]) {
    await page.getByTestId("nav-peers").click();
    await page.getByTestId("peers-page").waitFor();
  }
  const live = '[data-testid="peer-row"][data-state="live"] [data-testid="peer-name"][data-shown-as="person"]';
  await laptop.locator(live, { hasText: /^Ada \(Phone\)$/ }).waitFor({ timeout: 45_000 });
  await phone.locator(live, { hasText: /^Ada$/ }).waitFor({ timeout: 45_000 });
  await shots(ctx, laptop, "devices-peers-second-device");
  await laptop.getByTestId("nav-devices").click();
  await phone.getByTestId("nav-home").click();
}

export const cases: E2eCase[] = [
  {
    name: "pair a second browser by its confirm code, converge, remove it: its later writes are refused everywhere",
    timeoutMs: 480_000,
    async run(ctx) {
      const relay = await startRelay({ host: "127.0.0.1", port: 0 });
      try {
        const { page: laptop } = await ctx.launch({ webrtc: true });
        const phoneLaunch = await ctx.launch({ profileDir: ctx.profileDir(), webrtc: true });
        let phone = phoneLaunch.page;
        const errors = [...watchPageErrors(laptop), ...watchPageErrors(phone)];
        await laptop.goto(ctx.baseUrl);
        await createIdentityThroughUi(laptop, "Ada");
        await phone.goto(ctx.baseUrl);
        await phone.getByTestId("welcome").waitFor({ timeout: 20_000 });
        await pair(ctx, relay, laptop, phone);

        await sameIdentityBothWrite(laptop, phone, "paired browsers converge");
        await peersShowThePerson(ctx, laptop, phone);

        await laptop.getByTestId("device-list").locator('[data-testid="device-row"]').nth(1).waitFor();
        await shots(ctx, laptop, "devices-page");

        const pairingRoom = await laptop.evaluate(() => window.twoway!.peering.currentRoom());
        assert.ok(pairingRoom !== null);
        const rotated = await rotate(ctx, phoneLaunch, laptop, pairingRoom);
        phone = rotated.phone.page;
        errors.push(...watchPageErrors(phone));

        // The phone goes away; the laptop removes it; the phone, not knowing, writes on.
        const room = await phone.evaluate(() => window.twoway!.peering.currentRoom());
        const phoneKey = await writingKey(phone);
        assert.ok(phoneKey !== undefined);
        await apart(laptop, phone);
        await apart(phone, laptop);
        await laptop.locator('[data-testid="device-row"][data-this="false"] [data-testid="device-remove"]').click();
        await laptop.getByTestId("device-remove-confirm").click();
        await until(
          laptop,
          () => isRemovedOn(laptop, phoneKey),
          (removed) => removed,
          "the phone's key removed on the laptop",
        );
        const before = new Set((await statusOf(phone)).keys());
        await nodeValue(phone, "submit", addContactOps("late1"));
        await nodeValue(phone, "submit", addContactOps("late2"));
        const late = [...(await statusOf(phone)).entries()].filter(([id]) => !before.has(id));
        assert.deepEqual(
          late.map(([, s]) => s),
          ["accepted", "accepted"],
          "the phone accepts its own late writes while it does not know",
        );

        // A third node takes the phone's history first: the late writes are accepted there…
        const { page: third } = await ctx.launch();
        await third.goto(ctx.baseUrl);
        await third.getByTestId("welcome").waitFor({ timeout: 20_000 });
        const fromPhone = await nodeValue(third, "importEnvelopes", { envelopes: await allTexts(phone) });
        assert.deepEqual(fromPhone.rejected, []);
        const thirdBefore = await statusOf(third);
        assert.deepEqual(
          late.map(([id]) => thirdBefore.get(id)),
          ["accepted", "accepted"],
        );
        // …until the revocation arrives: then they are withdrawn (suppressed), the earlier ones stay.
        await nodeValue(third, "importEnvelopes", { envelopes: await allTexts(laptop) });
        const thirdAfter = await statusOf(third);
        assert.deepEqual(
          late.map(([id]) => thirdAfter.get(id)),
          ["suppressed", "suppressed"],
        );

        // The phone comes back: both meet again; the laptop refuses the late writes, the phone learns it was removed.
        await laptop.evaluate((r) => window.twoway!.peering.joinRoom(r!.url, r!.room), room);
        await phone.evaluate((r) => window.twoway!.peering.joinRoom(r!.url, r!.room), room);
        await phone.getByTestId("device-removed-notice").waitFor({ timeout: 45_000 });
        const laptopAfter = await until(
          laptop,
          () => statusOf(laptop),
          (s) => late.every(([id]) => s.get(id) === "suppressed"),
          "late writes suppressed on the laptop",
        );
        assert.equal(laptopAfter.size > 0, true);
        const phoneAfter = await until(
          phone,
          () => statusOf(phone),
          (s) => late.every(([id]) => s.get(id) === "suppressed"),
          "late writes suppressed on the phone",
        );
        assert.equal(phoneAfter.size > 0, true);
        const refused = await nodeCall(phone, "submit", addContactOps("after"));
        assert.equal(refused.ok ? "ok" : refused.error.code, "ERR_CRYPTO_KEY_REVOKED");
        await digestsMatch(laptop, phone, "laptop and removed phone hold the same set");
        await digestsMatch(laptop, third, "the third node decides as the laptop");
        await phone.getByTestId("nav-devices").click();
        await phone.getByTestId("device-list").locator('[data-testid="device-row"]').nth(1).waitFor();
        await shots(ctx, phone, "devices-removed");
        await oldKeyWritesLate(ctx, rotated.copyDir, laptop, phone);
        assertNoPageErrors(errors);
      } finally {
        await relay.close();
      }
    },
  },
  {
    name: "pair with no relay: the invite offer rides in the pairing code, the answer comes back by hand; a reload keeps key and secret",
    timeoutMs: 240_000,
    async run(ctx) {
      const { page: laptop } = await ctx.launch({ webrtc: true });
      const { page: phone } = await ctx.launch({ webrtc: true });
      const errors = [...watchPageErrors(laptop), ...watchPageErrors(phone)];
      await laptop.goto(ctx.baseUrl);
      await createIdentityThroughUi(laptop, "Ada");
      await phone.goto(ctx.baseUrl);
      await phone.getByTestId("welcome").waitFor({ timeout: 20_000 });
      const first = await showPairingCode(phone, "invite");
      // An invite offer does not outlive its page: after a reload the code carries a new one, with the same key and secret.
      await phone.reload();
      const code = await until(
        phone,
        () => shownCode(phone),
        (c) => c !== first,
        "a new offer after the reload",
      );
      const [before, after] = [parsePairingCode(first), parsePairingCode(code)];
      assert.ok(before.ok && after.ok && "invite" in after.value.reach);
      assert.equal(after.value.deviceKey, before.value.deviceKey, "the same key after a reload");
      assert.equal(after.value.secret, before.value.secret, "the same secret after a reload");
      await shots(ctx, phone, "devices-pairing-invite-code");

      await laptop.getByTestId("nav-devices").click();
      await laptop.getByTestId("pair-code-input").fill(code);
      await laptop.getByTestId("pair-read").click();
      const answer = await laptop.getByTestId("pair-reply-code").inputValue({ timeout: 30_000 });
      await shots(ctx, laptop, "devices-pairing-invite-answer");
      await phone.getByTestId("pairing-answer-input").fill(answer);
      await phone.getByTestId("pairing-answer-connect").click();
      await confirmOnLaptop(ctx, laptop, phone, code);

      await sameIdentityBothWrite(laptop, phone, "browsers paired by invite converge");
      assertNoPageErrors(errors);
    },
  },
];
