// What the built app is served with (ADR 0020): one strict Content-Security-Policy for the shell's
// documents, a narrower one for the node worker and the service worker, the other security headers,
// and caching by name (hashed assets forever, everything else revalidated). Plain data, no DOM:
// vite.config.ts applies it to `vite preview` (so `npm start`) and writes the shell policy into
// index.html as a <meta>, for hosts that send no headers.
import { APP_FRAME_BOOT_HASH } from "./app-frame-document.ts";

/** The relay on this machine (`npm run signal`, any port), as the Peers page offers by default. */
export const LOOPBACK_RELAYS = ["ws://127.0.0.1:*", "ws://localhost:*"] as const;

/** Extra relay origins from `TWOWAY_RELAY_ORIGINS` ("wss://relay.example.org ws://10.0.0.5:8787"):
 *  a scheme, a host and a port at most, so the setting can add neither a wildcard nor a directive. */
export function relayOrigins(setting: string | undefined): string[] {
  const extra = (setting ?? "").split(/[\s,]+/).filter((s) => /^wss?:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i.test(s));
  return [...LOOPBACK_RELAYS, ...extra];
}

/**
 * The shell document. No inline script: only our own files, blob: scripts and the mini-app frame's
 * boot script by hash (srcdoc frames inherit this policy, see app-frame-document.ts). Inline style
 * stays allowed because a mini-app's styles are inline. connect-src names what the page talks to:
 * itself and the relay. WebRTC data channels are not fetches: no CSP directive governs them.
 */
export function shellPolicy(relays: readonly string[], options: { meta?: boolean } = {}): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' blob: ${APP_FRAME_BOOT_HASH}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self' ${relays.join(" ")}`,
    "worker-src 'self'",
    "frame-src 'none'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ];
  // A <meta> policy may not carry frame-ancestors (the browser ignores it and says so in the console).
  if (options.meta !== true) directives.push("frame-ancestors 'none'");
  return directives.join("; ");
}

/** The node worker and the service worker: their own code and same-origin fetches, nothing else. */
export const WORKER_POLICY = ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "base-uri 'none'"].join("; ");

/** Nothing the shell uses; WebRTC needs none of these. */
export const PERMISSIONS_POLICY = [
  "camera=()",
  "microphone=()",
  "geolocation=()",
  "payment=()",
  "usb=()",
  "serial=()",
  "hid=()",
  "bluetooth=()",
  "midi=()",
  "accelerometer=()",
  "gyroscope=()",
  "magnetometer=()",
  "display-capture=()",
  "browsing-topics=()",
].join(", ");

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/** Vite's output names: assets/<name>-<hash>.<ext>, and workbox-<hash>.js beside sw.js. */
export function isHashedAsset(path: string): boolean {
  return /^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(path) || /^\/workbox-[0-9a-f]{8}\.js$/.test(path);
}

/** Every header for a response to `path` (the URL's path, without query). */
export function headersFor(path: string, relays: readonly string[]): Record<string, string> {
  const script = path.endsWith(".js") || path.endsWith(".mjs");
  return {
    "Content-Security-Policy": script ? WORKER_POLICY : shellPolicy(relays),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": isHashedAsset(path) ? IMMUTABLE : REVALIDATE,
  };
}
