// Deep freezing for schema data: a compiled schema and the built-in documents are shared by every
// caller, so none of them may change it. Plain objects and arrays only; compiled patterns stay as they are.
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !(value instanceof RegExp) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
