// The Contacts mini-app: everyone I know, searched, added, edited, removed (an update marking it
// archived, history kept), with notes and duplicate flags. Through the SDK only; live via subscribe.
import { type AppClient } from "../../sdk/index.ts";
import { h, nowIso, plainError, showNotice } from "../../ui-kit/index.ts";
import { startApp } from "../../ui-kit/start.ts";
import { duplicates, formValue, isShown, matches, type Contact, type ContactValue } from "./contacts.ts";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);

let contacts: Contact[] = [];
let editing: Contact | undefined;

async function refresh(app: AppClient): Promise<void> {
  const read = await app.read({ target: "parent", type_key: "contact.profile", order_by: "created_at", limit: 500 });
  if (!read.ok) return showNotice($("status"), plainError(read.error), read.error.code);
  contacts = read.value.rows.map((row) => ({ id: String(row["id"]), value: row["value"] as ContactValue })).filter(isShown);
  render(app);
  showNotice($("status"), contacts.length === 0 ? "No contacts yet. Add the first person below." : "");
}

function render(app: AppClient): void {
  const list = $("list");
  const flagged = duplicates(contacts);
  const shown = contacts
    .filter((c) => matches(c, input("search").value))
    .sort((a, b) => (a.value.display_name ?? a.value.handle).localeCompare(b.value.display_name ?? b.value.handle));
  list.dataset["count"] = String(shown.length);
  $("count").textContent = `(${shown.length})`;
  list.replaceChildren(
    ...shown.map((c) =>
      h(
        "li",
        { "data-testid": "contact", "data-id": c.id, "data-duplicate": flagged.has(c.id) },
        h("div", { class: "contact__name", dir: "auto" }, c.value.display_name ?? c.value.handle),
        h("div", { class: "contact__meta", dir: "auto" }, `@${c.value.handle}${c.value.email === undefined ? "" : ` · ${c.value.email}`}`),
        c.value.node_identity_id === undefined
          ? null
          : h("div", { class: "contact__meta" }, "Their node is known: messages can reach them."),
        flagged.has(c.id)
          ? h(
              "div",
              { class: "flag", "data-testid": "duplicate-flag" },
              "Possible duplicate: same identity, handle or name as another contact.",
            )
          : null,
        c.value.notes === undefined ? null : h("p", { class: "contact__notes", dir: "auto" }, c.value.notes),
        h(
          "div",
          { class: "row contact__actions" },
          h(
            "button",
            {
              type: "button",
              "data-testid": "edit",
              "aria-label": `Edit ${c.value.display_name ?? c.value.handle}`,
              onclick: () => startEdit(c),
            },
            "Edit",
          ),
          h(
            "button",
            {
              type: "button",
              "data-testid": "remove",
              "aria-label": `Remove ${c.value.display_name ?? c.value.handle}`,
              onclick: () => void remove(app, c),
            },
            "Remove",
          ),
        ),
      ),
    ),
  );
  if (shown.length === 0 && contacts.length > 0) list.append(h("li", { class: "empty" }, "Nobody matches your search."));
}

function fill(value: ContactValue | undefined): void {
  input("name").value = value?.display_name ?? "";
  input("handle").value = value?.handle ?? "";
  input("identity").value = value?.identity_id ?? "";
  input("node").value = value?.node_identity_id ?? "";
  input("email").value = value?.email ?? "";
  $<HTMLTextAreaElement>("notes").value = value?.notes ?? "";
}

function startEdit(c: Contact): void {
  editing = c;
  fill(c.value);
  $("form-heading").textContent = `Edit ${c.value.display_name ?? c.value.handle}`;
  $("save").textContent = "Save";
  $("cancel").hidden = false;
  input("name").focus();
}

function endEdit(): void {
  editing = undefined;
  fill(undefined);
  $("form-heading").textContent = "Add a person";
  $("save").textContent = "Add";
  $("cancel").hidden = true;
}

async function save(app: AppClient): Promise<void> {
  const form = {
    name: input("name").value,
    handle: input("handle").value,
    identity: input("identity").value,
    node: input("node").value,
    email: input("email").value,
    notes: $<HTMLTextAreaElement>("notes").value,
  };
  if (form.name.trim() === "" && form.handle.trim() === "")
    return showNotice($("form-error"), "Give the person a name or a handle.", "empty");
  const value = formValue(form, editing?.value, nowIso());
  const op =
    editing === undefined
      ? { op: "parent_create", type_key: "contact.profile", payload: { value } }
      : { op: "parent_update", type_key: "contact.profile", payload: { parent_id: editing.id, value } };
  const written = await app.submit({ domain: "contacts", ops: [op] });
  // A refused write changes nothing: the form keeps what the person typed.
  if (!written.ok) return showNotice($("form-error"), plainError(written.error), written.error.code);
  showNotice($("form-error"), "");
  endEdit();
  await refresh(app);
}

async function remove(app: AppClient, c: Contact): Promise<void> {
  const value = { ...c.value, status: "archived", updated_at: nowIso() };
  const written = await app.submit({
    domain: "contacts",
    ops: [{ op: "parent_update", type_key: "contact.profile", payload: { parent_id: c.id, value } }],
  });
  if (!written.ok) return showNotice($("status"), plainError(written.error), written.error.code);
  if (editing?.id === c.id) endEdit();
  await refresh(app);
}

void startApp({
  status: $("status"),
  wire: (app) => {
    input("search").addEventListener("input", () => render(app));
    $("save").addEventListener("click", () => void save(app));
    $("cancel").addEventListener("click", endEdit);
  },
  refresh,
});
