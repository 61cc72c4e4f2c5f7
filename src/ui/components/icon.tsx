// Line icons drawn for the shell (24×24, stroked with currentColor), so no icon dependency is needed.
import { For, type JSX } from "solid-js";

const PATHS = {
  home: ["M3 10.5 12 3l9 7.5V20a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z"],
  activity: ["M3 12h4l3-8 4 16 3-8h4"],
  health: [
    "M20.8 5.6a5 5 0 0 0-7.1 0L12 7.3l-1.7-1.7a5 5 0 0 0-7.1 7.1L12 21.5l8.8-8.8a5 5 0 0 0 0-7.1z",
    "M3 12h5l1.5-2.5 2.5 5 1.5-2.5H21",
  ],
  contacts: ["M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M2 21v-1a7 7 0 0 1 14 0v1", "M16 3.5a4 4 0 0 1 0 7.5", "M22 21v-1a6 6 0 0 0-4-5.6"],
  messaging: ["M21 12a8 8 0 0 1-11.6 7.1L3 21l1.9-6.4A8 8 0 1 1 21 12z"],
  social: [
    "M18 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
    "M6 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
    "M18 22a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
    "M8.6 13.5l6.8 4",
    "M15.4 6.5l-6.8 4",
  ],
  market: ["M5 7h14l-1 14H6z", "M9 10V7a3 3 0 0 1 6 0v3"],
  system: [
    "M7 5h10a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z",
    "M9 1v4M15 1v4M9 19v4M15 19v4M1 9h4M1 15h4M19 9h4M19 15h4",
    "M9 9h6v6H9z",
  ],
  shield: ["M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z", "M8.5 12l2.5 2.5 4.5-5"],
  download: ["M12 3v12", "M7 10l5 5 5-5", "M4 21h16"],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  alert: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M12 7.5v5.5", "M12 16.5v.01"],
  tabs: ["M5 4h12a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z", "M7 20h12a2 2 0 0 0 2-2V8"],
  refresh: ["M20 11a8 8 0 1 0-2.3 5.7", "M20 4v7h-7"],
  devices: [
    "M3 5h13a1 1 0 0 1 1 1v3",
    "M3 5a1 1 0 0 0-1 1v9a1 1 0 0 0 1 1h9",
    "M1 19h11",
    "M15 10h6a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1h-6a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1z",
    "M18 18v.01",
  ],
  key: ["M7.5 20a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9z", "M10.7 12.3 20 3", "M16 7l3 3"],
  plus: ["M12 5v14M5 12h14"],
  database: [
    "M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3z",
    "M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6",
    "M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3",
  ],
  offline: [
    "M2 2l20 20",
    "M8.5 16.5a5 5 0 0 1 7 0",
    "M5 12.9a10 10 0 0 1 5.2-2.8",
    "M19 12.9a10 10 0 0 0-2-1.4",
    "M1.5 9a15 15 0 0 1 4.5-2.8",
    "M22.5 9A15 15 0 0 0 11 5",
    "M12 20h.01",
  ],
} as const;

export type IconName = keyof typeof PATHS;

export function Icon(props: { name: IconName; size?: number; class?: string }): JSX.Element {
  return (
    <svg
      class={`icon ${props.class ?? ""}`}
      width={props.size ?? 20}
      height={props.size ?? 20}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="1.8"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
    >
      <For each={PATHS[props.name]}>{(d) => <path d={d} />}</For>
    </svg>
  );
}
