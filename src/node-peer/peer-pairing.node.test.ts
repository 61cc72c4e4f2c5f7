// The peer paired as a device from its terminal (ADR 0032, ADR 0025's flow): `npm run peer -- --pair`
// prints the pairing code and its QR code, joins the code's relay room, and prints the confirm code for
// the browser its session meets there; a wrong code typed on that browser binds nothing; the right one
// binds the peer's key, the binding syncs to the peer, and after a restart it writes as that identity.
// Loopback only, real relay, real WebRTC (@roamhq/wrtc). A pairing nobody confirms expires.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { startRelay } from "../../signal/relay-server.ts";
import { expectOk, meet } from "../core/acceptance/fixtures.ts";
import type { IdentityId, TwoWayNode } from "../core/index.ts";
import { createPeerNetwork } from "./peer-network.ts";
import { pairAsDevice } from "./peer-pairing.ts";
import { installBuiltIns, startPeer } from "./peer.ts";

const MAIN = fileURLToPath(new URL("./peer-main.ts", import.meta.url));
const FAST_PUZZLES = { "dos.difficulty.base_bits": 6, "dos.difficulty.max_bits": 12 };
const root = mkdtempSync(join(tmpdir(), "twoway-peer-pair-"));
const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Line = { readonly event: string } & Record<string, unknown>;

/** The peer process: its JSON lines (stdout), what it printed for the person (stderr), and its exit. */
function spawnPeer(args: readonly string[]) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: Line[] = [];
  let printed = "";
  createInterface({ input: child.stdout! }).on("line", (text) => lines.push(JSON.parse(text) as Line));
  child.stderr!.on("data", (chunk: Buffer) => (printed += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    return exited;
  };
  const line = async (event: string, where: (line: Line) => boolean = () => true) => {
    await vi.waitFor(
      () =>
        expect(
          lines.some((l) => l.event === event && where(l)),
          `${event} in ${JSON.stringify(lines.map((l) => l.event))}`,
        ).toBe(true),
      {
        timeout: 120_000,
        interval: 100,
      },
    );
    return lines.find((l) => l.event === event && where(l))!;
  };
  return { lines, printed: () => printed, stop, line };
}

/** Ann's existing device: a node with the built-in apps and her identity (a browser's worker, minus the page). */
async function annsDevice(dir: string): Promise<{ node: TwoWayNode; ann: IdentityId }> {
  const node = expectOk(await startPeer({ dataDir: join(root, dir), name: "ann", config: FAST_PUZZLES }));
  cleanup.push(() => node.stop());
  expectOk(await installBuiltIns(node));
  return { node, ann: expectOk(await node.identities.create({ name: "Ann" })).identityId };
}

const reason = (result: { ok: boolean; error?: { code: string; data: Record<string, unknown> } }) =>
  result.ok ? "ok" : `${result.error!.code}/${String(result.error!.data["reason"])}`;

describe("npm run peer -- --pair", () => {
  it(
    "prints a code and QR, shows the confirm code, and after the browser confirms writes as that identity",
    { timeout: 300_000 },
    async () => {
      const relay = await startRelay({ host: "127.0.0.1", port: 0, log: () => undefined });
      cleanup.push(() => relay.close());
      const dataDir = join(root, "peer");
      const peer = spawnPeer(["--data", dataDir, "--pair", `${relay.url}#pair-room`, "--label", "Always-on peer", "--loopback-only"]);
      cleanup.push(() => peer.stop());
      const { node: device, ann } = await annsDevice("ann");

      const { code } = (await peer.line("peer.pairing_code")) as unknown as { code: string };
      // stderr is its own pipe: wait for it too.
      await vi.waitFor(() => expect(peer.printed()).toContain(code), { timeout: 10_000, interval: 50 });
      // The QR code, in block characters, several rows of them.
      expect(
        peer
          .printed()
          .split("\n")
          .filter((row) => /[█▀▄]{8}/.test(row)).length,
      ).toBeGreaterThan(10);
      const preview = expectOk(await device.identities.devices.preview(code));
      expect(preview.offer.reach).toEqual({ relay: relay.url, room: "pair-room" });

      // Ann's device joins the room in the code (as the Devices page does); the peer proves the node it met.
      const net = createPeerNetwork({ node: device, log: () => undefined, loopbackOnly: true });
      cleanup.push(() => net.close());
      const reach = preview.offer.reach as { relay: string; room: string };
      expectOk(await net.joinRoom({ url: reach.relay, room: reach.room }));
      const shown = await peer
        .line("peer.pairing_confirm_code", (l) => l.peerNode === device.sync.nodeIdentity)
        .catch((error: Error) => {
          throw new Error(`${error.message}; Ann sessions: ${JSON.stringify(net.sessions())}; stderr: ${peer.printed().slice(-3000)}`);
        });
      expect(shown.confirmCode).toBe(preview.confirmCode);
      await vi.waitFor(() => expect(peer.printed()).toContain(preview.confirmCode), { timeout: 10_000, interval: 50 });

      // A wrong code typed on the browser binds nothing.
      const wrong = String((Number(preview.confirmCode) + 1) % 1_000_000).padStart(6, "0");
      const before = device.globalSeq();
      expect(reason(await device.identities.devices.confirm(ann, code, wrong, "Always-on peer"))).toBe(
        "ERR_PAIRING_CONFIRM_MISMATCH/mismatch",
      );
      expect(device.globalSeq()).toBe(before);
      expect(peer.lines.some((l) => l.event === "peer.paired")).toBe(false);

      expectOk(await device.identities.devices.confirm(ann, code, shown.confirmCode, "Always-on peer"));
      expect(await peer.line("peer.paired")).toMatchObject({ identityId: ann, deviceKey: preview.offer.deviceKey });
      expect(await peer.stop()).toBe(0);

      // Restarted, it is Ann's device: it holds her identity by its own device key and writes as her.
      const restarted = expectOk(await startPeer({ dataDir, config: FAST_PUZZLES }));
      cleanup.push(() => restarted.stop());
      const held = expectOk(await restarted.identities.held());
      expect(held.map((h) => [h.identityId, h.scope])).toEqual([[ann, "device"]]);
      const session = expectOk(await restarted.openSession({ identityId: ann, app: "app.contacts" }));
      const written = expectOk(
        await session.submit({
          domain: "contacts",
          ops: [
            {
              op: "parent_create",
              type_key: "contact.profile",
              payload: { value: { handle: "from_the_peer", created_at: new Date().toISOString() } },
            },
          ],
        }),
      );
      session.close();
      await meet(restarted, device);
      const onAnnsDevice = (await device.history({ limit: 1000 })).find((h) => h.id === written.envelopeId);
      expect(onAnnsDevice).toMatchObject({ status: "accepted" });
      const devices = expectOk(await device.identities.devices.list(ann));
      expect(devices.map((d) => [d.role, d.label, d.removed])).toEqual([
        ["root", null, false],
        ["device", "Always-on peer", false],
      ]);
    },
  );

  it("gives up on a pairing nobody confirms, and keeps running as its own identity", { timeout: 120_000 }, async () => {
    const relay = await startRelay({ host: "127.0.0.1", port: 0, log: () => undefined });
    cleanup.push(() => relay.close());
    const node = expectOk(await startPeer({ dataDir: join(root, "alone"), config: FAST_PUZZLES }));
    cleanup.push(() => node.stop());
    const events: string[] = [];
    const net = createPeerNetwork({ node, log: () => undefined, loopbackOnly: true });
    cleanup.push(() => net.close());
    const log = (event: string) => events.push(event);
    const reach = { url: relay.url, room: "nobody-comes" };
    const result = await pairAsDevice({ node, network: net, reach, log, print: () => undefined, timeoutMs: 500 });
    expect(reason(result)).toBe("ERR_MNG_KEY_SCOPE_KEY_MISSING/pairing_expired");
    expect(events).toEqual(["peer.pairing_code", "peer.pairing_expired"]);
    expect(expectOk(await node.identities.held())).toEqual([]);
  });

  it("does not pair again once it is a device of an identity", { timeout: 60_000 }, async () => {
    const { node } = await annsDevice("paired-already");
    const events: string[] = [];
    const joined: unknown[] = [];
    const network = {
      joinRoom: (spec: unknown) => {
        joined.push(spec);
        return Promise.resolve({ ok: true as const, value: undefined });
      },
      sessions: () => [],
    };
    const result = await pairAsDevice({
      node,
      network,
      reach: { url: "ws://127.0.0.1:1", room: "r" },
      log: (e) => events.push(e),
      print: () => undefined,
    });
    expect(result).toMatchObject({ ok: true, value: { already: true } });
    expect(events).toEqual(["peer.pairing_skipped"]);
    expect(joined).toEqual([]);
  });
});
