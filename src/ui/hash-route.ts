// The shell's few views, addressed by the URL hash (#/activity) so reloads and the back button work
// without a router dependency.
import { createSignal, onCleanup, type Accessor } from "solid-js";

export const ROUTES = ["home", "apps", "activity", "rejected", "peers", "health", "recovery", "devices"] as const;
export type Route = (typeof ROUTES)[number];

export function routeHref(route: Route): string {
  return route === "home" ? "#/" : `#/${route}`;
}

function routeOf(hash: string): Route {
  // `#/peers?invite=<code>` opens Peers with an invite filled in (ADR 0012).
  const name = hash.replace(/^#\/?/, "").replace(/\?.*$/, "");
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : "home";
}

export function createHashRoute(): { route: Accessor<Route> } {
  const [route, setRoute] = createSignal<Route>(routeOf(location.hash));
  const onHashChange = (): void => {
    setRoute(routeOf(location.hash));
    window.scrollTo({ top: 0 });
  };
  window.addEventListener("hashchange", onHashChange);
  onCleanup(() => window.removeEventListener("hashchange", onHashChange));
  return { route };
}
