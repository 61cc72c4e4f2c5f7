// Kept, in a real DOM: a list rebuilt by a live update keeps what was typed into its rows, the
// focus and caret of the field being typed in, and the refusal last shown under a row.
import { afterEach, describe, expect, it } from "vitest";
import { h } from "./index.ts";
import { Kept } from "./kept.ts";

const KEY = 'listing "1"/comment'; // quotes and a slash: the key goes through CSS.escape

function rowsOf(kept: Kept, ids: readonly string[]): HTMLLIElement[] {
  return ids.map((id) =>
    h(
      "li",
      {},
      kept.field(`listing "${id}"/comment`, h("input", { "data-testid": `comment-${id}` })),
      kept.field(
        `listing "${id}"/stars`,
        h("select", { "data-testid": `stars-${id}` }, h("option", { value: 5 }, "5"), h("option", { value: 1 }, "1")),
      ),
      kept.notice(`listing "${id}"/error`, "listing-error"),
    ),
  );
}

function mount(): HTMLUListElement {
  const list = h("ul");
  document.body.append(list);
  return list;
}

const type = (field: HTMLInputElement | HTMLSelectElement, value: string, event = "input") => {
  field.value = value;
  field.dispatchEvent(new Event(event, { bubbles: true }));
};
const find = <T extends HTMLElement>(testId: string) => document.querySelector<T>(`[data-testid="${testId}"]`)!;

afterEach(() => document.body.replaceChildren());

describe("Kept", () => {
  it("shows what was typed again after the list is rebuilt, and value() reads it", () => {
    const kept = new Kept();
    const list = mount();
    kept.replace(list, rowsOf(kept, ["1", "2"]));
    type(find<HTMLInputElement>("comment-1"), "Smooth deal شكرا");
    type(find<HTMLSelectElement>("stars-1"), "1", "change");
    const before = find("comment-1");
    kept.replace(list, rowsOf(kept, ["1", "2"]));
    expect(find("comment-1")).not.toBe(before);
    expect(find<HTMLInputElement>("comment-1").value).toBe("Smooth deal شكرا");
    expect(find<HTMLSelectElement>("stars-1").value).toBe("1");
    expect(find<HTMLInputElement>("comment-2").value).toBe("");
    expect(kept.value(KEY)).toBe("Smooth deal شكرا");
    expect(kept.value('listing "2"/stars', "5")).toBe("5");
  });

  it("keeps focus and caret in the field being typed in, and steals no focus from outside the list", () => {
    const kept = new Kept();
    const list = mount();
    kept.replace(list, rowsOf(kept, ["1"]));
    const field = find<HTMLInputElement>("comment-1");
    type(field, "abcdef");
    field.focus();
    field.setSelectionRange(2, 4);
    kept.replace(list, rowsOf(kept, ["1"]));
    const again = find<HTMLInputElement>("comment-1");
    expect(again).not.toBe(field);
    expect(document.activeElement).toBe(again);
    expect([again.selectionStart, again.selectionEnd]).toEqual([2, 4]);

    const outside = h("input");
    document.body.append(outside);
    outside.focus();
    kept.replace(list, rowsOf(kept, ["1"]));
    expect(document.activeElement).toBe(outside);
  });

  it("clear() forgets the draft and empties the field on screen; a rebuild shows it empty", () => {
    const kept = new Kept();
    const list = mount();
    kept.replace(list, rowsOf(kept, ["1"]));
    type(find<HTMLInputElement>("comment-1"), "sent already");
    type(find<HTMLSelectElement>("stars-1"), "1", "change");
    kept.clear(KEY);
    kept.clear('listing "1"/stars');
    expect(find<HTMLInputElement>("comment-1").value).toBe("");
    expect(find<HTMLSelectElement>("stars-1").value).toBe("5");
    kept.replace(list, rowsOf(kept, ["1"]));
    expect(find<HTMLInputElement>("comment-1").value).toBe("");
    expect(kept.value(KEY)).toBe("");
  });

  it("say() shows a notice now and after every rebuild, with its code; an empty text hides it", () => {
    const kept = new Kept();
    const list = mount();
    kept.replace(list, rowsOf(kept, ["1", "2"]));
    kept.say('listing "1"/error', "You cannot make an offer on your own listing.", "ERR_MARKET_OWN_LISTING");
    const shown = () => [...document.querySelectorAll<HTMLElement>('[data-testid="listing-error"]')];
    expect(shown().map((b) => [b.hidden, b.dataset["code"]])).toEqual([
      [false, "ERR_MARKET_OWN_LISTING"],
      [true, undefined],
    ]);
    kept.replace(list, rowsOf(kept, ["1", "2"]));
    expect(shown()[0]!.textContent).toBe("You cannot make an offer on your own listing.");
    expect(shown()[0]!.getAttribute("role")).toBe("alert");
    expect(shown()[1]!.hidden).toBe(true);
    kept.say('listing "1"/error', "");
    expect(shown()[0]!.hidden).toBe(true);
    kept.replace(list, rowsOf(kept, ["1", "2"]));
    expect(shown()[0]!.hidden).toBe(true);
  });
});
