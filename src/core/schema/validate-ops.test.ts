// validateOps: every code it returns has a negative test, local `@i` references resolve inside the
// payload, global ones through the resolver, and the earliest stage decides across ops (DESIGN D6).
import { describe, expect, it } from "vitest";
import { messagingSchema, socialSchema } from "../../apps/index.ts";
import { compileSchema, SYSTEM_SCHEMA, type CompiledSchema } from "./index.ts";
import { CREATED_AT, ENVELOPE, FakeGraph, fakeDigest, op, payload } from "./test-support/payloads.ts";
import { validateOps } from "./validate-ops.ts";

function compiled(document: unknown): CompiledSchema {
  const result = compileSchema(document);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const messaging = compiled(messagingSchema);
const social = compiled(socialSchema);
const system = compiled(SYSTEM_SCHEMA);
const T = CREATED_AT;
const PERSON = fakeDigest("P");

const thread = { title: "Plans", created_at: T, created_by: PERSON };
const person = { identity_id: PERSON };
const participant = { role: "member", joined_at: T };
const item = (threadId: string) => ({ thread_id: threadId, body: "hi", sent_at: T, author_id: PERSON });

function errorOf(result: ReturnType<typeof validateOps>) {
  return result.ok ? undefined : result.error;
}

describe("validateOps", () => {
  it("accepts a thread, a person and the participant edge between them via local references", () => {
    const ops = [
      op("parent_create", "message.thread", { value: thread }),
      op("parent_create", "message.person", { value: person }),
      op("edge_create", "message.participant", { src_parent_id: "@0", dst_parent_id: "@1", value: participant }),
      op("parent_update", "message.thread", { parent_id: "@0", value: { ...thread, title: "Plans (2)" } }),
      op("edge_update", "message.participant", { edge_id: "@2", value: { ...participant, role: "admin" } }),
    ];
    expect(validateOps(messaging, payload("app.messaging", "threads", ops), new FakeGraph().resolver)).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it("accepts the identity genesis under the system schema", () => {
    const genesis = op("parent_create", "system.identity", { value: { name: "Ada" } });
    expect(validateOps(system, payload("system", "identity", [genesis]), new FakeGraph().resolver).ok).toBe(true);
  });

  it("accepts a device key bound to an identity created earlier, resolved globally", () => {
    const graph = new FakeGraph();
    const identity = graph.refTo(system, "system.identity");
    const bind = op("attr_create", "system.device_key", { parent_id: identity, value: { public_key: fakeDigest("K"), created_at: T } });
    expect(validateOps(system, payload("system", "identity", [bind]), graph.resolver).ok).toBe(true);
  });

  describe("ERR_SCHEMA_TYPE_NOT_ALLOWED", () => {
    it("rejects a type the schema does not declare (unknown_type)", () => {
      const result = validateOps(
        messaging,
        payload("app.messaging", "threads", [op("parent_create", "message.draft", { value: {} })]),
        new FakeGraph().resolver,
      );
      expect(errorOf(result)).toMatchObject({
        code: "ERR_SCHEMA_TYPE_NOT_ALLOWED",
        data: { reason: "unknown_type", path: "content.ops[0].type_key" },
      });
    });

    it("rejects another app's type, even a system one (unknown_type)", () => {
      const result = validateOps(
        messaging,
        payload("app.messaging", "threads", [op("parent_create", "system.group", { value: { name: "x" } })]),
        new FakeGraph().resolver,
      );
      expect(errorOf(result)).toMatchObject({ code: "ERR_SCHEMA_TYPE_NOT_ALLOWED", data: { reason: "unknown_type" } });
    });

    it("rejects attr_create of a parent type (kind_mismatch)", () => {
      const ops = [
        op("parent_create", "message.thread", { value: thread }),
        op("attr_create", "message.thread", { parent_id: "@0", value: thread }),
      ];
      const result = validateOps(messaging, payload("app.messaging", "threads", ops), new FakeGraph().resolver);
      expect(errorOf(result)).toMatchObject({
        code: "ERR_SCHEMA_TYPE_NOT_ALLOWED",
        data: { reason: "kind_mismatch", path: "content.ops[1].op" },
      });
    });

    it("rejects a type outside the envelope's domain (type_not_in_domain)", () => {
      const result = validateOps(
        messaging,
        payload("app.messaging", "messages", [op("parent_create", "message.thread", { value: thread })]),
        new FakeGraph().resolver,
      );
      expect(errorOf(result)).toMatchObject({
        code: "ERR_SCHEMA_TYPE_NOT_ALLOWED",
        data: { reason: "type_not_in_domain", path: "content.ops[0].type_key" },
      });
    });

    it("rejects a domain the schema does not declare (unknown_domain)", () => {
      const result = validateOps(
        messaging,
        payload("app.messaging", "inbox", [op("parent_create", "message.thread", { value: thread })]),
        new FakeGraph().resolver,
      );
      expect(errorOf(result)).toMatchObject({
        code: "ERR_SCHEMA_TYPE_NOT_ALLOWED",
        data: { reason: "unknown_domain", path: "content.domain" },
      });
    });
  });

  it("rejects a value that breaks a field rule, naming the field (ERR_SCHEMA_INVALID_VALUE)", () => {
    const result = validateOps(
      messaging,
      payload("app.messaging", "threads", [op("parent_create", "message.thread", { value: { ...thread, title: "" } })]),
      new FakeGraph().resolver,
    );
    expect(errorOf(result)).toMatchObject({
      code: "ERR_SCHEMA_INVALID_VALUE",
      category: "schema",
      data: { reason: "too_short", path: "content.ops[0].payload.value.title" },
    });
  });

  describe("ERR_SCHEMA_EDGE_NOT_ALLOWED", () => {
    it("rejects an edge whose source has a type outside `from`, via a local reference (source_type_not_allowed)", () => {
      const ops = [
        op("parent_create", "message.person", { value: person }),
        op("edge_create", "message.participant", { src_parent_id: "@0", dst_parent_id: "@0", value: participant }),
      ];
      const result = validateOps(messaging, payload("app.messaging", "threads", ops), new FakeGraph().resolver);
      expect(errorOf(result)).toMatchObject({
        code: "ERR_SCHEMA_EDGE_NOT_ALLOWED",
        data: { reason: "source_type_not_allowed", path: "content.ops[1].payload.src_parent_id" },
      });
    });

    it("rejects an edge whose destination has a type outside `to` (destination_type_not_allowed)", () => {
      const graph = new FakeGraph();
      const ops = [
        op("edge_create", "message.participant", {
          src_parent_id: graph.refTo(messaging, "message.thread"),
          dst_parent_id: graph.refTo(messaging, "message.thread"),
          value: participant,
        }),
      ];
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", ops), graph.resolver))).toMatchObject({
        code: "ERR_SCHEMA_EDGE_NOT_ALLOWED",
        data: { reason: "destination_type_not_allowed", path: "content.ops[0].payload.dst_parent_id" },
      });
    });

    it("rejects a rating of a type outside `targets` (target_type_not_allowed)", () => {
      const graph = new FakeGraph();
      const ops = [
        op("rating_create", "message.reaction", {
          target_parent_id: graph.refTo(messaging, "message.thread"),
          value: { value: 1, created_at: T },
        }),
      ];
      expect(errorOf(validateOps(messaging, payload("app.messaging", "messages", ops), graph.resolver))).toMatchObject({
        code: "ERR_SCHEMA_EDGE_NOT_ALLOWED",
        data: { reason: "target_type_not_allowed" },
      });
    });

    it("rejects an attr on a parent type outside `parents` (parent_type_not_allowed)", () => {
      const graph = new FakeGraph();
      const ops = [
        op("attr_create", "system.device_key", {
          parent_id: graph.refTo(system, "system.group"),
          value: { public_key: fakeDigest("K"), created_at: T },
        }),
      ];
      expect(errorOf(validateOps(system, payload("system", "identity", ops), graph.resolver))).toMatchObject({
        code: "ERR_SCHEMA_EDGE_NOT_ALLOWED",
        data: { reason: "parent_type_not_allowed", path: "content.ops[0].payload.parent_id" },
      });
    });

    it("rejects an update whose target object has another type (update_type_mismatch)", () => {
      const graph = new FakeGraph();
      const ops = [op("parent_update", "message.thread", { parent_id: graph.refTo(messaging, "message.item"), value: thread })];
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", ops), graph.resolver))).toMatchObject({
        code: "ERR_SCHEMA_EDGE_NOT_ALLOWED",
        data: { reason: "update_type_mismatch", path: "content.ops[0].payload.parent_id" },
      });
    });
  });

  it("rejects an update of an immutable type (ERR_SCHEMA_IMMUTABLE_OBJECT)", () => {
    const ops = [
      op("parent_create", "message.person", { value: person }),
      op("parent_update", "message.person", { parent_id: "@0", value: person }),
    ];
    expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", ops), new FakeGraph().resolver))).toMatchObject({
      code: "ERR_SCHEMA_IMMUTABLE_OBJECT",
      data: { reason: "immutable_type", path: "content.ops[1].op" },
    });
  });

  it("rejects an update in an append-only domain (ERR_SCHEMA_APPEND_ONLY_VIOLATION)", () => {
    const graph = new FakeGraph();
    const group = graph.refTo(system, "system.group");
    const appendOnly = compiled({
      ...SYSTEM_SCHEMA,
      types: { ...SYSTEM_SCHEMA.types, "system.revocation": { ...SYSTEM_SCHEMA.types["system.revocation"], immutable: false } },
    });
    const revocation = { kind: "membership", target: group, cuts: [] };
    const ops = [
      op("parent_create", "system.revocation", { value: revocation }),
      op("parent_update", "system.revocation", { parent_id: "@0", value: revocation }),
    ];
    expect(errorOf(validateOps(appendOnly, payload("system", "revocations", ops), graph.resolver))).toMatchObject({
      code: "ERR_SCHEMA_APPEND_ONLY_VIOLATION",
      data: { reason: "update_in_append_only_domain", path: "content.ops[1].op" },
    });
  });

  it("reports immutability before append-only when a type is both (ERR_SCHEMA_IMMUTABLE_OBJECT)", () => {
    const revocation = { kind: "key", target: "k", cuts: [] };
    const ops = [
      op("parent_create", "system.revocation", { value: revocation }),
      op("parent_update", "system.revocation", { parent_id: "@0", value: revocation }),
    ];
    expect(errorOf(validateOps(system, payload("system", "revocations", ops), new FakeGraph().resolver))).toMatchObject({
      code: "ERR_SCHEMA_IMMUTABLE_OBJECT",
    });
  });

  describe("references", () => {
    it("reports a global reference the graph does not know (ERR_SYNC_MISSING_DEPENDENCY, unresolved_reference)", () => {
      const ops = [
        op("edge_create", "message.participant", { src_parent_id: `${ENVELOPE}:0`, dst_parent_id: `${ENVELOPE}:1`, value: participant }),
      ];
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", ops), new FakeGraph().resolver))).toMatchObject({
        code: "ERR_SYNC_MISSING_DEPENDENCY",
        data: { reason: "unresolved_reference", path: "content.ops[0].payload.src_parent_id" },
      });
    });

    it("rejects a reference to another app's object (ERR_STRUCT_INVALID_IDENTIFIER, cross_app_reference)", () => {
      const graph = new FakeGraph();
      const identity = graph.refTo(system, "system.identity");
      const ops = [
        op("edge_create", "message.participant", {
          src_parent_id: graph.refTo(messaging, "message.thread"),
          dst_parent_id: identity,
          value: participant,
        }),
      ];
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", ops), graph.resolver))).toMatchObject({
        code: "ERR_STRUCT_INVALID_IDENTIFIER",
        data: { reason: "cross_app_reference", path: "content.ops[0].payload.dst_parent_id" },
      });
    });

    it("rejects a global reference to an object of the wrong kind (ERR_STRUCT_INVALID_IDENTIFIER, reference_kind_mismatch)", () => {
      const graph = new FakeGraph();
      const edge = graph.refTo(messaging, "message.participant");
      const ops = [op("parent_update", "message.thread", { parent_id: edge, value: thread })];
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", ops), graph.resolver))).toMatchObject({
        code: "ERR_STRUCT_INVALID_IDENTIFIER",
        data: { reason: "reference_kind_mismatch", path: "content.ops[0].payload.parent_id" },
      });
    });

    it("rejects a local reference that skipped structural validation (ERR_STRUCT_INVALID_IDENTIFIER, invalid_local_ref)", () => {
      const ops = [op("parent_update", "message.thread", { parent_id: "@0", value: thread })];
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", ops), new FakeGraph().resolver))).toMatchObject({
        code: "ERR_STRUCT_INVALID_IDENTIFIER",
        data: { reason: "invalid_local_ref" },
      });
    });

    it("rejects a malformed reference that skipped structural validation (ERR_STRUCT_INVALID_IDENTIFIER, invalid_object_ref)", () => {
      const ops = [op("parent_update", "message.thread", { parent_id: "thread-1", value: thread })];
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", ops), new FakeGraph().resolver))).toMatchObject({
        code: "ERR_STRUCT_INVALID_IDENTIFIER",
        data: { reason: "invalid_object_ref" },
      });
    });

    it("asks the resolver only for global references, each once per field", () => {
      const graph = new FakeGraph();
      const asked: string[] = [];
      const threadId = graph.refTo(messaging, "message.thread");
      const ops = [
        op("parent_create", "message.person", { value: person }),
        op("edge_create", "message.participant", { src_parent_id: threadId, dst_parent_id: "@0", value: participant }),
      ];
      const result = validateOps(messaging, payload("app.messaging", "threads", ops), (ref) => {
        asked.push(ref.kind === "object" ? `${ref.envelopeId}:${ref.index}` : `@${ref.index}`);
        return graph.resolver(ref);
      });
      expect(result.ok).toBe(true);
      expect(asked).toEqual([threadId]);
    });

    it("checks a rating's attr target through target_attr_id", () => {
      const withAttr = compiled({
        ...socialSchema,
        types: {
          ...socialSchema.types,
          "social.flag": { kind: "attr", parents: ["social.post"], value: { type: "boolean" } },
          "social.reaction": { ...socialSchema.types["social.reaction"], targets: ["social.flag"] },
        },
        domains: { feed: { ...socialSchema.domains.feed, types: [...socialSchema.domains.feed.types, "social.flag"] } },
      });
      const graph = new FakeGraph();
      const reaction = { value: 3, created_at: T };
      const onFlag = [op("rating_create", "social.reaction", { target_attr_id: graph.refTo(withAttr, "social.flag"), value: reaction })];
      expect(validateOps(withAttr, payload("app.social", "feed", onFlag), graph.resolver).ok).toBe(true);
      const onPost = [op("rating_create", "social.reaction", { target_parent_id: graph.refTo(withAttr, "social.post"), value: reaction })];
      expect(errorOf(validateOps(withAttr, payload("app.social", "feed", onPost), graph.resolver))).toMatchObject({
        data: { reason: "target_type_not_allowed" },
      });
    });
  });

  describe("precedence: the earliest stage decides, then the first op", () => {
    const graph = new FakeGraph();
    const foreign = graph.refTo(system, "system.group");
    const badValue = op("parent_create", "message.thread", { value: { ...thread, title: "" } });
    const unknownType = op("parent_create", "message.draft", { value: {} });
    const unresolved = op("parent_update", "message.thread", { parent_id: `${fakeDigest("Z")}:3`, value: thread });
    const crossApp = op("parent_update", "message.thread", { parent_id: foreign, value: thread });

    it("a later op's cross-app reference beats an earlier op's schema error (ERR_STRUCT_INVALID_IDENTIFIER)", () => {
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", [badValue, crossApp]), graph.resolver))).toMatchObject({
        code: "ERR_STRUCT_INVALID_IDENTIFIER",
      });
    });

    it("a later op's schema error beats an earlier op's unresolved reference (ERR_SCHEMA_INVALID_VALUE)", () => {
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", [unresolved, badValue]), graph.resolver))).toMatchObject({
        code: "ERR_SCHEMA_INVALID_VALUE",
        data: { path: "content.ops[1].payload.value.title" },
      });
    });

    it("within the schema stage the first op decides (ERR_SCHEMA_TYPE_NOT_ALLOWED before ERR_SCHEMA_INVALID_VALUE)", () => {
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", [unknownType, badValue]), graph.resolver))).toMatchObject({
        code: "ERR_SCHEMA_TYPE_NOT_ALLOWED",
      });
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", [badValue, unknownType]), graph.resolver))).toMatchObject({
        code: "ERR_SCHEMA_INVALID_VALUE",
      });
    });

    it("checks the value before the relation of the same op (ERR_SCHEMA_INVALID_VALUE)", () => {
      const wrongTarget = op("parent_update", "message.thread", {
        parent_id: graph.refTo(messaging, "message.item"),
        value: { ...thread, title: "" },
      });
      expect(errorOf(validateOps(messaging, payload("app.messaging", "threads", [wrongTarget]), graph.resolver))).toMatchObject({
        code: "ERR_SCHEMA_INVALID_VALUE",
      });
    });
  });

  it("throws when handed the schema of another app (a caller bug)", () => {
    expect(() =>
      validateOps(
        social,
        payload("app.messaging", "threads", [op("parent_create", "message.thread", { value: thread })]),
        new FakeGraph().resolver,
      ),
    ).toThrow(/schema of the envelope's app/);
  });

  it("accepts a message that names its thread by a global object id in its value", () => {
    const graph = new FakeGraph();
    const ops = [op("parent_create", "message.item", { value: item(graph.refTo(messaging, "message.thread")) })];
    expect(validateOps(messaging, payload("app.messaging", "messages", ops), graph.resolver).ok).toBe(true);
  });
});
