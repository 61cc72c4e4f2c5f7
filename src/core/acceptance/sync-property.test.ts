// Issue 5's seeded property: several nodes, random peerings in a random order, frames dropped on
// the way, concurrent writes everywhere → every node ends with the same digest, and no node ever
// holds an envelope it was not allowed to receive.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import type { IdentityId } from "../shared/ids.ts";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { expectOk, meet, NOTES_SCHEMA, startNode, testPublisher, writeNotes } from "./fixtures.ts";

const FAST_PUZZLES = { "dos.difficulty.base_bits": 4, "dos.difficulty.max_bits": 10 };

type Peer = { node: TwoWayNode; me: IdentityId };

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
            await Promise.all(peers.map((p, k) => writeNotes(p.node, p.me, [`${k}-${round}`])));
            if (i !== j) await meet(peers[i]!.node, peers[j]!.node, { drops });
          }
          // A final ring, so every write has had a path to every node.
          for (const [i, j] of [
            [0, 1],
            [1, 2],
            [2, 0],
            [0, 1],
          ] as const)
            await meet(peers[i]!.node, peers[j]!.node);
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
    await writeNotes(ada.node, ada.me, ["private"]);
    await writeNotes(peers[1]!.node, peers[1]!.me, ["bo"]);
    for (const [i, j] of [
      [0, 1],
      [1, 2],
      [2, 0],
      [0, 2],
    ] as const)
      await meet(peers[i]!.node, peers[j]!.node, { drops: 1 });
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

const TODO_SCHEMA = {
  app: "app.todo",
  version: "1.0.0",
  types: { "todo.item": { kind: "parent", fields: { text: { type: "string", required: true, max_length: 200 } } } },
  domains: { items: { types: ["todo.item"], mode: "sync" } },
} as const;

const SYSTEM_DOMAINS = ["system/acl", "system/apps", "system/capabilities", "system/groups", "system/identity", "system/revocations"];

describe("sync with overlapping domains, grants and a revocation (seeded property)", () => {
  it("every pair ends with one digest for each domain it shares, and no node holds a domain it does not sync", async () => {
    const notesPkg = await (await testPublisher(90)).package(NOTES_SCHEMA);
    const todoPkg = await (await testPublisher(91)).package(TODO_SCHEMA);
    const { seed, numRuns } = fuzzConfig(2);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), {
          minLength: 3,
          maxLength: 5,
        }),
        fc.integer({ min: 2, max: 3 }),
        async (meetings, revokeAfter) => {
          // Ada syncs notes and todos, Bo only notes, Cy only todos; everyone syncs the system app.
          const domains = [
            [...SYSTEM_DOMAINS, "app.notes/notes", "app.todo/items"],
            [...SYSTEM_DOMAINS, "app.notes/notes"],
            [...SYSTEM_DOMAINS, "app.todo/items"],
          ];
          const peers: Peer[] = [];
          for (const name of ["Ada", "Bo", "Cy"]) {
            const { node } = await startNode({ config: FAST_PUZZLES });
            expectOk(await node.apps.install(notesPkg));
            expectOk(await node.apps.install(todoPkg));
            peers.push({ node, me: expectOk(await node.identities.create({ name })).identityId });
          }
          const [ada, bo, cy] = peers as [Peer, Peer, Peer];
          // One device key for both of Ada's apps: its chain crosses domains Bo and Cy each lack, and
          // the stubs of wire v2 keep it connected on both (ADR 0013).
          const adaKey = expectOk(await ada.node.identities.addDevice(ada.me)).keyId;
          const [adaNotesKey, adaTodoKey] = [adaKey, adaKey];
          const session = async (p: Peer, app: string, keyId?: string) =>
            expectOk(await p.node.openSession({ identityId: p.me, app, ...(keyId === undefined ? {} : { keyId }) }));
          const adaNotes = await session(ada, "app.notes", adaNotesKey);
          const adaTodo = await session(ada, "app.todo", adaTodoKey);
          const adaSystem = await session(ada, "system");
          const shared = expectOk(
            await adaNotes.submit({
              domain: "notes",
              ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "shared" } } }],
            }),
          ).objectIds[0]!;
          const root = expectOk(
            await adaSystem.submit({
              domain: "acl",
              ops: [
                {
                  op: "parent_create",
                  type_key: "acl.root",
                  payload: { value: { target_app: "app.notes", scope: "object", target_object_id: shared } },
                },
              ],
            }),
          );
          expectOk(
            await adaSystem.submit({
              domain: "acl",
              ops: [
                { op: "attr_create", type_key: "acl.write.allow", payload: { parent_id: root.objectIds[0]!, value: { identity: bo.me } } },
              ],
            }),
          );

          const meetOn = (i: number, j: number, drops: number) =>
            meet(peers[i]!.node, peers[j]!.node, { domains: domains[i]!.filter((d) => domains[j]!.includes(d)), drops });

          // Bo first meets Ada, so he holds her note and his grant before anything else happens.
          await meetOn(0, 1, 0);
          let round = 0;
          for (const [i, j, drops] of meetings) {
            round += 1;
            expectOk(
              await adaNotes.submit({
                domain: "notes",
                ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: `ada ${round}` } } }],
              }),
            );
            expectOk(
              await adaTodo.submit({
                domain: "items",
                ops: [{ op: "parent_create", type_key: "todo.item", payload: { value: { text: `ada ${round}` } } }],
              }),
            );
            expectOk(
              await (
                await session(cy, "app.todo")
              ).submit({
                domain: "items",
                ops: [{ op: "parent_create", type_key: "todo.item", payload: { value: { text: `cy ${round}` } } }],
              }),
            );
            // Bo writes under Ada's note whenever he holds it and its grant; refusals are fine.
            await (
              await session(bo, "app.notes")
            ).submit({
              domain: "notes",
              ops: [{ op: "attr_create", type_key: "notes.tag", payload: { parent_id: shared, value: `bo ${round}` } }],
            });
            if (round === revokeAfter) {
              // Ada withdraws Bo's grant beyond what she has seen of him.
              const seen = (await ada.node.history({ limit: 1000 })).filter((h) => h.authorId === bo.me);
              const boKey =
                seen.length > 0
                  ? (JSON.parse(seen[0]!.text) as { author_key: string }).author_key
                  : expectOk(await bo.node.identities.list()).find((k) => k.scope === "identity")!.keyId;
              const lastSeq = Math.max(1, ...seen.map((h) => (JSON.parse(h.text) as { seq: number }).seq));
              expectOk(
                await adaSystem.submit({
                  domain: "acl",
                  ops: [
                    {
                      op: "attr_create",
                      type_key: "acl.write.deny",
                      payload: { parent_id: root.objectIds[0]!, value: { identity: bo.me, cuts: [{ key: boKey, last_seq: lastSeq }] } },
                    },
                  ],
                }),
              );
            }
            if (i !== j) await meetOn(i, j, drops);
          }
          for (const [i, j] of [
            [0, 1],
            [0, 2],
            [1, 2],
            [0, 1],
            [0, 2],
          ] as const)
            await meetOn(i, j, 0);

          // The grant was really used: Bo's tags under Ada's note reached her (some withdrawn by the deny).
          const boAtAda = (await ada.node.history({ limit: 1000, app: "app.notes" })).filter((h) => h.authorId === bo.me);
          expect(boAtAda.length).toBeGreaterThan(0);
          const digest = (p: Peer, app: string) => p.node.stateDigest({ app });
          expect(await digest(bo, "app.notes")).toEqual(await digest(ada, "app.notes"));
          expect(await digest(cy, "app.todo")).toEqual(await digest(ada, "app.todo"));
          expect(await digest(bo, "system")).toEqual(await digest(ada, "system"));
          expect(await digest(cy, "system")).toEqual(await digest(ada, "system"));
          expect((await bo.node.stateDigest({ app: "app.todo" })).objects).toBe(0);
          expect((await cy.node.stateDigest({ app: "app.notes" })).objects).toBe(0);
          expect(await bo.node.history({ limit: 10, app: "app.todo" })).toEqual([]);
          expect(await cy.node.history({ limit: 10, app: "app.notes" })).toEqual([]);
          for (const p of peers) await p.node.stop();
        },
      ),
      { seed, numRuns },
    );
  }, 180_000);
});
