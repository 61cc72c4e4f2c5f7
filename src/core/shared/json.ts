// JSON values as plain data: the one shape wire-json.ts produces and canonical-json.ts accepts.
// Types and a shape guard only; parsing and encoding live in those two modules.

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * True for a plain object (prototype `Object.prototype` or `null`), never an array, `null` or a
 * class instance. Shallow: members are not checked.
 */
export function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
