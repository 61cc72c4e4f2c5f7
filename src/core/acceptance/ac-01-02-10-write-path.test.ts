// AC-01 write path order, AC-02 fail closed, AC-10 audit of rejections — black-box through createNode.
// Stage-revealing inputs: an envelope broken at two stages must be rejected by the earlier one.
import { beforeEach, describe, expect, it } from "vitest";
import type { TwoWayNode } from "../node.ts";
import { toBase64url, fromBase64url } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import type { JsonValue } from "../shared/json.ts";
import type { VerifiedEnvelope } from "../wire/index.ts";
import { ChainWriter, expectOk, NOTES_SCHEMA, reseal, startNode, testPublisher, type LamportBook } from "./fixtures.ts";

let node: TwoWayNode;
let book: LamportBook;
let alice: ChainWriter;
let bob: ChainWriter;
let aliceNote: VerifiedEnvelope;

/** Re-signs a mutated envelope so the signature is not what fails. */
async function resign(writer: ChainWriter, envelope: Record<string, any>): Promise<string> {
  return canonicalize((await reseal(writer.signer, envelope)) as JsonValue);
}

function breakSignature(text: string): string {
  const e = JSON.parse(text) as Record<string, any>;
  const sig = fromBase64url(e.signature as string)!;
  sig[5]! ^= 1;
  return canonicalize({ ...e, signature: toBase64url(sig) });
}

beforeEach(async () => {
  ({ node } = await startNode());
  book = new Map();
  const publisher = await testPublisher();
  expectOk(await node.apps.install(await publisher.package(NOTES_SCHEMA)));
  alice = await ChainWriter.create(11, book);
  bob = await ChainWriter.create(12, book);
  for (const w of [alice, bob]) expectOk(await node.ingest((await w.genesis()).text));
  aliceNote = await alice.write({
    app: "app.notes",
    domain: "notes",
    ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "Alice's" } } }],
  });
  expectOk(await node.ingest(aliceNote.text));
});

/** Bob writes a tag under Alice's note: allowed by schema, denied by ownership. */
const bobTagsAlice = (value: unknown) =>
  bob.write(
    {
      app: "app.notes",
      domain: "notes",
      deps: [aliceNote.id],
      ops: [{ op: "attr_create", type_key: "notes.tag", payload: { parent_id: `${aliceNote.id}:0`, value: value as string } }],
    },
    false,
  );

describe("AC-01 write path order: structure → signature → schema → authorization", () => {
  it("reports ownership alone as ERR_AUTH_NOT_OWNER", async () => {
    const result = await node.ingest((await bobTagsAlice("mine")).text);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_AUTH_NOT_OWNER", category: "acl" } });
  });

  it("reports a schema violation before the ownership violation (ERR_SCHEMA_INVALID_VALUE)", async () => {
    const result = await node.ingest((await bobTagsAlice("x".repeat(40))).text);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_INVALID_VALUE" } });
  });

  it("reports a bad signature before the schema violation (ERR_CRYPTO_INVALID_SIGNATURE)", async () => {
    const result = await node.ingest(breakSignature((await bobTagsAlice("x".repeat(40))).text));
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CRYPTO_INVALID_SIGNATURE" } });
  });

  it("reports a structural violation before the bad signature (ERR_STRUCT_INVALID_TYPE)", async () => {
    const e = JSON.parse(breakSignature((await bobTagsAlice("x".repeat(40))).text)) as Record<string, any>;
    e.content.ops[0].global_seq = 9;
    const result = await node.ingest(canonicalize(e));
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "unknown_field" } } });
  });

  it("reports an unknown type before ownership (ERR_SCHEMA_TYPE_NOT_ALLOWED)", async () => {
    const e = JSON.parse((await bobTagsAlice("mine")).text) as Record<string, any>;
    e.content.ops[0].type_key = "notes.label";
    const result = await node.ingest(await resign(bob, e));
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_TYPE_NOT_ALLOWED" } });
  });

  it("commits accepted envelopes with strictly increasing global_seq", async () => {
    const before = node.globalSeq();
    const one = expectOk(
      await node.ingest(
        (
          await alice.write({
            app: "app.notes",
            domain: "notes",
            ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "2" } } }],
          })
        ).text,
      ),
    );
    const two = expectOk(
      await node.ingest(
        (
          await alice.write({
            app: "app.notes",
            domain: "notes",
            ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "3" } } }],
          })
        ).text,
      ),
    );
    expect(one).toMatchObject({ status: "accepted", seq: before + 1 });
    expect(two).toMatchObject({ status: "accepted", seq: before + 2 });
  });
});

type Snapshot = { seq: number; digest: string; history: number; pending: number; audit: number; rejections: number };

async function snapshot(n: TwoWayNode): Promise<Snapshot> {
  const rejections = expectOk(await n.audit.query({ kind: ["ingest_rejected", "write_rejected"], limit: 1000 })).records.length;
  const audit = expectOk(await n.audit.query({ limit: 1000 })).records.length;
  return {
    seq: n.globalSeq(),
    digest: (await n.stateDigest()).digest,
    history: (await n.history({ limit: 1000 })).length,
    pending: await n.pendingCount(),
    audit,
    rejections,
  };
}

describe("AC-02 fail closed: a rejection changes nothing but the audit log", () => {
  const cases: [string, () => Promise<string | Uint8Array>, string, string?][] = [
    ["garbage bytes", () => Promise.resolve(new Uint8Array([0xff, 0x00, 0x7b])), "ERR_STRUCT_INVALID_ENCODING"],
    ["a forged signature", async () => breakSignature((await bobTagsAlice("mine")).text), "ERR_CRYPTO_INVALID_SIGNATURE"],
    ["a schema violation", async () => (await bobTagsAlice("x".repeat(40))).text, "ERR_SCHEMA_INVALID_VALUE"],
    ["a write under another's object", async () => (await bobTagsAlice("mine")).text, "ERR_AUTH_NOT_OWNER"],
    [
      "an app this node does not have",
      async () =>
        (
          await alice.write(
            { app: "app.other", domain: "things", ops: [{ op: "parent_create", type_key: "other.thing", payload: { value: {} } }] },
            false,
          )
        ).text,
      "ERR_SCHEMA_TYPE_NOT_ALLOWED",
      "app_not_installed",
    ],
    [
      "a reference whose creator is not among deps",
      async () =>
        (
          await bob.write(
            {
              app: "app.notes",
              domain: "notes",
              ops: [{ op: "rating_create", type_key: "notes.star", payload: { target_parent_id: `${aliceNote.id}:0`, value: 5 } }],
              exactDeps: true,
            },
            false,
          )
        ).text,
      "ERR_SYNC_MISSING_DEPENDENCY",
      "undeclared_dependency",
    ],
    [
      "a wrong lamport",
      async () => {
        const e = JSON.parse(
          (
            await alice.write(
              {
                app: "app.notes",
                domain: "notes",
                ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "t" } } }],
              },
              false,
            )
          ).text,
        ) as Record<string, any>;
        e.lamport += 5;
        return resign(alice, e);
      },
      "ERR_SYNC_SEQUENCE_INVALID",
      "lamport_mismatch",
    ],
    [
      "a prev that is another key's envelope",
      async () => {
        const e = JSON.parse(
          (
            await alice.write(
              {
                app: "app.notes",
                domain: "notes",
                ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "t" } } }],
              },
              false,
            )
          ).text,
        ) as Record<string, any>;
        e.prev = bob.prev;
        return resign(alice, e);
      },
      "ERR_SYNC_SEQUENCE_INVALID",
      "prev_not_previous_of_key",
    ],
    [
      "an unbound device key",
      async () => {
        const device = await ChainWriter.create(13, book);
        const intruder = new ChainWriter(device.signer, alice.authorId, book);
        return (
          await intruder.write({
            app: "app.notes",
            domain: "notes",
            ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "t" } } }],
          })
        ).text;
      },
      "ERR_CRYPTO_KEY_NOT_BOUND",
      "binding_not_in_deps",
    ],
  ];

  it.each(cases)(
    "rejects %s and leaves rows, global_seq, pending set and history untouched",
    async (_name, make, code, reason?: string) => {
      const input = await make();
      const before = await snapshot(node);
      const result = await node.ingest(input);
      expect(result).toMatchObject({ ok: false, error: { code, ...(reason === undefined ? {} : { data: { reason } }) } });
      const after = await snapshot(node);
      expect({ ...after, audit: before.audit, rejections: before.rejections }).toEqual(before);
      // AC-10: exactly one audit record more, and it is the rejection, with its code.
      expect(after.rejections).toBe(before.rejections + 1);
      const latest = expectOk(await node.audit.query({ limit: 1 })).records[0]!;
      expect(latest).toMatchObject({ kind: "ingest_rejected", code });
    },
  );

  it("rejects a local write of an invalid value through a session and audits it with its trace id", async () => {
    const me = expectOk(await node.identities.create());
    const session = expectOk(await node.openSession({ identityId: me.identityId, app: "app.notes" }));
    const before = await snapshot(node);
    const result = await session.submit({
      domain: "notes",
      traceId: "trace-bad-title",
      ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "" } } }],
    });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_SCHEMA_INVALID_VALUE" } });
    const after = await snapshot(node);
    expect({ ...after, audit: before.audit, rejections: before.rejections }).toEqual(before);
    const latest = expectOk(await node.audit.query({ limit: 1 })).records[0]!;
    expect(latest).toMatchObject({
      kind: "write_rejected",
      code: "ERR_SCHEMA_INVALID_VALUE",
      traceId: "trace-bad-title",
      actor: me.identityId,
    });
    expect(expectOk(await node.audit.verify()).length).toBeGreaterThan(0);
  });

  it("rejects a write once the storage budget is used up (ERR_MNG_STORAGE_BUDGET_EXCEEDED)", async () => {
    expectOk(await node.config.update({ "storage.budget.max_envelopes": node.globalSeq() }));
    const before = await snapshot(node);
    const result = await node.ingest(
      (
        await alice.write(
          {
            app: "app.notes",
            domain: "notes",
            ops: [{ op: "parent_create", type_key: "notes.note", payload: { value: { title: "over" } } }],
          },
          false,
        )
      ).text,
    );
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_MNG_STORAGE_BUDGET_EXCEEDED", category: "storage" } });
    const after = await snapshot(node);
    expect(after.seq).toBe(before.seq);
    expect(after.digest).toBe(before.digest);
  });
});
