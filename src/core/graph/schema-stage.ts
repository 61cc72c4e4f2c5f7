// Stage 3, schema (ADR 0004, 0005): the app is installed and every op fits its compiled schema; an
// app schema object must itself be a valid schema document, so every node can compile it. Pure.
import { compileSchema, SYSTEM_SCHEMA, validateOps, type CompiledSchema, type ObjectResolver } from "../schema/index.ts";
import { nodeError } from "../shared/errors.ts";
import { resolveObjectRef } from "../shared/ids.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { SYSTEM_APP, type VerifiedEnvelope } from "../wire/index.ts";
import type { SchemaRegistry } from "./ports.ts";
import type { ReadyPast } from "./types.ts";

const SYSTEM_COMPILED = (() => {
  const compiled = compileSchema(SYSTEM_SCHEMA);
  if (!compiled.ok) throw new Error(`the built-in system schema does not compile: ${compiled.error.message}`);
  return compiled.value;
})();

const APP_SCHEMA_TYPE = "system.app_schema";

export function schemaFor(registry: SchemaRegistry, app: string): CompiledSchema | undefined {
  return app === SYSTEM_APP ? SYSTEM_COMPILED : registry.schemaFor(app);
}

export function checkSchema(registry: SchemaRegistry, verified: VerifiedEnvelope, past: ReadyPast): Result<void> {
  const content = verified.envelope.content;
  const schema = schemaFor(registry, content.app);
  if (schema === undefined)
    return err(
      nodeError("ERR_SCHEMA_TYPE_NOT_ALLOWED", "The app is not installed on this node.", { reason: "app_not_installed", app: content.app }),
    );
  const resolve: ObjectResolver = (ref) => {
    const row = past.objects.get(resolveObjectRef(ref, verified.id));
    return row === undefined ? undefined : { kind: row.kind, typeKey: row.typeKey, app: row.app };
  };
  const checked = validateOps(schema, content, resolve);
  if (!checked.ok) return checked;
  for (const [i, op] of content.ops.entries()) {
    if (op.type_key !== APP_SCHEMA_TYPE) continue;
    const compiled = compileSchema((op.payload as { value: { schema?: unknown } }).value.schema);
    if (!compiled.ok)
      return err(
        nodeError("ERR_SCHEMA_INVALID_VALUE", "The app schema document is invalid.", {
          reason: "invalid_app_schema",
          path: `content.ops[${i}].payload.value.schema`,
          detail: String(compiled.error.data["reason"] ?? ""),
        }),
      );
  }
  return ok(undefined);
}
