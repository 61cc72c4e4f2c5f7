// acl.json read defaults are enforced, not only shown: installing a package whose acl.json marks a
// type "owner" makes each local identity state, in the graph, that only it reads its objects of that
// type — before the app can write one — so neither another person on this node nor a peer gets them.
import { describe, expect, it } from "vitest";
import { buildPackage } from "../app/index.ts";
import { createSigner } from "../crypto/index.ts";
import { utf8 } from "../shared/bytes.ts";
import type { TwoWayNode } from "../node.ts";
import type { IdentityId } from "../shared/ids.ts";
import { expectOk, meet, startNode } from "./fixtures.ts";

const FAST_PUZZLES = { "dos.difficulty.base_bits": 4, "dos.difficulty.max_bits": 10 };

/** Diary entries are private to their author; boards are visible to everyone using the app. */
async function diaryPackage(version: string, acl: Record<string, "app" | "owner">, chain: readonly string[] = []) {
  const schema = {
    app: "diary",
    version,
    types: {
      "diary.entry": { kind: "parent", fields: { text: { type: "string", required: true } } },
      "diary.board": { kind: "parent", fields: { text: { type: "string", required: true } } },
    },
    domains: { diary: { types: ["diary.entry", "diary.board"], mode: "sync" } },
  };
  const manifest = {
    slug: "diary",
    version,
    composition: "frontend",
    title: "Diary",
    capabilities: [],
    dependencies: [],
    config_keys: [],
    requires: { platform: { min_version: "0.1.0" } },
  };
  const signer = await createSigner({ seed: new Uint8Array(32).fill(5), engine: "noble" });
  const source = { manifest, schema, acl: { read: acl }, frontend: { "index.html": utf8("<!doctype html>") } };
  return expectOk(await buildPackage(source, { signer, name: "Diary Works", chain }, "2026-12-01T12:00:00.000Z"));
}

const v1 = await diaryPackage("1.0.0", { "diary.entry": "owner", "diary.board": "app" });
const v2 = await diaryPackage("1.1.0", { "diary.entry": "owner", "diary.board": "owner" }, v1.chain);

async function installed(pkg = v1, names = ["Ann"]): Promise<{ node: TwoWayNode; people: IdentityId[] }> {
  const { node } = await startNode({ config: FAST_PUZZLES });
  const people = [];
  for (const name of names) people.push(expectOk(await node.identities.create({ name })).identityId);
  expectOk(await node.apps.trustPublisher(people[0]!, pkg.zip, pkg.signature));
  expectOk(await node.apps.installPackage(pkg.zip, pkg.signature));
  return { node, people };
}

async function write(node: TwoWayNode, who: IdentityId, typeKey: string, text: string): Promise<string> {
  const session = expectOk(await node.openSession({ identityId: who, app: "diary" }));
  const op = { op: "parent_create" as const, type_key: typeKey, payload: { value: { text } } };
  return expectOk(await session.submit({ domain: "diary", ops: [op] })).envelopeId;
}

async function texts(node: TwoWayNode, who: IdentityId, typeKey: string): Promise<string[]> {
  const session = expectOk(await node.openSession({ identityId: who, app: "diary" }));
  const read = expectOk(await session.read({ target: "parent", type_key: typeKey, limit: 50 }));
  return read.rows.map((r: any) => r.value.text as string).sort();
}

async function aclRoots(node: TwoWayNode): Promise<number> {
  return (await node.history({ limit: 1000, app: "system" })).filter((h) => h.domain === "acl").length;
}

describe("AC-12 acl.json read defaults", () => {
  it("keeps an 'owner' type private to its author on this node and leaves an 'app' type visible", async () => {
    const { node, people } = await installed(v1, ["Ann", "Ben"]);
    const [ann, ben] = people as [IdentityId, IdentityId];
    await write(node, ann, "diary.entry", "dear diary");
    await write(node, ann, "diary.board", "hello all");
    expect(await texts(node, ann, "diary.entry")).toEqual(["dear diary"]);
    expect(await texts(node, ben, "diary.entry")).toEqual([]);
    expect(await texts(node, ben, "diary.board")).toEqual(["hello all"]);
  });

  it("never exports an 'owner' object to a peer, while the 'app' object travels", async () => {
    const ann = await installed(v1);
    const other = await installed(v1, ["Cal"]);
    const entry = await write(ann.node, ann.people[0]!, "diary.entry", "private");
    const board = await write(ann.node, ann.people[0]!, "diary.board", "public");
    await meet(ann.node, other.node);
    const held = new Set<string>((await other.node.history({ limit: 1000, app: "diary" })).map((h) => h.id));
    expect(held.has(board)).toBe(true);
    expect(held.has(entry)).toBe(false);
  });

  it("states each rule once: installing again writes nothing more", async () => {
    const { node } = await installed(v1);
    expect(await aclRoots(node)).toBe(1);
    const seq = node.globalSeq();
    expectOk(await node.apps.installPackage(v1.zip, v1.signature));
    expect(node.globalSeq()).toBe(seq);
  });

  it("states only the rule an upgrade adds", async () => {
    const { node, people } = await installed(v1, ["Ann", "Ben"]);
    expect(await aclRoots(node)).toBe(2);
    await write(node, people[0]!, "diary.board", "was public");
    expectOk(await node.apps.upgradePackage(v2.zip, v2.signature));
    expect(await aclRoots(node)).toBe(4);
    expect(await texts(node, people[1]!, "diary.board")).toEqual([]);
  });

  it("writes no rule for a package it refuses (untrusted publisher)", async () => {
    const { node } = await startNode();
    expectOk(await node.identities.create({ name: "Ann" }));
    const seq = node.globalSeq();
    expect(await node.apps.installPackage(v1.zip, v1.signature)).toMatchObject({
      ok: false,
      error: { code: "ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED" },
    });
    expect(node.globalSeq()).toBe(seq);
  });
});
