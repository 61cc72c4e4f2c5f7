// acl.json (optional): the read defaults a package proposes per type, shown to the person at install.
// `{ "read": { "<type_key>": "app" | "owner" } }`; every key must be a type of the package's schema.
// Enforced at install as each local identity's read rule (../read-defaults.ts).
import { isJsonObject, type JsonValue } from "../../shared/json.ts";
import { ok, type Result } from "../../shared/result.ts";
import { invalidDocument } from "./package-error.ts";

export type AclDefaults = { readonly read: Readonly<Record<string, "app" | "owner">> };

export function parseAclDefaults(value: JsonValue | undefined, typeKeys: readonly string[]): Result<AclDefaults> {
  if (value === undefined) return ok({ read: {} });
  if (!isJsonObject(value)) return invalidDocument("acl_not_object", "acl.json must be a JSON object.");
  for (const key of Object.keys(value))
    if (key !== "read") return invalidDocument("unknown_field", "acl.json has an unknown field.", { field: key });
  const read = value["read"] ?? {};
  if (!isJsonObject(read)) return invalidDocument("invalid_field", "acl.json read must be an object.", { field: "read" });
  const out: Record<string, "app" | "owner"> = {};
  for (const [typeKey, rule] of Object.entries(read)) {
    if (!typeKeys.includes(typeKey))
      return invalidDocument("acl_unknown_type", "acl.json names a type the schema lacks.", { field: `read.${typeKey}` });
    if (rule !== "app" && rule !== "owner")
      return invalidDocument("invalid_field", 'A read default is "app" or "owner".', { field: `read.${typeKey}` });
    out[typeKey] = rule;
  }
  return ok({ read: out });
}
