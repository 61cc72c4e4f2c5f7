// What a person typed, or was told, inside a list the app rebuilds on every live update. An app
// rebuilds its rows whenever synced data arrives; without this, a comment half typed (or a refusal
// just shown) vanished the moment anything else changed. Fields and notices are kept by a key
// (item id and role), so the rebuilt row shows them again, and focus and caret stay where they were.
import { showNotice } from "./index.ts";

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
type Notice = { readonly text: string; readonly code: string };

export class Kept {
  readonly #drafts = new Map<string, string>();
  readonly #notices = new Map<string, Notice>();

  /** `element`, showing the draft kept under `key` and keeping what is typed into it. */
  field<T extends Field>(key: string, element: T): T {
    element.dataset["kept"] = key;
    const draft = this.#drafts.get(key);
    if (draft !== undefined) element.value = draft;
    const keep = (): void => void this.#drafts.set(key, element.value);
    element.addEventListener("input", keep);
    element.addEventListener("change", keep);
    return element;
  }

  /** The draft under `key` as typed, or `fallback` when nothing was typed. */
  value(key: string, fallback = ""): string {
    return this.#drafts.get(key) ?? fallback;
  }

  /** Forgets the draft under `key` (it was sent) and empties its field on screen. */
  clear(key: string): void {
    this.#drafts.delete(key);
    for (const element of this.#onScreen<Field>(key))
      if (element instanceof HTMLSelectElement) element.selectedIndex = 0;
      else element.value = "";
  }

  /** A notice box (role="alert") that shows what was last said under `key`. */
  notice(key: string, testId: string): HTMLParagraphElement {
    const box = document.createElement("p");
    Object.assign(box, { className: "notice", hidden: true });
    box.setAttribute("role", "alert");
    box.dataset["testid"] = testId;
    box.dataset["kept"] = key;
    const said = this.#notices.get(key);
    if (said !== undefined) showNotice(box, said.text, said.code);
    return box;
  }

  /** Says `text` under `key`, on screen now and after every rebuild; "" clears it. */
  say(key: string, text: string, code = ""): void {
    if (text === "") this.#notices.delete(key);
    else this.#notices.set(key, { text, code });
    for (const box of this.#onScreen<HTMLElement>(key)) showNotice(box, text, code);
  }

  /** Replaces `list`'s children; the field being typed in keeps its focus and caret. */
  replace(list: HTMLElement, children: readonly Node[]): void {
    const active = document.activeElement;
    const key = active instanceof HTMLElement && list.contains(active) ? active.dataset["kept"] : undefined;
    const caret = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? caretOf(active) : undefined;
    list.replaceChildren(...children);
    if (key === undefined) return;
    const again = this.#onScreen<HTMLElement>(key, list)[0];
    if (again === undefined) return;
    again.focus();
    if (caret !== undefined && (again instanceof HTMLInputElement || again instanceof HTMLTextAreaElement)) {
      try {
        again.setSelectionRange(caret.start, caret.end, caret.direction);
      } catch {
        // An input type without a caret (number, email): focus alone.
      }
    }
  }

  #onScreen<T extends Element>(key: string, within: ParentNode = document): T[] {
    return [...within.querySelectorAll<T>(`[data-kept="${CSS.escape(key)}"]`)];
  }
}

function caretOf(field: HTMLInputElement | HTMLTextAreaElement) {
  try {
    if (field.selectionStart === null || field.selectionEnd === null) return undefined;
    return { start: field.selectionStart, end: field.selectionEnd, direction: field.selectionDirection ?? "none" };
  } catch {
    return undefined;
  }
}
