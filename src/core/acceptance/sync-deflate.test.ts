// Deflated frames (protocol 2.1, ADR 0035): two 2.1 sides deflate their big frames and converge; a
// 2.1 side never deflates toward a 2.0 peer, which refuses its hello; two 2.0 sides sync plain; and
// a deflated frame the receiver did not agree to, or one that inflates past the frame limit, is
// refused with its code, audited, and writes nothing.
import { deflateSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createLoopbackTransportPair,
  DEFLATE_MIN_BYTES,
  deflateFrame,
  encodeFrame,
  isDeflated,
  markDeflated,
  type LoopbackPair,
  type TraceEntry,
} from "../network/index.ts";
import { ok } from "../shared/result.ts";
import type { ProtocolVersion } from "../wire/index.ts";
import { expectOk, writeNotes } from "./fixtures.ts";
import { digest, frameOf, pumpManually, side, withSend, type Side } from "./sync-link.ts";

const NOTES = "app.notes/notes";
const V2_0: ProtocolVersion = [2, 0, 0];

let a: Side;
let b: Side;

beforeEach(async () => {
  a = await side("Ann");
  b = await side("Ben");
  await writeNotes(
    a.node,
    a.me,
    Array.from({ length: 30 }, (_, i) => `a note of a reasonable length, number ${i}`),
  );
});

const sent = (pair: LoopbackPair, from: "a" | "b"): TraceEntry[] => pair.trace().filter((t) => t.from === from);
const big = (entries: readonly TraceEntry[]): TraceEntry[] => entries.filter((t) => t.bytes.length >= DEFLATE_MIN_BYTES);

async function notesOf(side: Side): Promise<number> {
  return (await side.node.history({ limit: 1000, app: "app.notes" })).length;
}

describe("deflated frames (ADR 0035)", () => {
  it("two 2.1 sides deflate their big frames, never a handshake frame, and converge", async () => {
    const pair = createLoopbackTransportPair({ delivery: "manual", traceLimit: 10_000 });
    const sa = a.node.sync.connect(pair[0]);
    const sb = b.node.sync.connect(pair[1]);
    await pumpManually(pair, [sa, sb]);
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(sb.status()).toMatchObject({ lastError: null, protocol: "2.1" });
    const deflated = sent(pair, "a").filter((t) => isDeflated(t.bytes));
    expect(deflated.length).toBeGreaterThan(0);
    for (const entry of deflated) expect(frameOf(entry.bytes)?.kind).toBe("package");
    // Deflated frames are the smaller for it; the handshake always goes plain.
    const kinds = pair
      .trace()
      .filter((t) => !isDeflated(t.bytes))
      .map((t) => frameOf(t.bytes)?.kind);
    for (const kind of ["challenge", "solution", "admitted", "hello"]) expect(kinds).toContain(kind);
    const packageBytes = deflated.reduce((n, t) => n + t.bytes.length, 0);
    const plainBytes = deflated.reduce((n, t) => n + new TextEncoder().encode(JSON.stringify(frameOf(t.bytes))).length, 0);
    expect(packageBytes * 2).toBeLessThan(plainBytes);
  });

  it("a 2.0 side refuses a 2.1 hello (protocol 11): nothing reaches it", async () => {
    const pair = createLoopbackTransportPair({ delivery: "manual", traceLimit: 10_000 });
    const sa = a.node.sync.connect(pair[0]);
    const sb = b.node.sync.connect(pair[1], { protocolVersion: V2_0 });
    await pumpManually(pair, [sa, sb]);
    expect(sb.status().closeReason).toBe("hello_rejected");
    expect(sb.status().lastError).toMatchObject({ code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "protocol_minor_unsupported" } });
    expect(await notesOf(b)).toBe(0);
  });

  it("a 2.1 side that took a 2.0 hello never deflates toward that peer", async () => {
    const pair = createLoopbackTransportPair({ delivery: "manual", traceLimit: 10_000 });
    // Ann's hello is lost on the link, so Ben never refuses it; Ann takes his and speaks 2.0 with him.
    const ta = withSend(pair[0], (bytes, target) => (frameOf(bytes)?.kind === "hello" ? ok(undefined) : target.send(bytes)));
    const sa = a.node.sync.connect(ta);
    const sb = b.node.sync.connect(pair[1], { protocolVersion: V2_0 });
    await pumpManually(pair, [sa, sb]);
    expect(sa.status()).toMatchObject({ state: "syncing", protocol: "2.0" });
    // Asked for her notes outright, Ann answers with a big `have`, plain.
    const ids = (await a.node.history({ limit: 1000, app: "app.notes" })).map((h) => h.id);
    expectOk(pair[1].send(expectOk(encodeFrame({ kind: "want", envelope_ids: ids }))));
    await pumpManually(pair, [sa, sb]);
    const answers = sent(pair, "a").filter((t) => frameOf(t.bytes)?.kind === "have");
    expect(big(answers).length).toBeGreaterThan(0);
    expect(pair.trace().some((t) => isDeflated(t.bytes))).toBe(false);
  });

  it("two 2.0 sides sync plain and converge", async () => {
    const pair = createLoopbackTransportPair({ delivery: "manual", traceLimit: 10_000 });
    const sa = a.node.sync.connect(pair[0], { protocolVersion: V2_0 });
    const sb = b.node.sync.connect(pair[1], { protocolVersion: V2_0 });
    await pumpManually(pair, [sa, sb]);
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(big(sent(pair, "a")).length).toBeGreaterThan(0);
    expect(pair.trace().some((t) => isDeflated(t.bytes))).toBe(false);
  });

  it("refuses a deflated frame from a peer whose hello said 2.0: coded, audited, nothing written", async () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    let forced = 0;
    // Ann's side speaks 2.0 but its link deflates her packages anyway.
    const ta = withSend(pair[0], (bytes, target) => {
      if (frameOf(bytes)?.kind !== "package" || bytes.length < DEFLATE_MIN_BYTES) return target.send(bytes);
      forced += 1;
      return target.send(deflateFrame(bytes));
    });
    const sa = a.node.sync.connect(ta, { protocolVersion: V2_0 });
    const sb = b.node.sync.connect(pair[1], { protocolVersion: V2_0 });
    await pumpManually(pair, [sa, sb]);
    expect(forced).toBeGreaterThan(0);
    expect(sb.status().lastError).toMatchObject({ code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "deflate_not_negotiated" } });
    expect(await notesOf(b)).toBe(0);
    expect((await b.node.sync.cursors(a.node.sync.nodeIdentity))[NOTES] ?? 0).toBe(0);
    const page = expectOk(await b.node.audit.query({}));
    expect(page.records.some((record) => record.code === "ERR_STRUCT_INVALID_ENCODING")).toBe(true);
  });

  it("refuses a deflate bomb from a 2.1 peer as a frame too large, before reading it: audited, nothing written", async () => {
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    // 8 MiB of JSON-looking text in a few kilobytes, in place of every notes package.
    const bombFrame = markDeflated(
      deflateSync(new TextEncoder().encode(`{"kind":"package","envelopes":["${" ".repeat(8 << 20)}"]}`), { level: 9 }),
    );
    let bombs = 0;
    const ta = withSend(pair[0], (bytes, target) => {
      const frame = frameOf(bytes);
      if (frame?.kind !== "package" || frame.frame.sync_domain !== NOTES) return target.send(bytes);
      bombs += 1;
      return target.send(bombFrame);
    });
    const sa = a.node.sync.connect(ta);
    const sb = b.node.sync.connect(pair[1]);
    await pumpManually(pair, [sa, sb]);
    expect(bombs).toBeGreaterThan(0);
    expect(bombFrame.length).toBeLessThan(64 * 1024);
    expect(sb.status().lastError).toMatchObject({ code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "frame_too_large" } });
    expect(await notesOf(b)).toBe(0);
    const page = expectOk(await b.node.audit.query({}));
    expect(page.records.some((record) => record.code === "ERR_RESOURCE_RATE_LIMIT")).toBe(true);
  });
});
