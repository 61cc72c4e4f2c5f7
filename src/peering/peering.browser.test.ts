// The page's peering orchestrator in Chromium: two Peering instances in this page, linked through
// copy-paste invite codes over real loopback WebRTC, each `attach` wrapping its port in the node's
// PortTransport. Relay rooms need the Node relay server, so only their refusal is tested here (e2e covers rooms).
import { afterEach, describe, expect, it } from "vitest";
import { createPortTransport, type Transport } from "../core/network/index.ts";
import { bytesEqual } from "../core/shared/bytes.ts";
import { nodeError } from "../core/shared/errors.ts";
import { err, ok, type Result } from "../core/shared/result.ts";
import { encodeInviteCode } from "./invite-code.ts";
import { createPeering, type LinkInfo, type Peering, type PeerVia } from "./peering.ts";
import { loopbackOnly } from "./webrtc-peer.ts";

type Attach = {
  readonly transport: Transport;
  readonly label: string;
  readonly via: PeerVia;
  /** The transport's close reason, subscribed to as soon as it exists. */
  readonly closed: Promise<string>;
};
type AttachAnswer = (call: Attach) => Promise<Result<{ readonly sessionId: string }>> | Result<{ readonly sessionId: string }>;

type Side = {
  readonly peering: Peering;
  /** Every attach call, in order. */
  readonly attached: Attach[];
  /** How many times onChange fired. */
  changes(): number;
};

const live: Peering[] = [];
afterEach(() => {
  for (const peering of live.splice(0)) peering.close();
});

/** A Peering whose `attach` hands the port to a PortTransport and answers `answer(call)` (default: a session id). */
function side(name: string, answer?: AttachAnswer, options: { readonly signalTimeoutMs?: number } = {}): Side {
  const attached: Attach[] = [];
  let changes = 0;
  const peering = createPeering({
    ...options,
    allowCandidate: loopbackOnly,
    async attach(port, label, via) {
      const transport = createPortTransport(port, { id: `${name}-${attached.length + 1}` });
      const call = { transport, label, via, closed: new Promise<string>((resolve) => transport.onClose(resolve)) };
      attached.push(call);
      return answer === undefined ? ok({ sessionId: `${name}-session-${attached.length}` }) : answer(call);
    },
  });
  peering.onChange(() => changes++);
  live.push(peering);
  return { peering, attached, changes: () => changes };
}

/** Resolves with the links once `done(links)` holds: checked now and on every onChange. */
function linksWhen(peering: Peering, done: (links: readonly LinkInfo[]) => boolean): Promise<readonly LinkInfo[]> {
  return new Promise((resolve) => {
    if (done(peering.links())) return resolve(peering.links());
    const stop = peering.onChange(() => {
      if (!done(peering.links())) return;
      stop();
      resolve(peering.links());
    });
  });
}

const allIn = (phase: LinkInfo["phase"]) => (links: readonly LinkInfo[]) => links.length > 0 && links.every((l) => l.phase === phase);

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code} ${JSON.stringify(result.error.data)}`);
  return result.value;
}

/** A invites, B accepts, A finishes: resolves once both links are attached. */
async function invitePair(a: Side, b: Side) {
  const offer = unwrap(await a.peering.createInvite());
  const { answerCode } = unwrap(await b.peering.acceptInvite(offer.code));
  unwrap(await a.peering.finishInvite(answerCode));
  await Promise.all([linksWhen(a.peering, allIn("attached")), linksWhen(b.peering, allIn("attached"))]);
  return { offer, answerCode };
}

function opened(transport: Transport): Promise<void> {
  return transport.state === "open" ? Promise.resolve() : new Promise((resolve) => transport.onOpen(resolve));
}

function nextMessage(transport: Transport): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const stop = transport.onMessage((message) => {
      stop();
      resolve(message);
    });
  });
}

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}

/** A syntactically valid code of the given kind; its SDP never reaches WebRTC in these tests. */
const fakeCode = (type: "offer" | "answer") => encodeInviteCode({ type, sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" });

describe("peering: the invite flow", () => {
  it("connects two pages through an offer code and an answer code, attaching one PortTransport each (via invite)", async () => {
    const a = side("a");
    const b = side("b");
    const offer = unwrap(await a.peering.createInvite());
    expect(offer.code).toMatch(/^twoway1\.o\./);
    expect(offer.link).toBe(`${location.origin}/#/peers?invite=${offer.code}`);
    expect(offer.qrSvg).toContain("<svg");
    const { answerCode } = unwrap(await b.peering.acceptInvite(offer.code));
    expect(answerCode).toMatch(/^twoway1\.a\./);
    expect(await a.peering.finishInvite(answerCode)).toEqual({ ok: true, value: undefined });

    const [linksA, linksB] = await Promise.all([linksWhen(a.peering, allIn("attached")), linksWhen(b.peering, allIn("attached"))]);
    expect(linksA).toEqual([
      {
        id: "link-1",
        label: "invited peer",
        via: "invite",
        phase: "attached",
        sessionId: "a-session-1",
        closeReason: null,
        stalled: false,
      },
    ]);
    expect(linksB).toEqual([
      {
        id: "link-1",
        label: "inviting peer",
        via: "invite",
        phase: "attached",
        sessionId: "b-session-1",
        closeReason: null,
        stalled: false,
      },
    ]);
    expect(a.changes()).toBeGreaterThan(0);
    expect(b.changes()).toBeGreaterThan(0);

    const [atA] = a.attached;
    const [atB] = b.attached;
    expect([atA?.label, atA?.via, atB?.label, atB?.via]).toEqual(["invited peer", "invite", "inviting peer", "invite"]);
    const ta = atA!.transport;
    const tb = atB!.transport;
    await Promise.all([opened(ta), opened(tb)]);

    const small = Uint8Array.of(0, 1, 2, 254, 255);
    const big = pattern(1 << 20, 7);
    const gotAtB = nextMessage(tb);
    expect(ta.send(small).ok).toBe(true);
    expect(await gotAtB).toEqual(small);
    const gotAtA = nextMessage(ta);
    expect(tb.send(big).ok).toBe(true);
    expect(bytesEqual(await gotAtA, big)).toBe(true);
    const bigBack = pattern(1 << 20, 8);
    const gotBigAtB = nextMessage(tb);
    expect(ta.send(bigBack).ok).toBe(true);
    expect(bytesEqual(await gotBigAtB, bigBack)).toBe(true);

    // Once each, even after traffic.
    expect([a.attached.length, b.attached.length]).toEqual([1, 1]);
  });

  it("stops calling an onChange listener once it unsubscribes", async () => {
    const a = side("a");
    let calls = 0;
    const stop = a.peering.onChange(() => calls++);
    unwrap(await a.peering.createInvite());
    const before = calls;
    expect(before).toBeGreaterThan(0);
    stop();
    a.peering.close();
    await linksWhen(a.peering, allIn("closed"));
    expect(calls).toBe(before);
  });

  it("closes the first pending invite when a second is made; only the second can be finished", async () => {
    const a = side("a");
    const b1 = side("b1");
    const b2 = side("b2");
    const first = unwrap(await a.peering.createInvite());
    const second = unwrap(await a.peering.createInvite());
    expect(second.code).not.toBe(first.code);
    const [newest, oldest] = await linksWhen(a.peering, (links) => links.length === 2 && links[1]!.phase === "closed");
    expect(oldest).toMatchObject({ id: "link-1", phase: "closed", closeReason: "closed_locally" });
    expect(newest).toMatchObject({ id: "link-2", phase: "signaling", closeReason: null });

    // Answering the first invite still gives a code, but the tab that made it is no longer waiting on it.
    unwrap(await b1.peering.acceptInvite(first.code));
    const { answerCode } = unwrap(await b2.peering.acceptInvite(second.code));
    unwrap(await a.peering.finishInvite(answerCode));
    await Promise.all([linksWhen(a.peering, (links) => links[0]?.phase === "attached"), linksWhen(b2.peering, allIn("attached"))]);
    expect(a.peering.links().map((l) => [l.id, l.phase])).toEqual([
      ["link-2", "attached"],
      ["link-1", "closed"],
    ]);
    expect(a.attached).toHaveLength(1);
    expect(b1.attached).toHaveLength(0);
    expect(b2.attached).toHaveLength(1);
    expect(await a.peering.finishInvite(answerCode)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "no_open_invite" } },
    });
  });

  it("settles a createInvite superseded by a second call made before the first offer was ready", async () => {
    const a = side("a");
    const first = a.peering.createInvite();
    const second = a.peering.createInvite();
    expect(unwrap(await second).code).toMatch(/^twoway1\.o\./);
    // The first invite's peer was destroyed before it made its offer: the call must still answer.
    expect(await first).toMatchObject({ ok: false });
  }, 10_000);
});

describe("peering: refused invite codes (nothing attached, no link left open)", () => {
  it("refuses finishInvite when this tab made no invite (ERR_MNG_NETWORK_PEER_UNREACHABLE no_open_invite)", async () => {
    const a = side("a");
    expect(await a.peering.finishInvite(await fakeCode("answer"))).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "no_open_invite" } },
    });
    expect(a.peering.links()).toEqual([]);
    expect(a.attached).toEqual([]);
  });

  it("refuses an answer code given to acceptInvite (ERR_STRUCT_INVALID_TYPE not_an_offer)", async () => {
    const b = side("b");
    expect(await b.peering.acceptInvite(await fakeCode("answer"))).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "not_an_offer" } },
    });
    expect(b.peering.links()).toEqual([]);
    expect(b.attached).toEqual([]);
  });

  it("refuses an offer code given to finishInvite (ERR_STRUCT_INVALID_TYPE not_an_answer), and the invite stays open", async () => {
    const a = side("a");
    const b = side("b");
    const offer = unwrap(await a.peering.createInvite());
    expect(await a.peering.finishInvite(offer.code)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "not_an_answer" } },
    });
    expect(a.peering.links().map((l) => l.phase)).toEqual(["signaling"]);
    expect(a.attached).toEqual([]);
    // The refusal did not use the invite up: the real answer still finishes it.
    const { answerCode } = unwrap(await b.peering.acceptInvite(offer.code));
    unwrap(await a.peering.finishInvite(answerCode));
    await linksWhen(a.peering, allIn("attached"));
  });

  it("refuses a hostile invite with no data channel on either step (ERR_STRUCT_INVALID_TYPE no_data_channel), opening nothing", async () => {
    const a = side("a");
    const b = side("b");
    const bare = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"; // a session with no m= line at all
    const refusal = { ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "no_data_channel" } } };
    expect(await b.peering.acceptInvite(await encodeInviteCode({ type: "offer", sdp: bare }))).toMatchObject(refusal);
    expect(b.peering.links()).toEqual([]);
    const offer = unwrap(await a.peering.createInvite());
    expect(await a.peering.finishInvite(await encodeInviteCode({ type: "answer", sdp: bare }))).toMatchObject(refusal);
    expect(a.peering.links().map((l) => l.phase)).toEqual(["signaling"]);
    // The invite is still open for the real answer.
    const { answerCode } = unwrap(await b.peering.acceptInvite(offer.code));
    unwrap(await a.peering.finishInvite(answerCode));
    await linksWhen(a.peering, allIn("attached"));
  });

  it("gives up on a code its own peer never produces (ERR_MNG_NETWORK_PEER_UNREACHABLE signal_timeout) and closes the link", async () => {
    // A zero timeout fires before any WebRTC offer can exist: the path a stalled peer takes on a phone.
    const a = side("a", undefined, { signalTimeoutMs: 0 });
    expect(await a.peering.createInvite()).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "signal_timeout" } },
    });
    await linksWhen(a.peering, allIn("closed"));
  });

  it("refuses a damaged code on either step (ERR_STRUCT_INVALID_ENCODING damaged)", async () => {
    const a = side("a");
    const b = side("b");
    const offer = unwrap(await a.peering.createInvite());
    const refusal = { ok: false, error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "damaged" } } };
    expect(await b.peering.acceptInvite(offer.code.slice(0, -12))).toMatchObject(refusal);
    expect(b.peering.links()).toEqual([]);
    const { answerCode } = unwrap(await b.peering.acceptInvite(offer.code));
    expect(await a.peering.finishInvite(answerCode.slice(0, -12))).toMatchObject(refusal);
    expect(a.peering.links().map((l) => l.phase)).toEqual(["signaling"]);
    expect([a.attached.length, b.attached.length]).toEqual([0, 0]);
  });

  it("refuses a second finishInvite for the same invite (no_open_invite) and attaches once", async () => {
    const a = side("a");
    const b = side("b");
    const { answerCode } = await invitePair(a, b);
    expect(await a.peering.finishInvite(answerCode)).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "no_open_invite" } },
    });
    expect(a.peering.links().map((l) => [l.id, l.phase])).toEqual([["link-1", "attached"]]);
    expect([a.attached.length, b.attached.length]).toEqual([1, 1]);
  });

  it("closes the link when attach refuses it, with the refusal's code as closeReason", async () => {
    const a = side("a");
    const b = side("b", () => err(nodeError("ERR_RESOURCE_PEER_LIMIT", "Too many peers.", { reason: "too_many_peers" })));
    const offer = unwrap(await a.peering.createInvite());
    const { answerCode } = unwrap(await b.peering.acceptInvite(offer.code));
    unwrap(await a.peering.finishInvite(answerCode));
    const [atA, atB] = await Promise.all([
      linksWhen(a.peering, allIn("attached")).then(() => a.attached[0]!),
      linksWhen(b.peering, allIn("closed")).then(() => b.attached[0]!),
    ]);
    // The far side hears the link go: by then B's own close has long run its course.
    expect(await atA.closed).toBe("link_lost");
    expect(atB.transport.state).toBe("closed");
    expect(b.peering.links()).toEqual([
      {
        id: "link-1",
        label: "inviting peer",
        via: "invite",
        phase: "closed",
        sessionId: null,
        closeReason: "ERR_RESOURCE_PEER_LIMIT",
        stalled: false,
      },
    ]);
    await linksWhen(a.peering, allIn("closed"));
    expect(a.peering.links()[0]?.closeReason).toBe("link_lost");
  });

  it("keeps a link closed when it closes while the node is still attaching it", async () => {
    let release: (() => void) | undefined;
    const attaching = new Promise<void>((resolve) => (release = resolve));
    const a = side("a");
    const b = side("b", async () => {
      await attaching;
      return ok({ sessionId: "late-session" });
    });
    const offer = unwrap(await a.peering.createInvite());
    const { answerCode } = unwrap(await b.peering.acceptInvite(offer.code));
    unwrap(await a.peering.finishInvite(answerCode));
    await linksWhen(a.peering, allIn("attached"));
    // B's channel is open and its attach is pending: the link goes down under it.
    a.peering.dropLink("link-1");
    await linksWhen(b.peering, allIn("closed"));
    release!();
    // A macrotask: every microtask of the attach's resolution has run by then.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(b.peering.links()).toMatchObject([{ id: "link-1", phase: "closed", closeReason: "link_lost" }]);
  });
});

describe("peering: ending links", () => {
  it("dropLink ends an attached invite link on both nodes (link_lost) and does not retry it", async () => {
    const a = side("a");
    const b = side("b");
    await invitePair(a, b);
    await Promise.all([opened(a.attached[0]!.transport), opened(b.attached[0]!.transport)]);
    a.peering.dropLink("link-1");
    expect(await Promise.all([a.attached[0]!.closed, b.attached[0]!.closed])).toEqual(["link_lost", "link_lost"]);
    const [linksA, linksB] = await Promise.all([linksWhen(a.peering, allIn("closed")), linksWhen(b.peering, allIn("closed"))]);
    expect(linksA).toMatchObject([{ id: "link-1", phase: "closed", closeReason: "closed_locally" }]);
    expect(linksB).toMatchObject([{ id: "link-1", phase: "closed", closeReason: "link_lost" }]);
    // An absence cannot be awaited: wait past the first relay retry's pause (250 ms) and look again.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect([a.peering.links().length, b.peering.links().length]).toEqual([1, 1]);
    expect([a.attached.length, b.attached.length]).toEqual([1, 1]);
  });

  it("dropLink of an unknown id changes nothing", async () => {
    const a = side("a");
    const b = side("b");
    await invitePair(a, b);
    const before = a.changes();
    a.peering.dropLink("link-99");
    expect(a.peering.links().map((l) => l.phase)).toEqual(["attached"]);
    expect(a.changes()).toBe(before);
  });

  it("close() closes every link: attached ones (the far side loses them) and a pending invite", async () => {
    const a = side("a");
    const b = side("b");
    await invitePair(a, b);
    unwrap(await a.peering.createInvite());
    expect(a.peering.links().map((l) => l.phase)).toEqual(["signaling", "attached"]);
    a.peering.close();
    const linksA = await linksWhen(a.peering, allIn("closed"));
    expect(linksA.map((l) => [l.id, l.closeReason])).toEqual([
      ["link-2", "closed_locally"],
      ["link-1", "closed_locally"],
    ]);
    expect(await Promise.all([a.attached[0]!.closed, b.attached[0]!.closed])).toEqual(["link_lost", "link_lost"]);
    expect(await linksWhen(b.peering, allIn("closed"))).toMatchObject([{ closeReason: "link_lost" }]);
    expect(await a.peering.finishInvite(await fakeCode("answer"))).toMatchObject({ ok: false });
  });
});

describe("peering: relay rooms (refusals only; e2e joins real rooms)", () => {
  it("refuses joinRoom on an unreachable relay (ERR_MNG_NETWORK_PEER_UNREACHABLE relay_unreachable) and stays out of rooms", async () => {
    const a = side("a");
    expect(await a.peering.joinRoom("ws://127.0.0.1:9/", "lobby")).toMatchObject({
      ok: false,
      error: { code: "ERR_MNG_NETWORK_PEER_UNREACHABLE", data: { reason: "relay_unreachable" } },
    });
    expect(a.peering.currentRoom()).toBeNull();
    expect(a.peering.links()).toEqual([]);
    a.peering.leaveRoom(); // nothing to leave: a no-op
    expect(a.peering.currentRoom()).toBeNull();
  });

  it("refuses a relay address that is not ws:// (ERR_STRUCT_INVALID_ENCODING invalid_url)", async () => {
    const a = side("a");
    expect(await a.peering.joinRoom("https://127.0.0.1:9/", "lobby")).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_ENCODING", data: { reason: "invalid_url" } },
    });
    expect(a.peering.currentRoom()).toBeNull();
  });
});
