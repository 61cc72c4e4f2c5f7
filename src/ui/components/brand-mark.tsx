// The 2WAY mark: two opposed arrows, one each way (same drawing as public/icon.svg).
import type { JSX } from "solid-js";

export function BrandMark(props: { size?: number }): JSX.Element {
  return (
    <svg class="brand-mark" width={props.size ?? 48} height={props.size ?? 48} viewBox="0 0 512 512" aria-hidden="true">
      <defs>
        <linearGradient id="brand-mark-field" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stop-color="#4f46e5" />
          <stop offset="1" stop-color="#0e7490" />
        </linearGradient>
      </defs>
      <rect width="512" height="512" rx="116" fill="url(#brand-mark-field)" />
      <g fill="none" stroke-linecap="round" stroke-linejoin="round" stroke-width="36">
        <path d="M140 204 H364 M312 152 L366 204 L312 256" stroke="#ffffff" />
        <path d="M372 308 H148 M200 256 L146 308 L200 360" stroke="#c7f0ec" />
      </g>
    </svg>
  );
}
