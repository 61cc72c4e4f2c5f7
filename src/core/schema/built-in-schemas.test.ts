// The system schema and the four built-in app schemas, rule by rule: every field constraint, every
// relation, every domain and every immutable or append-only type gets a passing and a failing op.
import { describe, expect, it } from "vitest";
import { compileSchema, type CompiledSchema, type TypeDeclaration } from "./index.ts";
import { FakeGraph, createOp, op, payload, updateOp, type TestOp } from "./test-support/payloads.ts";
import { typeRuleCases } from "./test-support/rule-cases.ts";
import { SAMPLED_SCHEMAS } from "./test-support/samples.ts";
import { validateOps } from "./validate-ops.ts";

const VALUE = "content.ops[0].payload.value";
const valuePath = (at: string) => (at === "" ? VALUE : at.startsWith("[") ? `${VALUE}${at}` : `${VALUE}.${at}`);

function compiled(document: unknown): CompiledSchema {
  const result = compileSchema(document);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

function run(schema: CompiledSchema, graph: FakeGraph, ops: readonly TestOp[], domain?: string) {
  return validateOps(schema, payload(schema.app, domain ?? schema.types[ops[0]!.type_key]!.domain, ops), graph.resolver);
}

/** Types of the schema with one of the given kinds that are not in `allowed`. */
function outsiders(schema: CompiledSchema, kinds: readonly string[], allowed: readonly string[]): string[] {
  return Object.values(schema.types)
    .filter((t) => kinds.includes(t.kind) && !allowed.includes(t.typeKey))
    .map((t) => t.typeKey);
}

/**
 * A parent type the relation does not allow: a declared one where the schema has one, else a type it
 * does not declare at all (the relation lists are whitelists either way).
 */
function stranger(schema: CompiledSchema, kinds: readonly string[], allowed: readonly string[]): string {
  return outsiders(schema, kinds, allowed)[0] ?? `${allowed[0]!.split(".")[0]!}.undeclared`;
}

for (const { document, samples } of SAMPLED_SCHEMAS) {
  const schema = compiled(document);
  const declarations: [string, TypeDeclaration][] = Object.entries(document.types);

  describe(`${document.app} schema`, () => {
    it("declares a sample for every type and no other", () => {
      expect(Object.keys(samples).sort()).toEqual(Object.keys(document.types).sort());
    });

    for (const [typeKey, declaration] of declarations) {
      const type = schema.types[typeKey]!;
      describe(typeKey, () => {
        const cases = typeRuleCases(declaration, samples[typeKey]);
        const passing = cases.filter((c) => c.expect === undefined);
        const failing = cases.filter((c) => c.expect !== undefined);

        it.each(passing.map((c) => [c.name, c.value] as const))("accepts %s", (_name, value) => {
          const graph = new FakeGraph();
          expect(run(schema, graph, [createOp(schema, graph, typeKey, value)])).toEqual({ ok: true, value: undefined });
        });

        it.each(failing.map((c) => [c.name, c.value, c.expect!] as const))(
          "rejects %s (ERR_SCHEMA_INVALID_VALUE)",
          (_name, value, expected) => {
            const graph = new FakeGraph();
            const result = run(schema, graph, [createOp(schema, graph, typeKey, value)]);
            expect(result.ok ? undefined : result.error).toMatchObject({
              code: "ERR_SCHEMA_INVALID_VALUE",
              data: { reason: expected.reason, path: valuePath(expected.at) },
            });
          },
        );

        it(`accepts it only in domain "${type.domain}" (ERR_SCHEMA_TYPE_NOT_ALLOWED)`, () => {
          const graph = new FakeGraph();
          for (const domain of Object.keys(schema.domains)) {
            const result = run(schema, graph, [createOp(schema, graph, typeKey, samples[typeKey])], domain);
            if (domain === type.domain) expect(result.ok).toBe(true);
            else
              expect(result.ok ? undefined : result.error).toMatchObject({
                code: "ERR_SCHEMA_TYPE_NOT_ALLOWED",
                data: { reason: "type_not_in_domain" },
              });
          }
        });

        it("rejects an op of another kind for it (ERR_SCHEMA_TYPE_NOT_ALLOWED)", () => {
          const graph = new FakeGraph();
          const wrongKind = type.kind === "parent" ? "rating_create" : "parent_create";
          const fields =
            wrongKind === "parent_create"
              ? { value: {} }
              : { target_parent_id: graph.add({ kind: "parent", typeKey: "x.y", app: schema.app }), value: 1 };
          const result = run(schema, graph, [op(wrongKind, typeKey, fields)]);
          expect(result.ok ? undefined : result.error).toMatchObject({
            code: "ERR_SCHEMA_TYPE_NOT_ALLOWED",
            data: { reason: "kind_mismatch" },
          });
        });

        const mode = schema.domains[type.domain]!.mode;
        if (type.immutable) {
          it("refuses every update, immutable (ERR_SCHEMA_IMMUTABLE_OBJECT)", () => {
            const graph = new FakeGraph();
            const result = run(schema, graph, [updateOp(schema, graph, typeKey, samples[typeKey])]);
            expect(result.ok ? undefined : result.error).toMatchObject({
              code: "ERR_SCHEMA_IMMUTABLE_OBJECT",
              data: { reason: "immutable_type" },
            });
          });
        } else if (mode === "append_only") {
          it(`refuses every update in append-only domain "${type.domain}" (ERR_SCHEMA_APPEND_ONLY_VIOLATION)`, () => {
            const graph = new FakeGraph();
            const result = run(schema, graph, [updateOp(schema, graph, typeKey, samples[typeKey])]);
            expect(result.ok ? undefined : result.error).toMatchObject({
              code: "ERR_SCHEMA_APPEND_ONLY_VIOLATION",
              data: { reason: "update_in_append_only_domain" },
            });
          });
        } else {
          it("accepts an update of an object of its own type", () => {
            const graph = new FakeGraph();
            expect(run(schema, graph, [updateOp(schema, graph, typeKey, samples[typeKey])]).ok).toBe(true);
          });
          it("validates an update's value like a create's (ERR_SCHEMA_INVALID_VALUE)", () => {
            const graph = new FakeGraph();
            const broken = cases.find((c) => c.expect !== undefined)!;
            const result = run(schema, graph, [updateOp(schema, graph, typeKey, broken.value)]);
            expect(result.ok ? undefined : result.error).toMatchObject({
              code: "ERR_SCHEMA_INVALID_VALUE",
              data: { reason: broken.expect!.reason },
            });
          });
          const sibling = outsiders(schema, [type.kind], [typeKey])[0];
          if (sibling !== undefined) {
            it(`rejects an update whose target is of type ${sibling} (ERR_SCHEMA_EDGE_NOT_ALLOWED)`, () => {
              const graph = new FakeGraph();
              const result = run(schema, graph, [updateOp(schema, graph, typeKey, samples[typeKey], sibling)]);
              expect(result.ok ? undefined : result.error).toMatchObject({
                code: "ERR_SCHEMA_EDGE_NOT_ALLOWED",
                data: { reason: "update_type_mismatch" },
              });
            });
          }
        }

        const relation = (related: { from?: string; to?: string }) => {
          const graph = new FakeGraph();
          return run(schema, graph, [createOp(schema, graph, typeKey, samples[typeKey], related)]);
        };
        const rejectsRelation = (related: { from?: string; to?: string }, reason: string) => {
          const result = relation(related);
          expect(result.ok ? undefined : result.error).toMatchObject({ code: "ERR_SCHEMA_EDGE_NOT_ALLOWED", data: { reason } });
        };
        if (type.kind === "attr") {
          it.each(type.parents)("attaches to %s", (parent) => expect(relation({ to: parent }).ok).toBe(true));
          const badParent = stranger(schema, ["parent"], type.parents);
          it(`refuses to attach to ${badParent} (ERR_SCHEMA_EDGE_NOT_ALLOWED)`, () =>
            rejectsRelation({ to: badParent }, "parent_type_not_allowed"));
        }
        if (type.kind === "edge") {
          it.each(type.from)("starts at %s", (from) => expect(relation({ from }).ok).toBe(true));
          it.each(type.to)("ends at %s", (to) => expect(relation({ to }).ok).toBe(true));
          const badSource = stranger(schema, ["parent"], type.from);
          it(`refuses to start at ${badSource} (ERR_SCHEMA_EDGE_NOT_ALLOWED)`, () =>
            rejectsRelation({ from: badSource }, "source_type_not_allowed"));
          const badDestination = stranger(schema, ["parent", "attr"], type.to);
          it(`refuses to end at ${badDestination} (ERR_SCHEMA_EDGE_NOT_ALLOWED)`, () =>
            rejectsRelation({ to: badDestination }, "destination_type_not_allowed"));
        }
        if (type.kind === "rating") {
          it.each(type.targets)("rates %s", (to) => expect(relation({ to }).ok).toBe(true));
          const badTarget = stranger(schema, ["parent", "attr"], type.targets);
          it(`refuses to rate ${badTarget} (ERR_SCHEMA_EDGE_NOT_ALLOWED)`, () =>
            rejectsRelation({ to: badTarget }, "target_type_not_allowed"));
        }
      });
    }
  });
}
