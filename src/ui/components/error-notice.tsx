// An error as a person sees it: a plain sentence, and the node's code for anyone who needs it.
import { Show, type JSX } from "solid-js";
import type { ShellError } from "../node-client.ts";
import { Icon } from "./icon.tsx";

/** Plain words for the codes a person meets most; the node's own message otherwise. */
const PLAIN: Readonly<Record<string, string>> = {
  worker_failed: "The node could not start in this browser.",
  worker_timeout: "The node is taking too long to answer.",
  ERR_SCHEMA_INVALID_VALUE: "Some of what you entered doesn't fit this app's rules.",
  ERR_MNG_STORAGE_BUDGET_EXCEEDED: "This node's storage budget is used up.",
  ERR_MNG_STORAGE_UNAVAILABLE: "The node's storage is not available right now.",
  ERR_SVC_APP_DISABLED: "This app is turned off.",
  internal_error: "Something went wrong inside the node.",
};

export function plainMessage(error: ShellError): string {
  return PLAIN[error.code] ?? error.message;
}

export function ErrorNotice(props: { error: ShellError; title?: string; children?: JSX.Element }): JSX.Element {
  return (
    <div class="notice notice--error" role="alert" data-testid="error-notice" data-code={props.error.code}>
      <Icon name="alert" class="notice__icon" />
      <div class="notice__body">
        <p class="notice__title">{props.title ?? plainMessage(props.error)}</p>
        <p class="notice__detail">
          <Show when={props.title !== undefined || plainMessage(props.error) !== props.error.message}>{props.error.message} </Show>
          <code data-testid="error-code">{props.error.code}</code>
        </p>
        {props.children}
      </div>
    </div>
  );
}
