// What the built app is served with (ADR 0020): the policies' shape, the relay setting's parser,
// and caching by name.
import { describe, expect, it } from "vitest";
import { APP_FRAME_BOOT_HASH } from "./app-frame-document.ts";
import { headersFor, isHashedAsset, relayOrigins, shellPolicy, WORKER_POLICY } from "./security-headers.ts";

const relays = relayOrigins(undefined);

describe("shellPolicy", () => {
  it("allows no inline script: own files, blob: and the mini-app boot script's hash only", () => {
    const scriptSrc = /script-src ([^;]+)/.exec(shellPolicy(relays))?.[1];
    expect(scriptSrc).toBe(`'self' blob: ${APP_FRAME_BOOT_HASH}`);
    expect(shellPolicy(relays)).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|script-src[^;]*data:/);
  });

  it("connects only to itself and the relay on loopback, plus origins the setting names", () => {
    expect(shellPolicy(relays)).toContain("connect-src 'self' ws://127.0.0.1:* ws://localhost:*;");
    expect(shellPolicy(relayOrigins("wss://relay.example.org"))).toContain("ws://localhost:* wss://relay.example.org;");
  });

  it("leaves frame-ancestors out of the meta form, which browsers ignore there", () => {
    expect(shellPolicy(relays)).toContain("frame-ancestors 'none'");
    expect(shellPolicy(relays, { meta: true })).not.toContain("frame-ancestors");
  });
});

describe("relayOrigins", () => {
  it("refuses anything but a bare ws:/wss: origin, so the setting cannot add a directive or a wildcard", () => {
    expect(
      relayOrigins(
        "wss://ok.example  https://web.example ws://a.example;script-src * wss://* ws://*.example wss://b.example/path ws://10.0.0.5:8787",
      ),
    ).toEqual(["ws://127.0.0.1:*", "ws://localhost:*", "wss://ok.example", "ws://10.0.0.5:8787"]);
  });
});

describe("headersFor", () => {
  it("caches hashed assets forever and revalidates the rest", () => {
    expect(isHashedAsset("/assets/index-os5HWlmg.js")).toBe(true);
    expect(isHashedAsset("/assets/node.worker-BtgHCsEU.js")).toBe(true);
    expect(isHashedAsset("/workbox-9c191d2f.js")).toBe(true);
    for (const path of ["/", "/index.html", "/sw.js", "/manifest.webmanifest", "/icons/icon-192.png", "/assets/logo.svg"])
      expect(headersFor(path, relays)["Cache-Control"], path).toBe("no-cache");
    expect(headersFor("/assets/index-oOHjtV7y.css", relays)["Cache-Control"]).toBe("public, max-age=31536000, immutable");
  });

  it("gives scripts (what workers take their policy from) the worker policy, documents the shell's", () => {
    expect(headersFor("/sw.js", relays)["Content-Security-Policy"]).toBe(WORKER_POLICY);
    expect(headersFor("/", relays)["Content-Security-Policy"]).toBe(shellPolicy(relays));
    expect(WORKER_POLICY).toContain("connect-src 'self'");
    const all = headersFor("/", relays);
    expect(all["X-Content-Type-Options"]).toBe("nosniff");
    expect(all["Referrer-Policy"]).toBe("no-referrer");
    expect(all["Permissions-Policy"]).toMatch(/camera=\(\), microphone=\(\), geolocation=\(\)/);
  });
});
