// The people this node knows, as the shell reads them from the built-in contacts app: for the Home
// panel and for the pick-a-contact dialog a mini-app may open (the only cross-app data flow).
import type { PickedContact } from "../rpc/frame-messages.ts";
import type { NodeConnection } from "./node-connection.ts";
import type { ShellResult } from "./node-client.ts";

export type Contact = PickedContact & { readonly id: string };

export async function readContacts(connection: NodeConnection, limit: number): Promise<ShellResult<readonly Contact[]>> {
  const query = { target: "parent", type_key: "contact.profile", order_by: "created_at", order: "desc", limit } as const;
  const read = await connection.call("read", { app: "app.contacts", query });
  if (!read.ok) return read;
  // A removed contact is an update marking it archived (the Contacts app); history keeps it, lists do not.
  const shown = read.value.rows.filter((row) => (row["value"] as { status?: string }).status !== "archived");
  const contacts = shown.map((row) => {
    const value = row["value"] as { handle?: string; display_name?: string; identity_id?: string; node_identity_id?: string };
    return {
      id: String(row["id"]),
      name: value.display_name ?? value.handle ?? "?",
      handle: value.handle ?? "",
      identityId: value.identity_id ?? null,
      nodeIdentityId: value.node_identity_id ?? null,
    } satisfies Contact;
  });
  return { ok: true, value: contacts };
}

/** Contacts whose name or handle contains `text` (case- and accent-insensitive). */
export function matchContacts(contacts: readonly Contact[], text: string): readonly Contact[] {
  const fold = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase();
  const wanted = fold(text.trim());
  return wanted === "" ? contacts : contacts.filter((c) => fold(c.name).includes(wanted) || fold(c.handle).includes(wanted));
}
