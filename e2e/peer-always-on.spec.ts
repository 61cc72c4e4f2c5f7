// The always-on peer (issue 18, ADR 0028): Ann's browser writes and closes; the peer — a child process
// on SQLite, in the same relay room, loopback only, stopped by its PID — holds it; Ben's browser opens
// later, meets only the peer, and has Ann's contacts; Ann's private (local-domain) rating never reaches the
// peer's SQLite file, asserted on the file itself.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startRelay, type Relay } from "../signal/relay-server.ts";
import { probeNodeFile } from "../src/node-peer/storage/index.ts";
import type { E2eCase, E2eContext } from "./support/harness.ts";
import { addContactOps, createIdentityThroughUi, nodeValue, until } from "./support/shell.ts";

const PEER_MAIN = fileURLToPath(new URL("../src/node-peer/peer-main.ts", import.meta.url));
const ROOM = "always-on";
const CONTACTS = 10;
/** Text of Ann's private trust rating (the contacts app's `trust` domain is local: it never syncs). */
const PRIVATE_MARKER = "ann-private-trust-note-7f3a";

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
        for (let i = 0; i < CONTACTS; i++) await nodeValue(ann.page, "submit", addContactOps(`ann${i}`, `Ann's friend ${i}`));
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
        const annContacts = await contactHandles(ann.page);
        assert.equal(annContacts.length, CONTACTS + 1);
        await joinRoom(ann.page, relay);
        await until(
          ann.page,
          () => envelopesInFile(dataDir, "app.contacts") >= CONTACTS + 1,
          (held) => held,
          "the peer holds Ann's contacts",
          90_000,
        );
        await ann.close();

        const ben = await person(ctx, "Ben");
        assert.deepEqual(await contactHandles(ben.page), []);
        await joinRoom(ben.page, relay);
        await until(
          ben.page,
          async () => (await contactHandles(ben.page)).length >= CONTACTS + 1,
          (held) => held,
          "Ben has Ann's contacts",
          90_000,
        );
        assert.deepEqual(await contactHandles(ben.page), annContacts, "what Ben reads is what Ann wrote");
        // Ben met only the peer: Ann's browser was closed before Ben's opened.
        const overview = await nodeValue(ben.page, "syncOverview");
        const peerIdentity = peer.lines.find((line) => line.event === "peer.started")?.nodeIdentity;
        assert.ok((overview.peers as { peerIdentity: string | null }[]).every((p) => p.peerIdentity === peerIdentity));
        await ctx.screenshot(ben.page, "peer-always-on-ben");
        // Ann's private rating never reached the peer: not its envelope, not its text, anywhere in the file.
        const probe = probeNodeFile(join(dataDir, "node.sqlite"));
        try {
          assert.equal(probe.containsText(PRIVATE_MARKER), false, "Ann's private data is not in the peer's SQLite file");
          assert.equal(probe.containsText("annrated"), true, "the probe does find text that was synced");
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
