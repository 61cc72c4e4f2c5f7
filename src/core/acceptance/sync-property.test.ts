// Issue 5's seeded property: several nodes, random peerings in a random order, frames dropped on
// the way, concurrent writes everywhere → every node ends with the same digest, and no node ever
// holds an envelope it was not allowed to receive.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import { createLoopbackTransportPair, type LoopbackPair, type SyncSession } from "../network/index.ts";
import type { IdentityId } from "../shared/ids.ts";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { expectOk, NOTES_SCHEMA, startNode, testPublisher } from "./fixtures.ts";

const FAST_PUZZLES = { "dos.difficulty.base_bits": 4, "dos.difficulty.max_bits": 10 };

async function settle(pair: LoopbackPair, sessions: readonly SyncSession[]): Promise<void> {
  let last = "";
  let quiet = 0;
  for (let i = 0; i < 400 && quiet < 4; i++) {
    await Promise.all(sessions.map((s) => s.idle()));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    const now = JSON.stringify([pair.pending(), sessions.map((s) => s.status())]);
    quiet = now === last && pair.pending() === 0 ? quiet + 1 : 0;
    last = now;
  }
}

/** One meeting of two nodes: connect, lose `drops` frames of the first, resync by ticks, part. */
async function meet(x: TwoWayNode, y: TwoWayNode, drops: number): Promise<void> {
  const pair = createLoopbackTransportPair();
  const sx = x.sync.connect(pair[0], { packageLimit: 4 });
  const sy = y.sync.connect(pair[1], { packageLimit: 4 });
  await settle(pair, [sx, sy]);
  if (drops > 0) pair.dropNext(drops);
  for (let i = 0; i < 6; i++) {
    await sx.tick();
    await sy.tick();
    await settle(pair, [sx, sy]);
  }
  sx.close();
  await settle(pair, [sx, sy]);
}

type Peer = { node: TwoWayNode; me: IdentityId };

async function writeNotes(p: Peer, titles: readonly string[]) {
  const session = expectOk(await p.node.openSession({ identityId: p.me, app: "app.notes" }));
  for (const title of titles)
    expectOk(
      await session.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title } } }] }),
    );
  session.close();
}

async function threePeers(pkg: Awaited<ReturnType<Awaited<ReturnType<typeof testPublisher>>["package"]>>): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const name of ["Ada", "Bo", "Cy"]) {
    const { node } = await startNode({ config: FAST_PUZZLES });
    expectOk(await node.apps.install(pkg));
    peers.push({ node, me: expectOk(await node.identities.create({ name })).identityId });
  }
  return peers;
}

describe("sync convergence (seeded property)", () => {
  it("nodes meeting in random pairs, losing frames, with concurrent writes everywhere, end with one digest", async () => {
    const pkg = await (await testPublisher()).package(NOTES_SCHEMA);
    const { seed, numRuns } = fuzzConfig(3);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 })), {
          minLength: 3,
          maxLength: 6,
        }),
        async (meetings) => {
          const peers = await threePeers(pkg);
          let round = 0;
          for (const [i, j, drops] of meetings) {
            round += 1;
            await Promise.all(peers.map((p, k) => writeNotes(p, [`${k}-${round}`])));
            if (i !== j) await meet(peers[i]!.node, peers[j]!.node, drops);
          }
          // A final ring, so every write has had a path to every node.
          for (const [i, j] of [
            [0, 1],
            [1, 2],
            [2, 0],
            [0, 1],
          ] as const)
            await meet(peers[i]!.node, peers[j]!.node, 0);
          const digests = await Promise.all(peers.map((p) => p.node.stateDigest()));
          expect(digests[1]).toEqual(digests[0]);
          expect(digests[2]).toEqual(digests[0]);
          expect(digests[0]!.objects).toBeGreaterThan(3 * meetings.length);
          for (const p of peers) await p.node.stop();
        },
      ),
      { seed, numRuns },
    );
  }, 120_000);

  it("never sends an envelope to a node that may not read it, whatever route it could take", async () => {
    const peers = await threePeers(await (await testPublisher()).package(NOTES_SCHEMA));
    const ada = peers[0]!;
    // Ada restricts a note to herself before writing it (read rules exist from its creation).
    const system = expectOk(await ada.node.openSession({ identityId: ada.me, app: "system" }));
    const root = expectOk(
      await system.submit({
        domain: "acl",
        ops: [
          {
            op: "parent_create",
            type_key: "acl.root",
            payload: { value: { target_app: "app.notes", scope: "type", target_type_key: "notes.note" } },
          },
        ],
      }),
    );
    expectOk(
      await system.submit({
        domain: "acl",
        ops: [{ op: "attr_create", type_key: "acl.read.allow", payload: { parent_id: root.objectIds[0]!, value: { identity: ada.me } } }],
      }),
    );
    await writeNotes(ada, ["private"]);
    await writeNotes(peers[1]!, ["bo"]);
    for (const [i, j] of [
      [0, 1],
      [1, 2],
      [2, 0],
      [0, 2],
    ] as const)
      await meet(peers[i]!.node, peers[j]!.node, 1);
    const privateEnvelopes = (await ada.node.history({ limit: 1000, app: "app.notes" }))
      .filter((h) => h.authorId === ada.me)
      .map((h) => h.id);
    expect(privateEnvelopes).toHaveLength(1);
    for (const p of peers.slice(1)) expect((await p.node.history({ limit: 1000 })).map((h) => h.id)).not.toContain(privateEnvelopes[0]);
    // What others may read still travels: Cy got Bo's note through Ada or directly.
    const cy = expectOk(await peers[2]!.node.openSession({ identityId: peers[2]!.me, app: "app.notes" }));
    expect(expectOk(await cy.read({ target: "parent" })).rows.map((r) => (r.value as { title: string }).title)).toContain("bo");
  }, 60_000);
});
