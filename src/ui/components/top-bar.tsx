// The shell's header: the mark, the main views, and who the shell acts for. Six views do not fit a
// 320 px phone as one row, so below 380 px the last two move into a "More" menu (styles in
// top-bar.css): every view stays one tap or two away, and the bar never scrolls sideways.
import { createEffect, For, on, Show, type JSX } from "solid-js";
import type { IdentitySummary } from "../../rpc/node-api.ts";
import { routeHref, type Route } from "../hash-route.ts";
import { Avatar } from "./avatar.tsx";
import { BrandMark } from "./brand-mark.tsx";
import { Icon, type IconName } from "./icon.tsx";
import "./top-bar.css";

type View = { route: Route; label: string; icon: IconName; matches: readonly Route[]; overflows?: true };

const VIEWS: readonly View[] = [
  { route: "home", label: "Home", icon: "home", matches: ["home", "recovery"] },
  { route: "apps", label: "Apps", icon: "system", matches: ["apps"] },
  { route: "activity", label: "Activity", icon: "activity", matches: ["activity", "rejected"] },
  { route: "peers", label: "Peers", icon: "social", matches: ["peers"] },
  { route: "devices", label: "Devices", icon: "devices", matches: ["devices"], overflows: true },
  { route: "health", label: "Health", icon: "health", matches: ["health"], overflows: true },
];

function ViewLink(props: { view: View; route: Route; class: string; testId: string; onPick?: () => void }): JSX.Element {
  return (
    <a
      class={props.class}
      href={routeHref(props.view.route)}
      aria-current={props.view.matches.includes(props.route) ? "page" : undefined}
      data-testid={props.testId}
      onClick={() => props.onPick?.()}
    >
      <Icon name={props.view.icon} size={18} />
      <span>{props.view.label}</span>
    </a>
  );
}

export function TopBar(props: { route: Route; identity: IdentitySummary | undefined }): JSX.Element {
  let more: HTMLDetailsElement | undefined;
  const close = () => more?.removeAttribute("open");
  createEffect(on(() => props.route, close));
  const inMore = () => VIEWS.some((v) => v.overflows === true && v.matches.includes(props.route));
  return (
    <header class="topbar">
      <div class="topbar__inner">
        <a class="topbar__brand" href={routeHref("home")} aria-label="2WAY home">
          <BrandMark size={30} />
          <span>2WAY</span>
        </a>
        <nav class="topbar__nav" aria-label="Main">
          <For each={VIEWS}>
            {(view) => (
              <ViewLink
                view={view}
                route={props.route}
                class={view.overflows === true ? "topbar__link topbar__link--overflow" : "topbar__link"}
                testId={`nav-${view.route}`}
              />
            )}
          </For>
          <details class="topbar__more" ref={more} data-testid="nav-more">
            <summary class="topbar__link" aria-current={inMore() ? "page" : undefined} data-testid="nav-more-toggle">
              <Icon name="tabs" size={18} />
              <span>More</span>
            </summary>
            <div class="topbar__menu">
              <For each={VIEWS.filter((v) => v.overflows === true)}>
                {(view) => (
                  <ViewLink view={view} route={props.route} class="topbar__menu-link" testId={`nav-more-${view.route}`} onPick={close} />
                )}
              </For>
            </div>
          </details>
        </nav>
        <Show when={props.identity}>
          {(identity) => (
            <a class="topbar__me" href={routeHref("recovery")} title="Your identity and recovery file" data-testid="identity-chip">
              <Avatar id={identity().identityId} name={identity().name} size="sm" />
              <span class="topbar__name" dir="auto">
                {identity().name ?? "You"}
              </span>
            </a>
          )}
        </Show>
      </div>
    </header>
  );
}
