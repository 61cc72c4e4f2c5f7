// The rendezvous end to end over the real relay (loopback, ephemeral port) with `ws` clients: three
// members pair up, an offer and an answer cross, and a retry re-pairs after a "dropped link".
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startRelay, type Relay } from "../../signal/relay-server.ts";
import { joinRelayRoom, type RelayRoom } from "./relay-client.ts";
import { createRendezvous, type Pairing, type Rendezvous } from "./relay-rendezvous.ts";

let relay: Relay | undefined;
const rooms: RelayRoom[] = [];

afterEach(async () => {
  for (const r of rooms.splice(0)) r.close();
  await relay?.close();
  relay = undefined;
});

type Member = { room: RelayRoom; rendezvous: Rendezvous; paired(remote: string, attempt?: number): Promise<Pairing> };

async function member(): Promise<Member> {
  const joined = await joinRelayRoom({ url: relay!.url, room: "lobby", WebSocketImpl: WebSocket });
  if (!joined.ok) throw new Error(JSON.stringify(joined.error));
  rooms.push(joined.value);
  const pairings: Pairing[] = [];
  const waiters: { remote: string; attempt: number; resolve(p: Pairing): void }[] = [];
  const rendezvous = createRendezvous(joined.value, {
    onPair(p) {
      pairings.push(p);
      for (const w of waiters.filter((w) => w.remote === p.remote && w.attempt === p.attempt)) w.resolve(p);
    },
  });
  return {
    room: joined.value,
    rendezvous,
    paired(remote, attempt = 0) {
      const found = pairings.find((p) => p.remote === remote && p.attempt === attempt);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ remote, attempt, resolve }));
    },
  };
}

function nextSignal(p: Pairing): Promise<unknown> {
  return new Promise((resolve) => {
    const off = p.onSignal((s) => {
      off();
      resolve(s);
    });
  });
}

const OFFER = { type: "offer", sdp: "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\n" };
const ANSWER = { type: "answer", sdp: "v=0\r\no=- 73301 2 IN IP4 127.0.0.1\r\ns=-\r\n" };

it("pairs members through the real relay, carries offer and answer, and re-pairs on retry", async () => {
  relay = await startRelay({ host: "127.0.0.1", port: 0, log: () => {} });
  const a = await member();
  const b = await member();
  const [ab, ba] = await Promise.all([a.paired(b.room.memberId), b.paired(a.room.memberId)]);
  expect(ab.initiator).toBe(a.room.memberId < b.room.memberId);
  expect(ba.initiator).toBe(!ab.initiator);
  const [offerer, answerer] = ab.initiator ? [ab, ba] : [ba, ab];

  const offered = nextSignal(answerer);
  expect(offerer.send(OFFER).ok).toBe(true);
  expect(await offered).toEqual(OFFER);
  const answered = nextSignal(offerer);
  expect(answerer.send(ANSWER).ok).toBe(true);
  expect(await answered).toEqual(ANSWER);

  // A late joiner pairs with both from the replayed announces plus their live answers.
  const c = await member();
  const paired = await Promise.all([
    c.paired(a.room.memberId),
    c.paired(b.room.memberId),
    a.paired(c.room.memberId),
    b.paired(c.room.memberId),
  ]);
  expect(paired.map((p) => p.attempt)).toEqual([0, 0, 0, 0]);

  // The link a-b "drops": the non-initiator asks, the initiator opens attempt 1 and re-offers.
  const [initiator, other] = ab.initiator ? [a, b] : [b, a];
  other.rendezvous.retry(initiator.room.memberId, 0);
  const fresh = await initiator.paired(other.room.memberId, 1);
  expect(fresh.initiator).toBe(true);
  const reoffered = other.paired(initiator.room.memberId, 1).then(nextSignal);
  fresh.send({ ...OFFER, sdp: OFFER.sdp + "a=retry\r\n" });
  expect(await reoffered).toEqual({ ...OFFER, sdp: OFFER.sdp + "a=retry\r\n" });
});
