// Progress for anything long: a bar that fills when the total is known, and slides when it is not.
import { Show, type JSX } from "solid-js";

export function ProgressBar(props: { label: string; done?: number | undefined; total?: number | undefined }): JSX.Element {
  const fraction = () =>
    props.total !== undefined && props.total > 0 && props.done !== undefined ? Math.min(1, props.done / props.total) : undefined;
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={fraction() === undefined ? undefined : Math.round(fraction()! * 100)}
      data-testid="progress"
    >
      <div class="progress__track">
        <Show when={fraction() !== undefined} fallback={<div class="progress__fill progress__fill--indeterminate" />}>
          <div class="progress__fill" style={{ width: `${(fraction() ?? 0) * 100}%` }} />
        </Show>
      </div>
      <p class="progress__label">{props.label}</p>
    </div>
  );
}
