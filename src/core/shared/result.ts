// Result: the plain-data outcome of every expected failure (DESIGN D6). Plain objects only, because
// Comlink keeps just the message of a thrown Error and class instances lose their methods.
import type { NodeError } from "./errors.ts";

export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err = { readonly ok: false; readonly error: NodeError };
export type Result<T> = Ok<T> | Err;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err(error: NodeError): Err {
  return { ok: false, error };
}
