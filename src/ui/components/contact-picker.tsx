// The shell's pick-a-contact dialog (DESIGN D9): a mini-app asked for one contact; the person sees
// which app asks, chooses one person or declines. Only the chosen contact's name, handle and
// identity id go to the app — the app never reads the contacts app itself.
import { createResource, createSignal, For, onMount, Show, type JSX } from "solid-js";
import type { PickedContact } from "../../rpc/frame-messages.ts";
import { matchContacts, readContacts } from "../contact-list.ts";
import { shellIdentity, useShell } from "../shell-context.tsx";
import { Avatar } from "./avatar.tsx";
import { ProgressBar } from "./progress-bar.tsx";
import { ResultView } from "./result-view.tsx";

export function ContactPicker(props: { appTitle: string; onPick: (contact: PickedContact) => void; onCancel: () => void }): JSX.Element {
  const shell = useShell();
  // Only the person's own contacts: a contact another person wrote is not theirs to share.
  const [contacts] = createResource(() => readContacts(shell.connection, 200, shellIdentity(shell)?.identityId ?? ""));
  const [filter, setFilter] = createSignal("");
  let dialog: HTMLDialogElement | undefined;
  onMount(() => dialog?.showModal());

  return (
    <dialog
      ref={dialog}
      class="picker"
      data-testid="contact-picker"
      aria-labelledby="picker-title"
      onCancel={(event) => {
        event.preventDefault(); // Escape declines, through the same path as the button
        props.onCancel();
      }}
    >
      <h2 id="picker-title" class="picker__title" dir="auto">
        {props.appTitle} asks for one contact
      </h2>
      <p class="picker__lead">
        Only the person you choose is shared with {props.appTitle}: their name and handle. Nothing else leaves your contacts.
      </p>
      <label class="visually-hidden" for="picker-filter">
        Find a contact
      </label>
      <input
        id="picker-filter"
        class="input"
        placeholder="Find a contact"
        autocomplete="off"
        value={filter()}
        onInput={(event) => setFilter(event.currentTarget.value)}
        data-testid="picker-filter"
      />
      <ResultView result={contacts()} fallback={<ProgressBar label="Loading contacts…" />}>
        {(list) => (
          <Show when={list.length > 0} fallback={<p class="empty empty--compact">No contacts yet. Add people on Home first.</p>}>
            <ul class="picker__list">
              <For each={matchContacts(list, filter())} fallback={<li class="empty empty--compact">Nobody matches.</li>}>
                {(contact) => (
                  <li>
                    <button
                      type="button"
                      class="picker__choice"
                      data-testid="pick-contact"
                      onClick={() =>
                        props.onPick({
                          name: contact.name,
                          handle: contact.handle,
                          identityId: contact.identityId,
                          nodeIdentityId: contact.nodeIdentityId ?? null,
                        })
                      }
                    >
                      <Avatar id={contact.id} name={contact.name} size="sm" />
                      <span class="picker__name" dir="auto">
                        {contact.name}
                      </span>
                      <span class="person__handle">@{contact.handle}</span>
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </ResultView>
      <div class="picker__actions">
        <button type="button" class="button button--quiet" data-testid="pick-cancel" onClick={() => props.onCancel()}>
          Don't share
        </button>
      </div>
    </dialog>
  );
}
