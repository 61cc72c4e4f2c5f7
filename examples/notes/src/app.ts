// The example third-party mini-app: short notes, written and read through the SDK only.
// Build: `npm run build-example` (bundles this file and the SDK into frontend/app.js).
import { openApp, type AppClient } from "../../../src/apps/sdk/index.ts";

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

async function refresh(app: AppClient): Promise<void> {
  const read = await app.read({ target: "parent", type_key: "notes.note", limit: 100 });
  const list = byId<HTMLUListElement>("notes");
  if (!read.ok) return show(read.error.code);
  list.replaceChildren(
    ...read.value.rows.map((row) => {
      const item = document.createElement("li");
      item.textContent = (row.value as { title?: string }).title ?? "";
      return item;
    }),
  );
  list.dataset["count"] = String(read.value.rows.length);
}

function show(code: string): void {
  byId("status").textContent = code;
}

async function main(): Promise<void> {
  const app = await openApp();
  const me = await app.whoAmI();
  if (!me.ok) return show(me.error.code);
  byId("who").textContent = `${me.value.app} ${me.value.version}`;
  byId("who").dataset["ready"] = "true";
  // Live: every committed change of this app the person may read (from this frame, another device
  // or a peer) refreshes the list; the returned promise paces the node's deliveries.
  const subscribed = await app.subscribe((event) => (event.event === "close" ? undefined : refresh(app)));
  if (!subscribed.ok) show(`subscribe: ${subscribed.error.code} ${subscribed.error.message}`);
  else byId("who").dataset["live"] = "true";
  // The one cross-app flow: the person picks a contact in the shell's dialog, or declines.
  byId<HTMLButtonElement>("about").addEventListener("click", () => {
    void app.pickContact().then((picked) => {
      if (!picked.ok) return show(picked.error.code);
      byId<HTMLInputElement>("title").value = `About ${picked.value.name}`;
      show("picked");
    });
  });
  // A click, not a form submit: the sandbox has no allow-forms, so forms never submit (by design).
  byId<HTMLButtonElement>("add").addEventListener("click", () => {
    const input = byId<HTMLInputElement>("title");
    const value = { title: input.value, created_at: new Date().toISOString() };
    void app
      .submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value } }] })
      .then((written) => {
        // The list redraws from the subscription, like any other change.
        show(written.ok ? "saved" : written.error.code);
        if (written.ok) input.value = "";
      });
  });
  await refresh(app);
}

void main();
