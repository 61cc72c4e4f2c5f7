// The sync pipeline (ADR 0027): a receiver prepares the packages behind the one it commits (decode,
// frame and envelope signatures) and still commits them one at a time, in order, failing closed on a
// bad one; what it sends back over seqs that all came from its peer is the range alone.
import { beforeEach, describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import {
  createLoopbackTransportPair,
  decodeFrame,
  encodeFrame,
  type LoopbackPair,
  type SessionFrame,
  type SyncSession,
  type Transport,
} from "../network/index.ts";
import type { IdentityId } from "../shared/ids.ts";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher, writeNotes, type TestNode } from "./fixtures.ts";

const FAST_PUZZLES = { "dos.difficulty.base_bits": 6, "dos.difficulty.max_bits": 12 };
const NOTES = "app.notes/notes";

type Side = TestNode & { me: IdentityId };

async function side(name: string): Promise<Side> {
  const started = await startNode({ config: FAST_PUZZLES });
  expectOk(await started.node.apps.install(await (await testPublisher()).package(NOTES_SCHEMA)));
  return { ...started, me: expectOk(await started.node.identities.create({ name })).identityId };
}

function frameOf(bytes: Uint8Array): SessionFrame | null {
  const decoded = decodeFrame(bytes);
  return decoded.ok ? decoded.value : null;
}

/** The transport with each frame `change` returns re-encoded in its place, as a link that alters frames. */
function altering(transport: Transport, change: (frame: SessionFrame) => SessionFrame | null): Transport {
  return new Proxy(transport, {
    get(target, prop) {
      if (prop === "send")
        return (bytes: Uint8Array) => {
          const changed = change(frameOf(bytes)!);
          return target.send(changed === null ? bytes : expectOk(encodeFrame(changed)));
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Manual delivery: everything due at once each round, so the receiver finds a queue of packages. */
async function burst(pair: LoopbackPair, sessions: readonly SyncSession[], rounds = 400): Promise<void> {
  let last = "";
  let quiet = 0;
  for (let i = 0; i < rounds && quiet < 4; i++) {
    pair.flush();
    await Promise.all(sessions.map((s) => s.idle()));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    const now = JSON.stringify([pair.pending(), sessions.map((s) => s.status())]);
    quiet = now === last && pair.pending() === 0 ? quiet + 1 : 0;
    last = now;
  }
}

const digest = async (node: TwoWayNode) => (await node.stateDigest()).digest;

let a: Side;
let b: Side;

beforeEach(async () => {
  a = await side("Ann");
  b = await side("Ben");
});

describe("the receiver's pipeline (ADR 0027)", () => {
  it("commits a queue of packages prepared ahead one at a time, in order, and sends back only ranges", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 16 }, (_, i) => `n${i}`),
    );
    const pair = createLoopbackTransportPair({ delivery: "manual", traceLimit: 10_000 });
    const sa = a.node.sync.connect(pair[0], { packageLimit: 1 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1 });
    await burst(pair, [sa, sb]);
    expect(await digest(b.node)).toEqual(await digest(a.node));
    expect(sb.status().lastError).toBeNull();
    expect(sb.status().recovered).toBe(0); // no package came out of turn: each committed after the one before
    const received = (await b.node.sync.cursors(a.node.sync.nodeIdentity))[NOTES];
    expect(received).toBe(a.node.globalSeq());
    // Ben's notes are all Ann's: what he pumped back in that domain carried no envelope, and still
    // moved Ann's cursor over every seq he holds.
    const back = pair
      .trace()
      .filter((t) => t.from === "b")
      .map((t) => frameOf(t.bytes))
      .filter((f): f is Extract<SessionFrame, { kind: "package" }> => f?.kind === "package" && f.frame.sync_domain === NOTES);
    expect(back.length).toBeGreaterThan(0);
    expect(back.every((f) => f.envelopes.length === 0)).toBe(true);
    expect((await a.node.sync.cursors(b.node.sync.nodeIdentity))[NOTES]).toBe(b.node.globalSeq());
  });

  it("refuses a package with a bad envelope in the middle of a queue: nothing of it is written, nor of those prepared after it", async () => {
    await writeNotes(
      a.node,
      a.me,
      Array.from({ length: 10 }, (_, i) => `n${i}`),
    );
    const pair = createLoopbackTransportPair({ delivery: "manual" });
    let notesPackages = 0;
    let badFrom = -1;
    // The fourth notes package's envelope is altered on the link: its ids (and so the signed frame)
    // still match, its content no longer does what its author signed.
    const ta = altering(pair[0], (frame) => {
      if (frame.kind !== "package" || frame.frame.sync_domain !== NOTES || frame.envelopes.length === 0) return null;
      if (++notesPackages !== 4) return null;
      badFrom = frame.frame.from_seq;
      const altered = frame.envelopes.map((text) => text.replace(/"title":"n(\d)"/, '"title":"x$1"'));
      expect(altered).not.toEqual(frame.envelopes);
      return { ...frame, envelopes: altered };
    });
    const sa = a.node.sync.connect(ta, { packageLimit: 1 });
    const sb = b.node.sync.connect(pair[1], { packageLimit: 1 });
    await burst(pair, [sa, sb]);
    expect(badFrom).toBeGreaterThan(0);
    // Fail closed: the cursor stops before the bad package; the packages after it (prepared while it
    // was refused) found a gap and committed nothing.
    expect((await b.node.sync.cursors(a.node.sync.nodeIdentity))[NOTES]).toBe(badFrom - 1);
    expect(sb.status().lastError?.code).toBe("ERR_CRYPTO_DIGEST_MISMATCH");
    expect(await digest(b.node)).not.toEqual(await digest(a.node));
    // …and audited with its code.
    const page = expectOk(await b.node.audit.query({}));
    expect(page.records.some((record) => record.code === "ERR_CRYPTO_DIGEST_MISMATCH")).toBe(true);
  });
});
