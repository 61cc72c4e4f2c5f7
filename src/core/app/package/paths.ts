// Which names a package entry may have. Paths are data, never joined onto a filesystem, but a
// frontend resolves relative URLs against them, so an escape (`..`), an absolute or a Windows path,
// or two names that differ only in case would make one package mean different things to different
// readers. The grammar is deliberately narrow: portable ASCII segments joined by `/`.
import type { PackageLimits } from "./limits.ts";

export type PathVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: PathReason };
export type PathReason =
  | "path_empty"
  | "path_too_long"
  | "path_too_deep"
  | "path_absolute"
  | "path_backslash"
  | "path_escape"
  | "path_empty_segment"
  | "path_invalid_character";

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** The root documents a package may hold; everything else lives under `frontend/`. */
export const ROOT_FILES = ["manifest.json", "schema.json", "acl.json", "envelopes.json"] as const;
export const FRONTEND_DIR = "frontend/";
export const FRONTEND_ENTRY = "frontend/index.html";

/** Checks one entry name; a trailing `/` marks a directory entry and is allowed once, at the end. */
export function checkPath(name: string, limits: PackageLimits): PathVerdict {
  if (name.length === 0) return fail("path_empty");
  if (name.length > limits.maxPathLength) return fail("path_too_long");
  if (name.includes("\\")) return fail("path_backslash");
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return fail("path_absolute");
  const segments = (name.endsWith("/") ? name.slice(0, -1) : name).split("/");
  if (segments.length > limits.maxPathDepth) return fail("path_too_deep");
  for (const segment of segments) {
    if (segment === "") return fail("path_empty_segment");
    if (segment === "." || segment === "..") return fail("path_escape");
    // Rejects control characters, spaces, `%`, `:` and non-ASCII (look-alike names) in one rule.
    if (!SEGMENT.test(segment)) return fail("path_invalid_character");
  }
  return { ok: true };
}

/** Whether a file may appear in a package at all: a root document, or anything under frontend/. */
export function isAllowedFile(name: string): boolean {
  return (ROOT_FILES as readonly string[]).includes(name) || (name.startsWith(FRONTEND_DIR) && name.length > FRONTEND_DIR.length);
}

function fail(reason: PathReason): PathVerdict {
  return { ok: false, reason };
}
