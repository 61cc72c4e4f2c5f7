// A confirm code as both screens show it (ADR 0025): six digits in two groups, large enough to compare.
import type { JSX } from "solid-js";

export function ConfirmCode(props: { code: string; testId: string }): JSX.Element {
  return (
    <p class="confirm-code" aria-label={`Confirm code ${props.code.split("").join(" ")}`} data-testid={props.testId} data-code={props.code}>
      <span>{props.code.slice(0, 3)}</span>
      <span>{props.code.slice(3)}</span>
    </p>
  );
}
