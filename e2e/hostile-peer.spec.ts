// A hostile peer (ADR 0011, 0012): a third browser meets Ann in a relay room over a raw WebRTC data
// channel (no app code), driven frame by frame from here: it skips the puzzle, sends an oversized
// and a malformed frame, then gets admitted honestly and replays Ann's own packages back to her. Ann
// cuts it off and takes nothing from it, while Cal, an honest browser, keeps syncing with her.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { createSigner } from "../src/core/crypto/index.ts";
import { solvePuzzle } from "../src/core/dos-guard/index.ts";
import { buildHello, decodeFrame, encodeFrame, newSessionNonce, type SessionFrame } from "../src/core/network/index.ts";
import { utf8 } from "../src/core/shared/bytes.ts";
import { createReassembler, splitMessage } from "../src/peering/chunking.ts";
import { startRelay } from "../signal/relay-server.ts";
import type { E2eCase, E2eContext } from "./support/harness.ts";
import { createIdentityThroughUi, nodeValue, shareListing, waitForNodeField } from "./support/shell.ts";

async function person(ctx: E2eContext, name: string): Promise<Page> {
  const { page } = await ctx.launch({ webrtc: true });
  await page.goto(ctx.baseUrl);
  await createIdentityThroughUi(page, name);
  await page.getByTestId("nav-peers").click();
  await page.getByTestId("peers-page").waitFor();
  return page;
}

/** Opens the raw link (e2e/support/raw-peer.js) and waits until its channel is open. */
async function openRawLink(page: Page, relayUrl: string, room: string): Promise<void> {
  // Evaluated through DevTools, not added as a <script>: the shell's CSP refuses inline script (ADR 0020).
  await page.evaluate(readFileSync(join(import.meta.dirname, "support", "raw-peer.js"), "utf8"));
  await page.evaluate(
    ([url, name]) => (window as unknown as { __openRawLink(u: string, r: string): Promise<void> }).__openRawLink(url, name),
    [relayUrl, room] as const,
  );
  await page.waitForFunction(() => (window as unknown as { __hostile?: unknown }).__hostile !== undefined, null, { timeout: 30_000 });
}

async function sendRaw(page: Page, message: Uint8Array): Promise<void> {
  for (const chunk of splitMessage(message)) {
    await page.evaluate((bytes) => (window as unknown as { __hostile: { send(b: number[]): void } }).__hostile.send(bytes), [...chunk]);
  }
}

const frameBytes = (frame: SessionFrame) => {
  const bytes = encodeFrame(frame);
  assert.ok(bytes.ok, "test frame encodes");
  return bytes.value;
};

export const cases: E2eCase[] = [
  {
    name: "a hostile peer that skips the puzzle, sends oversized and malformed frames and replays packages is cut off and changes nothing",
    timeoutMs: 150_000,
    async run(ctx) {
      const relay = await startRelay({ host: "127.0.0.1", port: 0 });
      try {
        const ann = await person(ctx, "Ann");
        const cal = await person(ctx, "Cal");
        // Listings, read by everyone one syncs with (contacts stay with their owner, ADR 0023 amended):
        // what Ann sends an admitted attacker in full, and what it replays.
        for (let i = 0; i < 12; i++) await shareListing(ann, `ann${i}`);
        await shareListing(cal, "cal0");

        // Cal and Ann sync through an invite code, so the room below holds only Ann and the attacker.
        await ann.getByTestId("invite-create").click();
        await cal.getByTestId("invite-input").fill(await ann.getByTestId("invite-code").inputValue({ timeout: 20_000 }));
        await cal.getByTestId("invite-accept").click();
        await ann.getByTestId("answer-input").fill(await cal.getByTestId("answer-code").inputValue({ timeout: 20_000 }));
        await ann.getByTestId("answer-finish").click();
        await ann.waitForSelector('[data-testid="peer-row"][data-state="live"]', { timeout: 30_000 });

        const difficultyBefore = Number(await ann.getByTestId("guard-stats").getAttribute("data-difficulty"));
        const { page: mallory } = await ctx.launch({ webrtc: true });
        // A page at the app's origin (media permission is granted per origin) that runs no app code:
        // an icon, shown as an image document. (A page faked with route() counts as a public address
        // and may not reach the loopback relay: Local Network Access. Not a script such as sw.js: the
        // worker policy it is served with allows no relay socket, ADR 0020.)
        await mallory.goto(new URL("icons/icon-192.png", ctx.baseUrl).href);
        const received: (SessionFrame | null)[] = [];
        const reassembler = createReassembler({ maxMessageBytes: 4 * 1024 * 1024 });
        const signer = await createSigner();
        const nonce = newSessionNonce();
        const packages: SessionFrame[] = [];
        let admitted: () => void;
        const admittedNow = new Promise<void>((resolve) => (admitted = resolve));
        await mallory.exposeFunction("__hostileReceive", async (bytes: number[]) => {
          const piece = reassembler.push(Uint8Array.from(bytes));
          if (!piece.ok || piece.value.kind !== "message") return;
          // Mallory's hello says 2.1 (buildHello's default), so Ann's packages come deflated (ADR 0035).
          const decoded = decodeFrame(piece.value.bytes, { maxFrameBytes: 4 * 1024 * 1024, deflate: true });
          const frame = decoded.ok ? decoded.value : null;
          received.push(frame);
          if (frame?.kind === "package") packages.push(frame);
          if (frame?.kind === "admitted") {
            await sendRaw(mallory, frameBytes({ kind: "admitted", nonce }));
            const hello = await buildHello(signer, {
              offeredDomains: ["app.market/listings", "system/identity"],
              nonce,
              peerNonce: frame.nonce,
            });
            assert.ok(hello.ok);
            await sendRaw(mallory, frameBytes(hello.value));
            // Ann sends what the receiver's cursors ask for: everything, from the start.
            await sendRaw(mallory, frameBytes({ kind: "cursors", cursors: { "app.market/listings": 0, "system/identity": 0 } }));
            admitted();
          }
        });
        await ann.getByTestId("relay-url").fill(relay.url);
        await ann.getByTestId("relay-room").fill("den");
        await ann.getByTestId("relay-join").click();
        await openRawLink(mallory, relay.url, "den");

        // 1. Skips the puzzle: a sync frame before admission. 2. Oversized. 3. Malformed.
        await sendRaw(mallory, frameBytes({ kind: "cursors", cursors: {} }));
        await sendRaw(mallory, new Uint8Array(5_000).fill(0x7b));
        await sendRaw(mallory, utf8("{ not json"));
        const until = Date.now() + 20_000;
        while (received.filter((f) => f?.kind === "error").length < 3 && Date.now() < until) await mallory.waitForTimeout(100);
        const earlyErrors = received.filter((f) => f?.kind === "error").map((f) => (f as { code: string }).code);
        assert.deepEqual(earlyErrors.slice(0, 3), ["ERR_RESOURCE_PUZZLE_FAILED", "ERR_RESOURCE_RATE_LIMIT", "ERR_STRUCT_INVALID_ENCODING"]);

        // 4. Gets admitted honestly, then replays Ann's own packages back to her until she cuts it off.
        const challenge = received.find((f) => f?.kind === "challenge") as Extract<SessionFrame, { kind: "challenge" }>;
        const { kind: _kind, ...puzzle } = challenge;
        const solution = await solvePuzzle(puzzle);
        assert.ok(solution.ok);
        await sendRaw(mallory, frameBytes({ kind: "solution", ...solution.value }));
        await admittedNow;
        const closeUntil = Date.now() + 30_000;
        while (packages.length === 0 && Date.now() < closeUntil) await mallory.waitForTimeout(100);
        assert.ok(packages.length > 0, "Ann sent the admitted attacker her readable history");
        while (!received.some((f) => f?.kind === "close") && Date.now() < closeUntil) {
          for (const pkg of packages) await sendRaw(mallory, frameBytes(pkg));
          await mallory.waitForTimeout(200);
        }
        assert.ok(
          received.some((f) => f?.kind === "error" && f.code === "ERR_CRYPTO_AUTHOR_MISMATCH"),
          "replays are refused as not the peer's",
        );
        assert.deepEqual(
          received.find((f) => f?.kind === "close"),
          { kind: "close", reason: "peer_cut_off" },
        );

        // Ann shows the attacker closed and a higher difficulty; she holds exactly what Cal does.
        await ann.waitForSelector('[data-testid="peer-row"][data-state="closed"] [data-testid="peer-close-reason"]', { timeout: 15_000 });
        const difficultyAfter = Number(await ann.getByTestId("guard-stats").getAttribute("data-difficulty"));
        assert.ok(difficultyAfter > difficultyBefore, `difficulty ${difficultyBefore} → ${difficultyAfter}`);
        await shareListing(cal, "calafter");
        const target = (await nodeValue(cal, "stateDigest")).digest as string;
        await waitForNodeField(ann, "stateDigest", ["digest"], target);
        await ctx.screenshot(ann, "peers-hostile-cut-off");
      } finally {
        await relay.close();
      }
    },
  },
];
