// The coloured tile that stands for an app everywhere in the shell.
import type { JSX } from "solid-js";
import { Icon, type IconName } from "./icon.tsx";

const ICONS: Readonly<Record<string, IconName>> = {
  system: "system",
  "app.contacts": "contacts",
  "app.messaging": "messaging",
  "app.social": "social",
  "app.market": "market",
};

export function appTone(slug: string): string {
  return slug in ICONS ? slug.replace(/^app\./, "") : "other";
}

export function AppIcon(props: { slug: string; size?: "sm" | "lg" }): JSX.Element {
  return (
    <span class={`app-icon app-icon--${appTone(props.slug)} app-icon--${props.size ?? "sm"}`} aria-hidden="true">
      <Icon name={ICONS[props.slug] ?? "system"} size={props.size === "lg" ? 26 : 18} />
    </span>
  );
}
