// Renders a node answer: the value when it succeeded, the coded error when it did not, and
// `fallback` (a progress bar, usually) while there is no answer yet.
import { Match, Switch, type JSX } from "solid-js";
import type { ShellError, ShellResult } from "../node-client.ts";
import { ErrorNotice } from "./error-notice.tsx";

function failure<T>(result: ShellResult<T> | undefined): ShellError | undefined {
  return result !== undefined && !result.ok ? result.error : undefined;
}

/** The success wrapped, so a falsy value (0, "") still renders. */
function success<T>(result: ShellResult<T> | undefined): { readonly value: T } | undefined {
  return result?.ok ? result : undefined;
}

export function ResultView<T>(props: {
  result: ShellResult<T> | undefined;
  fallback?: JSX.Element;
  children: (value: T) => JSX.Element;
}): JSX.Element {
  return (
    <Switch fallback={props.fallback}>
      <Match when={failure(props.result)} keyed>
        {(error) => <ErrorNotice error={error} />}
      </Match>
      <Match when={success(props.result)} keyed>
        {(answer) => props.children(answer.value)}
      </Match>
    </Switch>
  );
}
