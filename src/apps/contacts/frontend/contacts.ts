// The Contacts app's pure part: rows of the node's reads as contacts, search, and duplicate flags.
export type ContactValue = {
  readonly handle: string;
  readonly display_name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly notes?: string;
  readonly identity_id?: string;
  readonly node_identity_id?: string;
  readonly status?: "active" | "blocked" | "archived";
  readonly tags?: readonly string[];
  readonly created_at: string;
  readonly updated_at?: string;
};

export type Contact = { readonly id: string; readonly value: ContactValue };

const fold = (s: string): string => s.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase().trim();

/** Removed contacts are updates with status "archived": history keeps them, the list does not. */
export const isShown = (c: Contact): boolean => c.value.status !== "archived";

export function matches(c: Contact, text: string): boolean {
  const wanted = fold(text);
  if (wanted === "") return true;
  const v = c.value;
  return [v.display_name, v.handle, v.email, v.notes].some((field) => field !== undefined && fold(field).includes(wanted));
}

/** Ids of contacts that look like the same person: the same identity, handle or name. */
export function duplicates(contacts: readonly Contact[]): ReadonlySet<string> {
  const seen = new Map<string, string>();
  const out = new Set<string>();
  for (const c of contacts) {
    const keys = [
      c.value.identity_id === undefined ? undefined : `id:${c.value.identity_id}`,
      `handle:${c.value.handle}`,
      c.value.display_name === undefined ? undefined : `name:${fold(c.value.display_name)}`,
    ];
    for (const key of keys) {
      if (key === undefined) continue;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, c.id);
      else if (first !== c.id) out.add(first).add(c.id);
    }
  }
  return out;
}

/** "Grace Hopper" → "grace_hopper": the handle the schema allows ([a-z0-9_]+). */
export function suggestHandle(name: string): string {
  return fold(name)
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
}

/** The value of a form: empty optional fields are left out (the schema's min_length is 1 or more). */
export function formValue(
  form: { name: string; handle: string; identity: string; node?: string; email: string; notes: string },
  base: ContactValue | undefined,
  now: string,
): ContactValue {
  const optional = (key: string, text: string) => (text.trim() === "" ? {} : { [key]: text.trim() });
  const kept =
    base === undefined
      ? {}
      : { ...(base.phone === undefined ? {} : { phone: base.phone }), ...(base.tags === undefined ? {} : { tags: base.tags }) };
  return {
    handle: form.handle.trim() || suggestHandle(form.name) || "someone",
    ...optional("display_name", form.name),
    ...optional("identity_id", form.identity),
    ...optional("node_identity_id", form.node ?? ""),
    ...optional("email", form.email),
    ...optional("notes", form.notes),
    ...kept,
    status: base?.status ?? "active",
    created_at: base?.created_at ?? now,
    ...(base === undefined ? {} : { updated_at: now }),
  };
}
