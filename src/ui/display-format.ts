// How the shell writes numbers, sizes, times, ids and ops for people.

const numberFormat = new Intl.NumberFormat();

export function formatCount(n: number): string {
  return numberFormat.format(n);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatWhen(iso: string, now = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.round((at - now) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return relative.format(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return relative.format(hours, "hour");
  return absolute.format(at);
}

export function formatTimestamp(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : absolute.format(at);
}

/** A part of a line that may be missing: only present parts are shown. */
export type LinePart<T> = T | null | undefined | false | "";

/** The parts that are there, in order: a missing one leaves no separator behind ("· 11 objects"). */
export function presentParts<T>(parts: readonly LinePart<T>[]): T[] {
  return parts.filter((part): part is T => part !== null && part !== undefined && part !== false && part !== "");
}

/** The first and last characters of a long id: enough to tell ids apart at a glance. */
export function shortId(id: string, keep = 6): string {
  return id.length <= keep * 2 + 1 ? id : `${id.slice(0, keep)}…${id.slice(-4)}`;
}

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The user-perceived characters of a text: an emoji with its joiners and skin tone, a flag, or a
 *  letter with its combining marks is one, never cut in half as UTF-16 slicing would. */
export function graphemes(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (s) => s.segment);
}

/** "Grace Hopper" → "GH", "Ada" → "AD", "🧑‍🚀 Sally Ride" → "🧑‍🚀R", "" → "?". */
export function initials(name: string | null): string {
  const words = (name ?? "").trim().split(/\s+/u).filter(Boolean);
  const first = graphemes(words[0] ?? "");
  const letters = words.length > 1 ? [first[0], graphemes(words.at(-1)!)[0]] : first.slice(0, 2);
  const text = letters.join("");
  return text === "" ? "?" : text.toLocaleUpperCase();
}

const OP_VERBS: Readonly<Record<string, string>> = {
  parent_create: "Created",
  parent_update: "Updated",
  attr_create: "Added",
  attr_update: "Changed",
  edge_create: "Linked",
  edge_update: "Changed link",
  rating_create: "Rated",
  rating_update: "Changed rating",
};

/** "system.app_schema" → "app schema"; "contact.profile" → "profile". */
export function typeName(typeKey: string): string {
  return (typeKey.split(".").slice(1).join(" ") || typeKey).replace(/_/g, " ");
}

/** One line for an envelope's ops: "Created profile", "Created thread + 2 more". */
export function describeOps(ops: readonly { op: string; typeKey: string }[]): string {
  const first = ops[0];
  if (first === undefined) return "No changes";
  const line = `${OP_VERBS[first.op] ?? first.op} ${typeName(first.typeKey)}`;
  return ops.length > 1 ? `${line} + ${ops.length - 1} more` : line;
}
