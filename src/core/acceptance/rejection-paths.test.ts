// Rejection paths not covered elsewhere: a node without IndexedDB, writes after stop, malformed app
// packages and sync messages, and a peer that skips its hello. Each one changes nothing.
import { describe, expect, it } from "vitest";
import { createNode } from "../node.ts";
import { solvePuzzle, type Challenge } from "../dos-guard/index.ts";
import { createLoopbackTransportPair, decodeFrame, encodeFrame, type SessionFrame } from "../network/index.ts";
import { platformIdb } from "../shared/idb.ts";
import { expectOk, NOTES_SCHEMA, settle, startNode, testPublisher } from "./fixtures.ts";

describe("node lifecycle", () => {
  it.skipIf(platformIdb() !== undefined)("refuses to start without IndexedDB (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    expect(await createNode({ name: "no-idb" })).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_STORAGE_UNAVAILABLE", data: { reason: "no_indexeddb" } },
    });
  });

  it("refuses writes after stop, without writing anything (ERR_MNG_STORAGE_UNAVAILABLE)", async () => {
    const t = await startNode();
    const publisher = await testPublisher();
    await t.node.stop();
    expect(await t.node.ingest(publisher.genesis)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_STORAGE_UNAVAILABLE", data: { reason: "node_stopping" } },
    });
    const reopened = await startNode({ idb: t.idb, name: t.name });
    expect(reopened.node.globalSeq()).toBe(0);
  });
});

describe("app packages", () => {
  it.each([
    ["no manifest", (p: any) => ({ envelopes: p.envelopes }), "ERR_STRUCT_MISSING_FIELD", "missing_manifest"],
    ["an empty title", (p: any) => ({ ...p, manifest: { ...p.manifest, title: "" } }), "ERR_STRUCT_INVALID_TYPE", "invalid_title"],
    ["envelopes that are not texts", (p: any) => ({ ...p, envelopes: [1, 2] }), "ERR_STRUCT_INVALID_TYPE", "invalid_envelopes"],
    [
      "the schema without its publisher's genesis",
      (p: any) => ({ ...p, envelopes: p.envelopes.slice(1) }),
      "ERR_SYNC_MISSING_DEPENDENCY",
      "package_incomplete",
    ],
  ])("refuses a package with %s and registers nothing", async (_name, mutate, code, reason) => {
    const { node } = await startNode();
    const pkg = await (await testPublisher()).package(NOTES_SCHEMA);
    expect(await node.apps.install(mutate(pkg))).toMatchObject({ ok: false, error: { code, data: { reason } } });
    expect((await node.apps.list()).map((a) => a.slug)).toEqual(["system"]);
  });
});

describe("sync messages", () => {
  it("refuses something that is not a package (ERR_STRUCT_INVALID_TYPE)", async () => {
    const a = await startNode();
    const peer = { identity: a.node.sync.nodeIdentity, key: a.node.sync.nodeKey };
    for (const junk of [null, "package", { frame: {} }, { envelopes: "x" }]) {
      expect(await a.node.sync.acceptPackage(peer, new Set(["app.notes/notes"]), junk)).toMatchObject({
        ok: false,
        error: { code: "ERR_STRUCT_INVALID_TYPE" },
      });
    }
  });

  it("cuts off an admitted peer that sends sync frames before its hello", async () => {
    const { node } = await startNode({ config: { "dos.difficulty.base_bits": 4, "dos.difficulty.max_bits": 8 } });
    const pair = createLoopbackTransportPair();
    const session = node.sync.connect(pair[0]);
    const raw = pair[1];
    const frames: SessionFrame[] = [];
    raw.onMessage((bytes) => {
      const f = decodeFrame(bytes);
      if (f.ok) frames.push(f.value);
    });
    const send = (frame: SessionFrame) => raw.send(expectOk(encodeFrame(frame)));
    await settle(pair, [session]);
    const { kind: _kind, ...challenge } = frames.find((f) => f.kind === "challenge") as SessionFrame & Challenge;
    send({ kind: "solution", ...expectOk(await solvePuzzle(challenge)) });
    await settle(pair, [session]);
    expect(frames.some((f) => f.kind === "admitted")).toBe(true);
    for (let i = 0; i < 12 && session.status().state !== "closed"; i++) {
      send({ kind: "cursors", cursors: {} });
      await settle(pair, [session]);
    }
    expect(session.status()).toMatchObject({
      state: "closed",
      closeReason: "peer_cut_off",
      lastError: { data: { reason: "frame_before_hello" } },
    });
  });
});
