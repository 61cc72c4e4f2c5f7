// The contacts the shell lists and the pick-a-contact dialog offers an app.
import { describe, expect, it } from "vitest";
import { contactsFromRows, matchContacts } from "./contact-list.ts";

const row = (id: string, owner: string, value: Record<string, unknown>) => ({ id, owner_identity: owner, value });
const rows = [
  row("a:0", "me", { handle: "grace", display_name: "Grace Hopper", identity_id: "g" }),
  row("b:0", "someone-else", { handle: "mallory", display_name: "Mallory" }),
  row("c:0", "me", { handle: "gone", display_name: "Gone", status: "archived" }),
];

describe("contacts from read rows", () => {
  it("leaves out removed contacts", () => {
    expect(contactsFromRows(rows).map((c) => c.id)).toEqual(["a:0", "b:0"]);
  });

  it("offers only the person's own contacts when an owner is named (the picker)", () => {
    expect(contactsFromRows(rows, "me").map((c) => c.name)).toEqual(["Grace Hopper"]);
    expect(contactsFromRows(rows, "")).toEqual([]);
  });

  it("matches by name or handle, ignoring case and accents", () => {
    const contacts = contactsFromRows([row("d:0", "me", { handle: "jose", display_name: "José Núñez" })]);
    expect(matchContacts(contacts, "NUNEZ").map((c) => c.id)).toEqual(["d:0"]);
    expect(matchContacts(contacts, "zzz")).toEqual([]);
  });
});
