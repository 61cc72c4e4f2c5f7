// The shell's header: the mark, the three main views, and who the shell acts for.
import { For, Show, type JSX } from "solid-js";
import type { IdentitySummary } from "../../rpc/node-api.ts";
import { routeHref, type Route } from "../hash-route.ts";
import { Avatar } from "./avatar.tsx";
import { BrandMark } from "./brand-mark.tsx";
import { Icon, type IconName } from "./icon.tsx";

const VIEWS: readonly { route: Route; label: string; icon: IconName; matches: readonly Route[] }[] = [
  { route: "home", label: "Home", icon: "home", matches: ["home", "recovery"] },
  { route: "apps", label: "Apps", icon: "system", matches: ["apps"] },
  { route: "activity", label: "Activity", icon: "activity", matches: ["activity", "rejected"] },
  { route: "peers", label: "Peers", icon: "social", matches: ["peers"] },
  { route: "devices", label: "Devices", icon: "devices", matches: ["devices"] },
  { route: "health", label: "Health", icon: "health", matches: ["health"] },
];

export function TopBar(props: { route: Route; identity: IdentitySummary | undefined }): JSX.Element {
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
              <a
                class="topbar__link"
                href={routeHref(view.route)}
                aria-current={view.matches.includes(props.route) ? "page" : undefined}
                data-testid={`nav-${view.route}`}
              >
                <Icon name={view.icon} size={18} />
                <span>{view.label}</span>
              </a>
            )}
          </For>
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
