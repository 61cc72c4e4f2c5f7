// The always-on peer (issue 18, ADR 0028, ADR 0032): Ann's browser writes and closes; the peer — a child
// process on SQLite, in the same relay room, loopback only, stopped by its PID — holds it; Ben's browser
// opens later, meets only the peer, and has Ann's Market listings. What the peer may not read never reaches its
// SQLite file, asserted on the file itself: Ann's conversation with Cal in the Messages app (a synced
// domain, readable by Cal alone: the peer holds its envelopes as stubs, never their content), her
// contacts (owner-only, ADR 0023 amended: the peer is not her device) and her private (local-domain) rating.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startRelay, type Relay } from "../signal/relay-server.ts";
import { createSigner, identityIdFromKey } from "../src/core/index.ts";
import { probeNodeFile } from "../src/node-peer/storage/index.ts";
import type { E2eCase, E2eContext } from "./support/harness.ts";
import { addContactOps, createIdentityThroughUi, listingTitles, nodeValue, shareListing, until } from "./support/shell.ts";

const PEER_MAIN = fileURLToPath(new URL("../src/node-peer/peer-main.ts", import.meta.url));
const ROOM = "always-on";
const LISTINGS = 10;
/** Text of Ann's private trust rating (the contacts app's `trust` domain is local: it never syncs). */
const PRIVATE_MARKER = "ann-private-trust-note-7f3a";
/** Ann's message to Cal, and the conversation's title: only Cal (and his node) may read them. */
const SECRET_MESSAGE = "for-cal-only-9b2e: the key is under the mat";
const SECRET_TITLE = "ann-and-cal-3c1d";

type PeerProcess = { readonly child: ChildProcess; readonly lines: Record<string, unknown>[]; stop(): Promise<number | null> };

/** Starts the peer; resolves once it joined the room. */
function startPeerProcess(dataDir: string, relay: Relay): Promise<PeerProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", PEER_MAIN, "--data", dataDir, "--room", `${relay.url}#${ROOM}`, "--loopback-only"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    return exited;
  };
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.event === "peer.room_joined") resolve({ child, lines, stop });
      if (line.event === "peer.start_failed") reject(new Error(`peer failed to start: ${text}`));
    });
    void exited.then((code) => reject(new Error(`peer exited early (${code})`)));
  });
}

async function person(ctx: E2eContext, name: string) {
  const launched = await ctx.launch({ webrtc: true });
  await launched.page.goto(ctx.baseUrl);
  await createIdentityThroughUi(launched.page, name);
  return launched;
}

async function joinRoom(page: Page, relay: Relay): Promise<void> {
  await page.getByTestId("nav-peers").click();
  await page.getByTestId("peers-page").waitFor();
  await page.getByTestId("relay-url").fill(relay.url);
  await page.getByTestId("relay-room").fill(ROOM);
  await page.getByTestId("relay-join").click();
  await page.getByTestId("relay-joined").waitFor({ timeout: 10_000 });
}

async function contactHandles(page: Page): Promise<string[]> {
  const query = { target: "parent", type_key: "contact.profile", limit: 100, offset: 0 };
  const result = await nodeValue(page, "read", { app: "app.contacts", query });
  return (result.rows as { value?: { handle?: string } }[]).map((row) => JSON.stringify(row.value ?? row)).sort();
}

/** Envelopes of an app in the peer's node database, read from its file (WAL: a reader beside the writer). */
function envelopesInFile(dataDir: string, app: string): number {
  const probe = probeNodeFile(join(dataDir, "node.sqlite"));
  try {
    return probe.envelopeCount(app);
  } finally {
    probe.close();
  }
}

/** Someone Ann knows who is not here: an identity and a node identity of keys made for the test. */
async function calsIds(): Promise<{ identityId: string; nodeId: string }> {
  const ids = [];
  for (const seed of [41, 42])
    ids.push(identityIdFromKey((await createSigner({ seed: new Uint8Array(32).fill(seed), engine: "noble" })).publicKey));
  return { identityId: ids[0]!, nodeId: ids[1]! };
}

/**
 * Through the Messages app, as a person uses it: a conversation with Cal (picked from Ann's contacts)
 * and one message. The app names Cal and his node as its only readers. Returns the envelope ids.
 */
async function writeToCal(page: Page): Promise<string[]> {
  const cal = await calsIds();
  await nodeValue(page, "submit", {
    app: "app.contacts",
    domain: "contacts",
    ops: [
      {
        op: "parent_create",
        type_key: "contact.profile",
        payload: {
          value: {
            handle: "cal",
            display_name: "Cal Ortiz",
            identity_id: cal.identityId,
            node_identity_id: cal.nodeId,
            created_at: new Date().toISOString(),
          },
        },
      },
    ],
  });
  await page.getByTestId("nav-home").click();
  await page.locator('[data-testid="app-card"][data-slug="app.messaging"] [data-testid="open-app"]').click();
  const app = page.frameLocator('[data-testid="app-frame"][data-slug="app.messaging"] [data-testid="app-iframe"]');
  await app.locator("body[data-ready]").waitFor({ timeout: 20_000 });
  await app.getByTestId("new-title").fill(SECRET_TITLE);
  await app.getByTestId("add-person").click();
  await page.getByTestId("contact-picker").waitFor();
  await page.locator('[data-testid="pick-contact"]', { hasText: "Cal Ortiz" }).click();
  await app.getByTestId("chosen-person").waitFor();
  await app.getByTestId("start").click();
  await app.locator('[data-testid="thread"]:not([hidden])').waitFor();
  await app.getByTestId("body").fill(SECRET_MESSAGE);
  await app.getByTestId("send").click();
  await app.locator('[data-testid="messages"][data-count="1"]').waitFor();
  await page.getByTestId("close-app").click();
  const ids = new Set<string>();
  for (const typeKey of ["message.thread", "message.item"]) {
    const read = await nodeValue(page, "read", { app: "app.messaging", query: { target: "parent", type_key: typeKey, limit: 10 } });
    for (const row of read.rows as { id: string }[]) ids.add(row.id.split(":")[0]!);
  }
  assert.equal(ids.size, 2, "the conversation and the message: one envelope each");
  return [...ids];
}

function holdsInFile(dataDir: string, id: string): { full: boolean; stub: boolean } {
  const probe = probeNodeFile(join(dataDir, "node.sqlite"));
  try {
    return probe.holds(id);
  } finally {
    probe.close();
  }
}

export const cases: E2eCase[] = [
  {
    name: "Ann writes and closes; the always-on peer holds it; Ben opens later and syncs it from the peer alone",
    timeoutMs: 240_000,
    async run(ctx) {
      const relay = await startRelay({ host: "127.0.0.1", port: 0, log: () => undefined });
      const dataDir = mkdtempSync(join(tmpdir(), "twoway-e2e-peer-"));
      let peer: PeerProcess | undefined;
      try {
        peer = await startPeerProcess(dataDir, relay);
        const ann = await person(ctx, "Ann");
        for (let i = 0; i < LISTINGS; i++) await shareListing(ann.page, `Ann's listing ${i}`);
        const first = await nodeValue(ann.page, "submit", addContactOps("annrated", "Someone Ann rates"));
        await nodeValue(ann.page, "submit", {
          app: "app.contacts",
          domain: "trust",
          ops: [
            {
              op: "rating_create",
              type_key: "contact.trust",
              payload: {
                target_parent_id: (first.objectIds as string[])[0],
                value: { value: -1, reason: PRIVATE_MARKER, created_at: new Date().toISOString() },
              },
            },
          ],
        });
        const privateEnvelopes = await writeToCal(ann.page);
        const annListings = (await listingTitles(ann.page)).sort();
        assert.equal(annListings.length, LISTINGS);
        assert.equal((await contactHandles(ann.page)).length, 2, "Ann's own contacts: the one she rates, and Cal");
        await joinRoom(ann.page, relay);
        await until(
          ann.page,
          () => envelopesInFile(dataDir, "app.market") >= LISTINGS,
          (held) => held,
          "the peer holds Ann's listings",
          90_000,
        );
        // The Messages domain reached the peer too: each envelope of the conversation as its stub.
        await until(
          ann.page,
          () => privateEnvelopes.every((id) => holdsInFile(dataDir, id).stub),
          (held) => held,
          "the peer holds the conversation's stubs",
          90_000,
        );
        await ann.close();

        const ben = await person(ctx, "Ben");
        assert.deepEqual(await listingTitles(ben.page), []);
        await joinRoom(ben.page, relay);
        await until(
          ben.page,
          async () => (await listingTitles(ben.page)).length >= LISTINGS,
          (held) => held,
          "Ben has Ann's listings",
          90_000,
        );
        assert.deepEqual((await listingTitles(ben.page)).sort(), annListings, "what Ben reads is what Ann wrote");
        assert.deepEqual(await contactHandles(ben.page), [], "and none of Ann's contacts");
        // Ben met only the peer: Ann's browser was closed before Ben's opened.
        const overview = await nodeValue(ben.page, "syncOverview");
        const peerIdentity = peer.lines.find((line) => line.event === "peer.started")?.nodeIdentity;
        assert.ok((overview.peers as { peerIdentity: string | null }[]).every((p) => p.peerIdentity === peerIdentity));
        await ctx.screenshot(ben.page, "peer-always-on-ben");
        // What the peer may not read never reached it: not the rating (a local domain), not the
        // conversation's content (a synced domain Cal alone may read), in any row of any table; of the
        // conversation it holds only the stubs: author, key, seq, digest (ADR 0013), no envelope, no object.
        // (grep for the id prefix: `${id}:` is how object ids of that envelope are spelled.)
        const probe = probeNodeFile(join(dataDir, "node.sqlite"));
        try {
          for (const text of [PRIVATE_MARKER, SECRET_MESSAGE, SECRET_TITLE, "Cal Ortiz", "Someone Ann rates", "annrated"])
            assert.deepEqual(probe.tablesContaining(text), [], `"${text}" is not in the peer's SQLite file`);
          for (const id of privateEnvelopes) {
            assert.deepEqual(probe.holds(id), { full: false, stub: true }, `the peer holds ${id} as a stub only`);
            // Its object ids appear only where the read rule names them: Ann's acl roots in the system
            // app, which every node needs to judge reads alike (ADR 0010); no messaging row names them.
            assert.deepEqual(probe.appsContaining(`${id}:`), ["system"], `only acl rows name the objects of ${id}`);
          }
          assert.equal(probe.containsText("Ann's listing 0"), true, "the probe does find text that was synced");
        } finally {
          probe.close();
        }
      } finally {
        const code = peer === undefined ? null : await peer.stop();
        await relay.close();
        rmSync(dataDir, { recursive: true, force: true });
        if (peer !== undefined) assert.equal(code, 0, "the peer stops cleanly on SIGTERM");
      }
    },
  },
];
