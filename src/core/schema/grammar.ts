// Name and value grammars of schemas. Type keys and timestamps are the wire's own (ADR 0002), taken
// from the wire module, so a type valid in a schema is always valid on the wire.
import { parseIdentityId, parseObjectId } from "../shared/ids.ts";
export { isCanonicalTimestamp, isTypeKey } from "../wire/index.ts";

/** Value members are snake_case like every wire field (DESIGN §3). */
const FIELD_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const FIELD_NAME_MAX = 64;

export function isFieldName(text: string): boolean {
  return text.length <= FIELD_NAME_MAX && FIELD_NAME_PATTERN.test(text);
}

/** A global identity id (43 base64url characters of a SHA-256 digest). */
export function isIdentityIdText(text: string): boolean {
  return parseIdentityId(text) !== undefined;
}

/**
 * A global object id `<envelope id>:<index>`. Never `@i`: values are stored byte-identical, and a
 * local reference inside a value would mean something else once read outside its envelope.
 */
export function isObjectIdText(text: string): boolean {
  return parseObjectId(text) !== undefined;
}

/** Paths read like JavaScript: `types["message.item"].fields.title`, `value.tags[2]`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}
