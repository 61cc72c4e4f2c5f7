// The Contacts app's rules: removed ones are hidden, search folds case and accents, duplicates flagged.
import { describe, expect, it } from "vitest";
import { duplicates, formValue, isShown, matches, suggestHandle } from "./contacts.ts";

const T = "2026-12-01T10:00:00.000Z";
const c = (id: string, value: Record<string, unknown>) => ({ id, value: { handle: id, created_at: T, ...value } });

describe("contacts", () => {
  it("flags the same identity, handle or name, and nobody else", () => {
    const list = [
      c("a", { identity_id: "X" }),
      c("b", { identity_id: "X" }),
      c("d", { display_name: "Zoë" }),
      c("e", { display_name: "zoe" }),
      c("f", {}),
    ];
    expect([...duplicates(list)].sort()).toEqual(["a", "b", "d", "e"]);
  });

  it("searches folded text and hides removed contacts", () => {
    expect(matches(c("g", { display_name: "Renée" }), "renee")).toBe(true);
    expect(matches(c("g", { notes: "met in Lyon" }), "LYON")).toBe(true);
    expect(matches(c("g", {}), "zzz")).toBe(false);
    expect(isShown(c("h", { status: "archived" }))).toBe(false);
  });

  it("builds a value the schema accepts: no empty optional fields, the created_at kept on edit", () => {
    const value = formValue({ name: "Grace Hopper", handle: "", identity: "", email: " ", notes: "" }, undefined, T);
    expect(value).toEqual({ handle: "grace_hopper", display_name: "Grace Hopper", status: "active", created_at: T });
    expect(formValue({ name: "G", handle: "g", identity: "", email: "", notes: "n" }, value, "2026-12-02T00:00:00.000Z")).toMatchObject({
      created_at: T,
      updated_at: "2026-12-02T00:00:00.000Z",
    });
    expect(suggestHandle("Ünïcode Name!")).toBe("unicode_name");
  });
});
