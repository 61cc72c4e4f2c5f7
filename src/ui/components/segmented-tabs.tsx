// A row of links that switch between sibling views (history and rejections), with the current one marked.
import { For, type JSX } from "solid-js";
import { routeHref, type Route } from "../hash-route.ts";

export function SegmentedTabs(props: { current: Route; tabs: readonly { route: Route; label: string; testId: string }[] }): JSX.Element {
  return (
    <nav class="segmented" aria-label="Views">
      <For each={props.tabs}>
        {(tab) => (
          <a
            class="segmented__tab"
            href={routeHref(tab.route)}
            aria-current={props.current === tab.route ? "page" : undefined}
            data-testid={tab.testId}
          >
            {tab.label}
          </a>
        )}
      </For>
    </nav>
  );
}
