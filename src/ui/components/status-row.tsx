// One line of the device card: what it is, a short state pill, and a sentence of detail.
import type { JSX } from "solid-js";

export type StatusTone = "pending" | "ok" | "error" | "neutral";

export function StatusRow(props: {
  testId: string;
  /** Machine-readable state for tests and styling (e.g. "starting", "ready", "error"). */
  state: string;
  tone: StatusTone;
  label: string;
  pill: string;
  children: JSX.Element;
}): JSX.Element {
  return (
    <li class="status-row" data-testid={props.testId} data-state={props.state} aria-busy={props.tone === "pending"}>
      <div class="status-row__head">
        <span class="status-row__label">{props.label}</span>
        <span class={`pill pill--${props.tone}`}>
          <span class="pill__dot" aria-hidden="true" />
          {props.pill}
        </span>
      </div>
      <p class="status-row__detail">{props.children}</p>
    </li>
  );
}
