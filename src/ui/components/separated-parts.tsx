// A line of parts with " · " between them, drawn by the stylesheet (.parts): a missing part leaves no
// separator behind, and a part that wraps to a new line starts it without one.
import { For, type JSX } from "solid-js";
import { presentParts, type LinePart } from "../display-format.ts";

export function SeparatedParts(props: { parts: readonly LinePart<JSX.Element>[] }): JSX.Element {
  return (
    <span class="parts">
      <For each={presentParts(props.parts)}>{(part) => <span class="parts__item">{part}</span>}</For>
    </span>
  );
}
