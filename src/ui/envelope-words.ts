// What an envelope changed, in words ("Added contact Grace Hopper"), and the facts its detail shows,
// read from the stored signed text (NodeApi.exportEnvelopes). The text is the node's own store,
// already verified; it is still read defensively: anything unexpected becomes plain fallback words.

/** Nouns for the type keys people meet; others are the key's last part ("contact.trust" → "trust"). */
const NOUNS: Readonly<Record<string, string>> = {
  "contact.profile": "contact",
  "contact.link": "contact link",
  "message.item": "message",
  "message.thread": "conversation",
  "social.post": "post",
  "social.comment": "comment",
  "market.listing": "listing",
  "market.offer": "offer",
  "system.identity": "identity",
  // ADR 0030: the key a device syncs with, bound to its person.
  "system.node_key": "device's sync key",
};

const VERBS: Readonly<Record<string, string>> = {
  parent_create: "Added",
  parent_update: "Changed",
  attr_create: "Added",
  attr_update: "Changed",
  edge_create: "Linked",
  edge_update: "Changed link",
  rating_create: "Rated",
  rating_update: "Changed rating",
};

/** The fields a value names itself by, in the order tried. */
const NAME_FIELDS = ["display_name", "name", "title", "handle", "subject"] as const;
const MAX_NAME_CHARS = 80;

export type OpWords = {
  readonly words: string;
  /** Objects this op creates (`<envelope id>:<index>`) or changes (its target). */
  readonly objects: readonly string[];
};

export type EnvelopeFacts = {
  readonly words: string;
  readonly ops: readonly OpWords[];
  /** The public key that signed (the author's device or root key). */
  readonly signingKey: string | null;
  readonly signature: string | null;
  /** Place in the author key's own chain. */
  readonly chainSeq: number | null;
  readonly deps: number;
  readonly traceId: string | null;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function nounOf(typeKey: string): string {
  return NOUNS[typeKey] ?? (typeKey.split(".").slice(1).join(" ") || typeKey).replace(/_/g, " ");
}

function nameIn(value: unknown): string | null {
  if (!isRecord(value)) return typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, MAX_NAME_CHARS) : null;
  for (const field of NAME_FIELDS) {
    const v = value[field];
    if (typeof v === "string" && v.trim() !== "") return v.trim().slice(0, MAX_NAME_CHARS);
  }
  return null;
}

const TARGET_FIELDS = ["parent_id", "attr_id", "edge_id", "rating_id", "target_parent_id", "target_attr_id"] as const;

function opWords(op: unknown, index: number, envelopeId: string): OpWords {
  if (!isRecord(op) || typeof op["type_key"] !== "string" || typeof op["op"] !== "string") return { words: "A change", objects: [] };
  const kind = typeof op["op"] === "string" ? op["op"] : "";
  const typeKey = typeof op["type_key"] === "string" ? op["type_key"] : "";
  const payload = isRecord(op["payload"]) ? op["payload"] : {};
  const name = nameIn(payload["value"]);
  const verb = kind === "parent_create" && typeKey === "system.identity" ? "Created" : (VERBS[kind] ?? "Changed");
  const words = `${verb} ${nounOf(typeKey)}${name === null ? "" : ` ${name}`}`;
  const created = kind.endsWith("_create") ? [`${envelopeId}:${index}`] : [];
  const targets = TARGET_FIELDS.flatMap((f) => {
    const id = payload[f];
    if (typeof id !== "string") return [];
    return [id.startsWith("@") ? `${envelopeId}:${id.slice(1)}` : id];
  });
  return { words, objects: kind.endsWith("_update") ? targets : created };
}

/** One line for a list of op words: "Added contact Grace Hopper", "Added post Hello + 2 more". */
export function joinWords(ops: readonly OpWords[]): string {
  const first = ops[0];
  if (first === undefined) return "No changes";
  return ops.length > 1 ? `${first.words} + ${ops.length - 1} more` : first.words;
}

export function envelopeFacts(text: string, envelopeId: string): EnvelopeFacts | null {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(envelope)) return null;
  const content = isRecord(envelope["content"]) ? envelope["content"] : {};
  const rawOps = Array.isArray(content["ops"]) ? (content["ops"] as unknown[]) : [];
  const ops = rawOps.map((op, i) => opWords(op, i, envelopeId));
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    words: joinWords(ops),
    ops,
    signingKey: str(envelope["author_key"]),
    signature: str(envelope["signature"]),
    chainSeq: typeof envelope["seq"] === "number" ? envelope["seq"] : null,
    deps: Array.isArray(content["deps"]) ? content["deps"].length : 0,
    traceId: str(content["trace_id"]),
  };
}

/** Rows next to each other that say the same thing by the same author collapse into one. */
export function groupRuns<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups: T[][] = [];
  let lastKey: string | undefined;
  for (const item of items) {
    const key = keyOf(item);
    if (groups.length > 0 && key === lastKey) groups.at(-1)!.push(item);
    else groups.push([item]);
    lastKey = key;
  }
  return groups;
}
