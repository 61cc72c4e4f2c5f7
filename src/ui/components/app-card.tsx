// One installed app on the home view: what it is, where it came from, and whether it is on.
import { Show, type JSX } from "solid-js";
import type { AppSummary } from "../../rpc/node-api.ts";
import { AppIcon } from "./app-icon.tsx";

const ORIGINS: Readonly<Record<AppSummary["origin"], string>> = { system: "Core", built_in: "Built-in", installed: "Installed" };
const STATES: Readonly<Record<AppSummary["state"], { label: string; tone: string }>> = {
  installed_enabled: { label: "On", tone: "ok" },
  installed_disabled: { label: "Off", tone: "neutral" },
  removed: { label: "Removed", tone: "neutral" },
};

/** `onOpen`: the card opens its app in the sandboxed frame (only while the app is on). */
export function AppCard(props: { app: AppSummary; onOpen?: (slug: string) => void }): JSX.Element {
  const state = () => STATES[props.app.state];
  return (
    <li class="app-card" data-testid="app-card" data-slug={props.app.slug} data-state={props.app.state}>
      <AppIcon slug={props.app.slug} size="lg" />
      <div class="app-card__body">
        <div class="app-card__head">
          <h3 class="app-card__title">{props.app.title}</h3>
          <span class={`pill pill--${state().tone}`}>
            <span class="pill__dot" aria-hidden="true" />
            {state().label}
          </span>
        </div>
        <p class="app-card__text">{props.app.description}</p>
        <p class="app-card__meta">
          {ORIGINS[props.app.origin]} · v{props.app.version}
        </p>
        <Show when={props.onOpen !== undefined && props.app.state === "installed_enabled"}>
          <button
            type="button"
            class="button button--quiet"
            data-testid="open-app"
            aria-label={`Open ${props.app.title}`}
            onClick={() => props.onOpen?.(props.app.slug)}
          >
            Open
          </button>
        </Show>
      </div>
    </li>
  );
}
