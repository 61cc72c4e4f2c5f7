// Issue 11's seeded property (wire profile v2, ADR 0013): four nodes; each person writes with ONE
// device key across three apps, messages readable only by their recipient's node interleaved in
// that key's chain, plus a write grant, its revocation and a forked outsider; random meetings over
// links that drop, duplicate and reorder frames. At the end every node holds what it may read in
// full and applied, everything else at most as a stub, nothing pending, and nodes that may read
// the same set agree on that app's digest.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TwoWayNode, Session } from "../node.ts";
import { decodeFrame, DEFAULT_MAX_FRAME_BYTES, inflateFrame, isDeflated, type Faults } from "../network/index.ts";
import type { IdentityId } from "../shared/ids.ts";
import { fuzzConfig } from "../shared/test-support/fuzz-config.ts";
import { ChainWriter, expectOk, meet, startNode, testPublisher } from "./fixtures.ts";

const PEOPLE = ["Ann", "Ben", "Cal", "Dan"] as const;
const FAST_PUZZLES = { "dos.difficulty.base_bits": 4, "dos.difficulty.max_bits": 10 };

/** One message type per recipient, so read rules exist before any message is written. */
const CHAT_SCHEMA = {
  app: "app.chat",
  version: "1.0.0",
  types: Object.fromEntries(
    PEOPLE.map((_, r) => [`chat.to_${r}`, { kind: "parent", fields: { text: { type: "string", required: true, max_length: 200 } } }]),
  ),
  domains: { messages: { types: PEOPLE.map((_, r) => `chat.to_${r}`), mode: "sync" } },
} as const;
const POSTS_SCHEMA = {
  app: "app.posts",
  version: "1.0.0",
  types: {
    "posts.post": { kind: "parent", fields: { text: { type: "string", required: true, max_length: 200 } } },
    "posts.tag": { kind: "attr", parents: ["posts.post"], value: { type: "string", max_length: 64 } },
  },
  domains: { posts: { types: ["posts.post", "posts.tag"], mode: "sync" } },
} as const;
const SHOP_SCHEMA = {
  app: "app.shop",
  version: "1.0.0",
  types: { "shop.listing": { kind: "parent", fields: { text: { type: "string", required: true, max_length: 200 } } } },
  domains: { listings: { types: ["shop.listing"], mode: "sync" } },
} as const;

const SYSTEM = ["system/acl", "system/apps", "system/capabilities", "system/groups", "system/identity", "system/revocations"];
const ALL = [...SYSTEM, "app.chat/messages", "app.posts/posts", "app.shop/listings"];
/** Dan does not sync the shop: his peers' listings reach him only as the stubs that connect chains. */
const SYNCED = [ALL, ALL, ALL, ALL.filter((d) => d !== "app.shop/listings")];

type Person = { node: TwoWayNode; me: IdentityId; key: string; nodeId: IdentityId; sessions: Record<string, Session> };

const step = fc.oneof(
  fc.record({ kind: fc.constant("message" as const), from: fc.nat(3), to: fc.nat(3) }),
  fc.record({ kind: fc.constant("post" as const), from: fc.nat(3) }),
  fc.record({ kind: fc.constant("listing" as const), from: fc.nat(3) }),
  fc.record({ kind: fc.constant("tag" as const) }),
  fc.record({ kind: fc.constant("meet" as const), a: fc.nat(3), b: fc.nat(3), seed: fc.nat(1_000_000), lossy: fc.boolean() }),
);

/** An ACL root of `author`'s and one allow under it (public design 06); returns the root's id. */
async function aclRule(
  author: Person,
  root: Readonly<Record<string, string>>,
  rule: "acl.read.allow" | "acl.write.allow",
  identity: IdentityId,
): Promise<string> {
  const system = author.sessions["system"]!;
  const rootId = expectOk(
    await system.submit({ domain: "acl", ops: [{ op: "parent_create", type_key: "acl.root", payload: { value: root } }] }),
  ).objectIds[0]!;
  expectOk(
    await system.submit({
      domain: "acl",
      ops: [{ op: "attr_create", type_key: rule, payload: { parent_id: rootId, value: { identity } } }],
    }),
  );
  return rootId;
}

async function setUp(): Promise<Person[]> {
  const packages = await Promise.all(
    [CHAT_SCHEMA, POSTS_SCHEMA, SHOP_SCHEMA].map(async (schema, i) => (await testPublisher(80 + i)).package(schema)),
  );
  const people: Person[] = [];
  for (const name of PEOPLE) {
    const { node } = await startNode({ config: FAST_PUZZLES });
    for (const pkg of packages) expectOk(await node.apps.install(pkg));
    const me = expectOk(await node.identities.create({ name })).identityId;
    // ONE device key for everything this person writes: system, chat, posts, shop.
    const keyId = expectOk(await node.identities.addDevice(me, { label: "phone" })).keyId;
    const key = expectOk(await node.identities.list()).find((k) => k.keyId === keyId)!.publicKey;
    const sessions: Record<string, Session> = {};
    for (const app of ["system", "app.chat", "app.posts", "app.shop"])
      sessions[app] = expectOk(await node.openSession({ identityId: me, app, keyId }));
    people.push({ node, me, key, nodeId: node.sync.nodeIdentity, sessions });
  }
  // Each author's messages to r are readable by r's node alone (read rules are the owner's own).
  for (const [a, author] of people.entries())
    for (const [r, reader] of people.entries()) {
      if (r === a) continue;
      await aclRule(author, { target_app: "app.chat", scope: "type", target_type_key: `chat.to_${r}` }, "acl.read.allow", reader.nodeId);
    }
  return people;
}

/** Every envelope text that reached side `to` of a meeting, by any frame (package or have). */
type Received = { readonly to: number; readonly raw: string; readonly texts: readonly string[] };

async function meetOf(
  people: Person[],
  i: number,
  j: number,
  faults: Faults | undefined,
  seed: number,
  received?: Received[],
): Promise<void> {
  const domains = SYNCED[i]!.filter((d) => SYNCED[j]!.includes(d));
  const pair = await meet(people[i]!.node, people[j]!.node, { domains, ...(faults === undefined ? {} : { faults, seed }) });
  // Every frame sent toward a side, whatever became of it on the link: a dropped frame left its sender too.
  for (const entry of received === undefined ? [] : pair.trace()) {
    if (entry.fate === "cut" || entry.fate === "closed") continue;
    // Deflated frames (ADR 0035) are read as their JSON, so the raw check sees what the peer got.
    const json = isDeflated(entry.bytes) ? expectOk(inflateFrame(entry.bytes, DEFAULT_MAX_FRAME_BYTES)) : entry.bytes;
    const frame = decodeFrame(json);
    const envelopes = frame.ok && (frame.value.kind === "package" || frame.value.kind === "have") ? frame.value.envelopes : [];
    received!.push({ to: entry.to === "a" ? i : j, raw: new TextDecoder().decode(json), texts: envelopes });
  }
}

describe("selective sync with one key per person (seeded property, ADR 0013)", () => {
  it("ends with what each node may read held full, the rest only as stubs, nothing pending, equal digests", async () => {
    const { seed, numRuns } = fuzzConfig(2);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 8, maxLength: 16 }), fc.nat(15), async (steps, revokeAt) => {
        const people = await setUp();
        const [ann, ben] = people as [Person, Person];
        for (let i = 0; i < people.length; i++) for (let j = i + 1; j < people.length; j++) await meetOf(people, i, j, undefined, 0);

        // A write grant: Ben may tag Ann's shared post until Ann denies him beyond what she saw.
        const shared = expectOk(
          await ann.sessions["app.posts"]!.submit({
            domain: "posts",
            ops: [{ op: "parent_create", type_key: "posts.post", payload: { value: { text: "shared" } } }],
          }),
        ).objectIds[0]!;
        const root = await aclRule(ann, { target_app: "app.posts", scope: "object", target_object_id: shared }, "acl.write.allow", ben.me);
        await meetOf(people, 0, 1, undefined, 0);

        // An outsider forks: one rival at Ann's node, the other at Cal's.
        const eve = await ChainWriter.create(77);
        const eveGenesis = await eve.genesis("Eve");
        const rivalA = await eve.write(
          { app: "app.posts", domain: "posts", ops: [{ op: "parent_create", type_key: "posts.post", payload: { value: { text: "A" } } }] },
          false,
        );
        const rivalB = await eve.write({
          app: "app.posts",
          domain: "posts",
          ops: [{ op: "parent_create", type_key: "posts.post", payload: { value: { text: "B" } } }],
        });
        for (const e of [eveGenesis, rivalA]) expectOk(await people[0]!.node.ingest(e.text));
        for (const e of [eveGenesis, rivalB]) expectOk(await people[2]!.node.ingest(e.text));

        let n = 0;
        for (const [index, s] of steps.entries()) {
          n += 1;
          if (index === revokeAt) {
            // Ann denies Ben beyond the last envelope of his key she has seen (rule 5's cut).
            const seen = (await ann.node.history({ limit: 10_000 }))
              .filter((h) => h.authorId === ben.me)
              .map((h) => JSON.parse(h.text) as { author_key: string; seq: number });
            const lastSeq = Math.max(1, ...seen.filter((e) => e.author_key === ben.key).map((e) => e.seq));
            expectOk(
              await ann.sessions["system"]!.submit({
                domain: "acl",
                ops: [
                  {
                    op: "attr_create",
                    type_key: "acl.write.deny",
                    payload: { parent_id: root, value: { identity: ben.me, cuts: [{ key: ben.key, last_seq: lastSeq }] } },
                  },
                ],
              }),
            );
          }
          if (s.kind === "message") {
            const to = s.to === s.from ? (s.to + 1) % 4 : s.to;
            expectOk(
              await people[s.from]!.sessions["app.chat"]!.submit({
                domain: "messages",
                ops: [
                  {
                    op: "parent_create",
                    type_key: `chat.to_${to}`,
                    payload: { value: { text: `${PEOPLE[s.from]} to ${PEOPLE[to]} #${n}` } },
                  },
                ],
              }),
            );
          } else if (s.kind === "post" || s.kind === "listing") {
            const [app, domain, type] = s.kind === "post" ? ["app.posts", "posts", "posts.post"] : ["app.shop", "listings", "shop.listing"];
            expectOk(
              await people[s.from]!.sessions[app]!.submit({
                domain,
                ops: [{ op: "parent_create", type_key: type, payload: { value: { text: `${s.kind} #${n}` } } }],
              }),
            );
          } else if (s.kind === "tag") {
            // Refused once the deny is here: that is the point.
            await ben.sessions["app.posts"]!.submit({
              domain: "posts",
              ops: [{ op: "attr_create", type_key: "posts.tag", payload: { parent_id: shared, value: `tag #${n}` } }],
            });
          } else if (s.a !== s.b) {
            await meetOf(people, s.a, s.b, s.lossy ? { drop: 0.05, duplicate: 0.1, reorder: { probability: 0.2 } } : undefined, s.seed);
          }
        }
        // Every write gets a path to every node.
        for (let round = 0; round < 2; round++)
          for (const [i, j] of [
            [0, 1],
            [1, 2],
            [2, 3],
            [3, 0],
            [0, 2],
            [1, 3],
          ] as const)
            await meetOf(people, i, j, undefined, 0);

        // Who may read each chat envelope: its author's node and its recipient's node.
        const chat = new Map<string, Set<number>>();
        for (const [x, p] of people.entries())
          for (const h of await p.node.history({ limit: 10_000, app: "app.chat" })) {
            const to = Number(/"type_key":"chat\.to_(\d)"/.exec(h.text)![1]);
            const author = people.findIndex((q) => q.me === h.authorId);
            chat.set(h.id, new Set([author, to]));
            expect(h.status).toBe("accepted");
            expect(chat.get(h.id)!.has(x)).toBe(true); // no node ever holds a message it may not read
          }
        for (const [x, p] of people.entries()) {
          expect(await p.node.pendingCount()).toBe(0);
          const held = new Set((await p.node.history({ limit: 10_000, app: "app.chat" })).map((h) => h.id));
          expect(
            [...chat]
              .filter(([, readers]) => readers.has(x))
              .map(([id]) => id)
              .sort(),
          ).toEqual([...held].sort());
          // The rest of the others' chains is here as stubs only.
          if (chat.size > held.size) expect(await p.node.stubCount()).toBeGreaterThan(0);
          expect((await p.node.forks()).map((f) => f.envelopeIds.length)).toEqual([2]);
        }
        const digest = (p: Person, app: string) => p.node.stateDigest({ app });
        for (const p of people.slice(1)) {
          expect(await digest(p, "system")).toEqual(await digest(ann, "system"));
          expect(await digest(p, "app.posts")).toEqual(await digest(ann, "app.posts"));
        }
        for (const p of people.slice(1, 3)) expect(await digest(p, "app.shop")).toEqual(await digest(ann, "app.shop"));
        expect((await digest(people[3]!, "app.shop")).objects).toBe(0);
        // The fork reached everyone: both of Eve's rivals suppressed, her genesis kept.
        const statuses = Object.fromEntries((await people[3]!.node.history({ limit: 10_000 })).map((h) => [h.id, h.status]));
        expect([statuses[eveGenesis.id], statuses[rivalA.id], statuses[rivalB.id]]).toEqual(["accepted", "suppressed", "suppressed"]);
        for (const p of people) await p.node.stop();
      }),
      { seed, numRuns },
    );
  }, 600_000);

  it("never lets content a node may not read reach it, by package, have or relay; its stubs show only the link", async () => {
    const people = await setUp();
    const received: Received[] = [];
    for (let i = 0; i < people.length; i++) for (let j = i + 1; j < people.length; j++) await meetOf(people, i, j, undefined, 0, received);
    const [ann, ben, cal] = people as [Person, Person, Person];
    // Ann's one key: a secret to Ben, then a post and a listing for everyone after it in her chain.
    const secret = expectOk(
      await ann.sessions["app.chat"]!.submit({
        domain: "messages",
        ops: [{ op: "parent_create", type_key: "chat.to_1", payload: { value: { text: "SECRET-for-Ben" } } }],
      }),
    );
    for (const [app, domain, type] of [
      ["app.posts", "posts", "posts.post"],
      ["app.shop", "listings", "shop.listing"],
    ] as const)
      expectOk(
        await ann.sessions[app]!.submit({ domain, ops: [{ op: "parent_create", type_key: type, payload: { value: { text: "public" } } }] }),
      );
    // Ben first, then Ben relays to Cal and Dan; then Ann meets them directly, with lossy links too.
    await meetOf(people, 0, 1, undefined, 0, received);
    await meetOf(people, 1, 2, undefined, 0, received);
    await meetOf(people, 1, 3, { drop: 0.05, duplicate: 0.2, reorder: { probability: 0.3 } }, 7, received);
    await meetOf(people, 0, 2, { drop: 0.05, duplicate: 0.2, reorder: { probability: 0.3 } }, 8, received);
    await meetOf(people, 0, 3, undefined, 0, received);
    // Asked for outright, the secret is a stub to anyone but Ben, from Ann and from Ben alike.
    for (const holder of [ann, ben]) {
      const have = expectOk(await holder.node.sync.exportWanted(cal.nodeId, [secret.envelopeId], new Set(ALL)))!;
      expect(Object.keys(JSON.parse(have.envelopes[0]!) as object)).not.toContain("content");
    }

    const LINK = ["author_id", "author_key", "content_digest", "envelope_type", "envelope_version", "lamport", "prev", "seq", "signature"];
    let stubs = 0;
    for (const { to, raw, texts } of received) {
      if (to !== 1) expect(raw).not.toContain("SECRET-for-Ben");
      for (const text of texts) {
        const value = JSON.parse(text) as Record<string, unknown>;
        if ("content" in value) continue;
        stubs += 1;
        expect(Object.keys(value).sort()).toEqual(LINK); // no app, domain, deps, time or ops
      }
    }
    expect(stubs).toBeGreaterThan(0);
    expect(received.some((r) => r.to === 1 && r.raw.includes("SECRET-for-Ben"))).toBe(true); // the check can see it
    // And still everyone converged on what they may read, with nothing waiting.
    for (const p of people) expect(await p.node.pendingCount()).toBe(0);
    for (const p of people.slice(1))
      expect(await p.node.stateDigest({ app: "app.posts" })).toEqual(await ann.node.stateDigest({ app: "app.posts" }));
    for (const p of [people[2]!, people[3]!])
      expect((await p.node.history({ limit: 1000, app: "app.chat" })).map((h) => h.id)).not.toContain(secret.envelopeId);
    for (const p of people) await p.node.stop();
  }, 120_000);

  it("fetches the content of a stub it holds once a new grant lets it read it", async () => {
    const people = await setUp();
    for (let i = 0; i < people.length; i++) for (let j = i + 1; j < people.length; j++) await meetOf(people, i, j, undefined, 0);
    const [ann, , cal] = people as [Person, Person, Person];
    const secret = expectOk(
      await ann.sessions["app.chat"]!.submit({
        domain: "messages",
        ops: [{ op: "parent_create", type_key: "chat.to_1", payload: { value: { text: "for Ben, later for Cal" } } }],
      }),
    );
    expectOk(
      await ann.sessions["app.posts"]!.submit({
        domain: "posts",
        ops: [{ op: "parent_create", type_key: "posts.post", payload: { value: { text: "after" } } }],
      }),
    );
    const calChat = async () => (await cal.node.history({ limit: 1000, app: "app.chat" })).map((h) => h.id);
    await meetOf(people, 0, 2, undefined, 0);
    // Asked for again on every tick of the meeting, the secret still reached Cal only as its stub.
    expect(await calChat()).not.toContain(secret.envelopeId);
    const stubsBefore = await cal.node.stubCount();
    expect(stubsBefore).toBeGreaterThan(0);
    // Ann now lets Cal's node read her messages to Ben as well.
    await aclRule(ann, { target_app: "app.chat", scope: "type", target_type_key: "chat.to_1" }, "acl.read.allow", cal.nodeId);
    await meetOf(people, 0, 2, undefined, 0);
    expect(await calChat()).toContain(secret.envelopeId);
    expect(await cal.node.stubCount()).toBeLessThan(stubsBefore);
    expect(await cal.node.pendingCount()).toBe(0);
    for (const p of people) await p.node.stop();
  }, 120_000);
});
