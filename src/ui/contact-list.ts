// The people this node knows, as the shell reads them from the built-in contacts app: for the Home
// panel and for the pick-a-contact dialog a mini-app may open (the only cross-app data flow).
import type { PickedContact } from "../rpc/frame-messages.ts";
import type { NodeConnection } from "./node-connection.ts";
import type { ShellResult } from "./node-client.ts";

export type Contact = PickedContact & { readonly id: string };

/**
 * The rows as contacts, removed ones left out. With `ownerId`, only that person's own contacts: the
 * picker shares one with an app as the person's choice, never a contact someone else wrote.
 */
export function contactsFromRows(rows: readonly Readonly<Record<string, unknown>>[], ownerId?: string): readonly Contact[] {
  // A removed contact is an update marking it archived (the Contacts app); history keeps it, lists do not.
  const shown = rows.filter(
    (row) => (row["value"] as { status?: string }).status !== "archived" && (ownerId === undefined || row["owner_identity"] === ownerId),
  );
  return shown.map((row) => {
    const value = row["value"] as { handle?: string; display_name?: string; identity_id?: string; node_identity_id?: string };
    return {
      id: String(row["id"]),
      name: value.display_name ?? value.handle ?? "?",
      handle: value.handle ?? "",
      identityId: value.identity_id ?? null,
      nodeIdentityId: value.node_identity_id ?? null,
    } satisfies Contact;
  });
}

export async function readContacts(connection: NodeConnection, limit: number, ownerId?: string): Promise<ShellResult<readonly Contact[]>> {
  const query = { target: "parent", type_key: "contact.profile", order_by: "created_at", order: "desc", limit } as const;
  const read = await connection.call("read", { app: "app.contacts", query });
  if (!read.ok) return read;
  return { ok: true, value: contactsFromRows(read.value.rows, ownerId) };
}

/** Contacts whose name or handle contains `text` (case- and accent-insensitive). */
export function matchContacts(contacts: readonly Contact[], text: string): readonly Contact[] {
  const fold = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase();
  const wanted = fold(text.trim());
  return wanted === "" ? contacts : contacts.filter((c) => fold(c.name).includes(wanted) || fold(c.handle).includes(wanted));
}
