// A person's initials on a colour picked from their identity id, the same on every screen.
import type { JSX } from "solid-js";
import { initials } from "../display-format.ts";

const HUES = [248, 196, 162, 28, 332, 280, 12, 212];

function hueOf(id: string): number {
  let sum = 0;
  for (let i = 0; i < id.length; i += 1) sum = (sum * 31 + id.charCodeAt(i)) >>> 0;
  return HUES[sum % HUES.length]!;
}

export function Avatar(props: { id: string; name: string | null; size?: "sm" | "md" | "lg" }): JSX.Element {
  return (
    <span class={`avatar avatar--${props.size ?? "md"}`} style={{ "--avatar-hue": String(hueOf(props.id)) }} aria-hidden="true">
      {initials(props.name)}
    </span>
  );
}
