// A first taste of the built-in contacts app, inside the shell: the people this node knows, and a
// form that adds one through the node's write path (signed by the shell identity, schema-checked).
import { createResource, createSignal, For, Show, type JSX } from "solid-js";
import { useShell } from "../shell-context.tsx";
import type { ShellError } from "../node-client.ts";
import { readContacts } from "../contact-list.ts";
import { Avatar } from "./avatar.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import { Icon } from "./icon.tsx";
import { ResultView } from "./result-view.tsx";

/** "Grace Hopper" → "grace_hopper": the handle the schema allows ([a-z0-9_]+). */
export function suggestHandle(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
}

export function ContactsPanel(): JSX.Element {
  const shell = useShell();
  const [contacts] = createResource(
    () => shell.connection.revision() + 1,
    () => readContacts(shell.connection, 12),
  );
  const [name, setName] = createSignal("");
  const [saving, setSaving] = createSignal(false);
  const [error, setError] = createSignal<ShellError>();

  async function addContact(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const displayName = name().trim();
    if (displayName.length === 0) return;
    setSaving(true);
    setError(undefined);
    const written = await shell.connection.call("submit", {
      app: "app.contacts",
      domain: "contacts",
      ops: [
        {
          op: "parent_create",
          type_key: "contact.profile",
          payload: {
            value: { handle: suggestHandle(displayName) || "contact", display_name: displayName, created_at: new Date().toISOString() },
          },
        },
      ],
    });
    setSaving(false);
    if (written.ok) setName("");
    else setError(written.error);
  }

  return (
    <section class="card panel" aria-labelledby="contacts-heading" data-testid="contacts-panel">
      <div class="panel__head">
        <h2 id="contacts-heading" class="panel__title">
          Contacts
        </h2>
      </div>
      <form class="inline-form" onSubmit={(event) => void addContact(event)}>
        <label class="visually-hidden" for="contact-name">
          Name
        </label>
        <input
          id="contact-name"
          class="input"
          placeholder="Add someone by name"
          autocomplete="off"
          dir="auto"
          maxLength={128}
          value={name()}
          onInput={(event) => setName(event.currentTarget.value)}
          data-testid="contact-name"
        />
        <button type="submit" class="button button--primary" disabled={saving() || name().trim().length === 0} data-testid="contact-add">
          <Icon name="plus" size={18} />
          {saving() ? "Saving…" : "Add"}
        </button>
      </form>
      <Show when={error()}>{(failure) => <ErrorNotice error={failure()} />}</Show>
      <ResultView result={contacts()}>
        {(list) => (
          <Show
            when={list.length > 0}
            fallback={
              <p class="empty empty--compact">No contacts yet. Everyone you add is signed by you and stored only on this device.</p>
            }
          >
            <ul class="people" data-testid="contact-list">
              <For each={list}>
                {(contact) => (
                  <li class="person" data-testid="contact">
                    <Avatar id={contact.id} name={contact.name} />
                    <div class="person__text">
                      <p class="person__name" dir="auto">
                        {contact.name}
                      </p>
                      <p class="person__handle" dir="auto">
                        @{contact.handle}
                      </p>
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </ResultView>
    </section>
  );
}
