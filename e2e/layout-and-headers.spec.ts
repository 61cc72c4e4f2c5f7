// Issue 15, layout and headers: every page at 320, 390, 768 and 1280 px, light and dark, scrolls no
// sideways, passes axe-core (no serious or critical violation) and is screenshot, with long, emoji
// and right-to-left names on screen and a live peer session on Peers. The served headers and CSP
// are read back, and the policy is shown to block an inline script and connections to a loopback
// server the test runs on another port (which counts every TCP connection it gets).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { watchPageErrors, type E2eCase, type E2eContext } from "./support/harness.ts";
import { checkEveryView } from "./support/layout.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, nodeValue, waitForServiceWorkerControl } from "./support/shell.ts";

const LONG_NAME = "Maximiliana Konstantinopolskaya-Wellingtonshire 🧑‍🚀";
const CONTACTS: ReadonlyArray<[handle: string, name: string]> = [
  ["grace_hopper", "Grace Hopper"],
  ["sara_ahmadi", "سارا احمدی"],
  ["averyveryveryverylonghandlewithoutanyspacesatall_0123456789", "Bartholomew-Maximilian Featherstonehaugh-Cholmondeley"],
  ["family", "👩‍👩‍👧‍👦 Family"],
];

async function open(page: Page, hash: string, ready: string): Promise<void> {
  await page.evaluate((h) => (location.hash = h), hash);
  await page.locator(ready).first().waitFor({ timeout: 20_000 });
}

/** The shell's pages and the element each shows once its data is there. */
const PAGES: ReadonlyArray<[name: string, hash: string, ready: string]> = [
  ["home", "#/", '[data-testid="contact-list"]'],
  ["apps", "#/apps", '[data-testid="app-row"]'],
  ["activity", "#/activity", '[data-testid="history-entry"]'],
  ["rejected", "#/rejected", '[data-testid="rejections"]'],
  ["health", "#/health", '[data-testid="manager"]'],
  ["peers", "#/peers", '[data-testid="node-identity"]'],
  ["devices", "#/devices", '[data-testid="device-row"]'],
  ["recovery", "#/recovery", '[data-testid="recovery"] .identity-card'],
];

async function person(ctx: E2eContext, name: string, options: { webrtc?: boolean } = {}): Promise<Page> {
  const { page } = await ctx.launch(options);
  await page.goto(ctx.baseUrl);
  await createIdentityThroughUi(page, name);
  return page;
}

/** A loopback HTTP server that counts every TCP connection it is offered, whatever the protocol. */
async function startTrap(): Promise<{ server: Server; origin: string; port: number; connections: () => number; seen: string[] }> {
  let connections = 0;
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    response.end("caught");
  });
  server.on("connection", () => (connections += 1));
  server.on("upgrade", (request, socket) => {
    seen.push(`UPGRADE ${request.url}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, origin: `http://127.0.0.1:${port}`, port, connections: () => connections, seen };
}

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0] !== "")
      .map(([name, ...sources]) => [name!, sources]),
  );
}

export const cases: E2eCase[] = [
  {
    name: "every page fits 320–1280 px in light and dark, with long, emoji and RTL names, and passes axe",
    timeoutMs: 300_000,
    async run(ctx) {
      const { page } = await ctx.launch();
      const errors = watchPageErrors(page);
      await page.goto(ctx.baseUrl);
      await page.waitForSelector('[data-testid="welcome"][data-state="identity"]', { timeout: 20_000 });
      await checkEveryView(ctx, page, "layout-welcome");
      await setViewAndCreate(page);
      await checkEveryView(ctx, page, "layout-welcome-recovery");
      await page.getByTestId("welcome-continue").click();
      await page.getByTestId("home").waitFor({ timeout: 10_000 });
      for (const [handle, name] of CONTACTS) await nodeValue(page, "submit", addContactOps(handle, name));
      // One refused write, so the Rejected view has a row to lay out.
      await nodeValue(page, "importEnvelopes", { envelopes: [{ not: "an envelope" }] }).catch(() => undefined);
      await page.reload();
      await page.getByTestId("home").waitFor({ timeout: 20_000 });
      for (const [name, hash, ready] of PAGES) {
        await open(page, hash, ready);
        await checkEveryView(ctx, page, `layout-${name}`);
      }
      // The RTL name is laid out right to left, the emoji initials are whole.
      await open(page, "#/", '[data-testid="contact-list"]');
      const rtl = page.locator(".person__name", { hasText: "سارا" });
      assert.equal(await rtl.evaluate((el) => getComputedStyle(el).direction), "rtl");
      assert.equal(await page.getByTestId("identity-chip").locator(".avatar").textContent(), "M🧑‍🚀");
      assertNoPageErrors(errors);
    },
  },
  {
    name: "the Peers page with a live session fits every width and scheme and passes axe",
    timeoutMs: 180_000,
    async run(ctx) {
      const ann = await person(ctx, "Ann", { webrtc: true });
      const errors = watchPageErrors(ann); // a CSP refusal is a console error: the invite QR causes none
      const ben = await person(ctx, LONG_NAME, { webrtc: true });
      for (const page of [ann, ben]) await open(page, "#/peers", '[data-testid="node-identity"]');
      await ann.getByTestId("invite-create").click();
      const code = await ann.getByTestId("invite-code").inputValue({ timeout: 20_000 });
      await ben.getByTestId("invite-input").fill(code);
      await ben.getByTestId("invite-accept").click();
      await ann.getByTestId("answer-input").fill(await ben.getByTestId("answer-code").inputValue({ timeout: 20_000 }));
      await ann.getByTestId("answer-finish").click();
      // The invite card's line follows the session: it never stays "Connecting…" once the session is up to date.
      await ann.waitForSelector('[data-testid="invite-status"]', { timeout: 10_000 });
      await ann.waitForSelector('[data-testid="peer-row"][data-state="live"]', { timeout: 45_000 });
      for (const page of [ann, ben]) {
        const line = page.locator('[data-testid="invite-status"][data-state="up_to_date"]');
        await line.waitFor({ timeout: 60_000 });
        assert.match((await line.textContent()) ?? "", /^Connected · Up to date/);
      }
      // The per-domain table is behind the row's "Details" disclosure: present, not shown.
      await ann.locator('[data-testid="peer-domain"]').first().waitFor({ state: "attached", timeout: 15_000 });
      await checkEveryView(ctx, ann, "layout-peers-live");
      assertNoPageErrors(errors);
    },
  },
  {
    name: "the served app sends a strict CSP (header and meta), nosniff, no-referrer, a Permissions-Policy and immutable hashed assets",
    async run({ baseUrl }) {
      const index = await fetch(baseUrl);
      const html = await index.text();
      const assetPaths = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      assert.ok(assetPaths.some((p) => p.endsWith(".js")) && assetPaths.some((p) => p.endsWith(".css")), "index.html names its assets");
      const entry = await (
        await fetch(
          new URL(
            assetPaths.find((p) => p.endsWith(".js"))!,
            baseUrl,
          ),
        )
      ).text();
      const workerPath = /assets\/node\.worker-[\w-]+\.js/.exec(entry)?.[0];
      assert.ok(workerPath, "the entry chunk names the node worker");

      const shellCsp = index.headers.get("content-security-policy") ?? "";
      const shell = directives(shellCsp);
      assert.deepEqual(shell.get("default-src"), ["'self'"]);
      const scriptSrc = shell.get("script-src") ?? [];
      assert.deepEqual(scriptSrc.slice(0, 2), ["'self'", "blob:"]);
      assert.equal(scriptSrc.length, 3, `script-src: ${scriptSrc.join(" ")}`);
      assert.match(scriptSrc[2]!, /^'sha256-[A-Za-z0-9+/]{43}='$/, "the third source is the mini-app boot script's hash");
      for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", "data:", "*", "http:", "https:"])
        assert.ok(!scriptSrc.includes(unsafe), unsafe);
      assert.deepEqual(shell.get("connect-src"), ["'self'", "ws://127.0.0.1:*", "ws://localhost:*"]);
      for (const [directive, value] of [
        ["object-src", "'none'"],
        ["base-uri", "'none'"],
        ["frame-ancestors", "'none'"],
        ["frame-src", "'none'"],
        ["worker-src", "'self'"],
      ] as const)
        assert.deepEqual(shell.get(directive), [value], directive);

      // The same policy as a <meta> for hosts that send no headers (frame-ancestors cannot be in one).
      const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
      assert.ok(meta, "index.html carries a meta CSP");
      assert.equal(meta.replace(/&#39;/g, "'"), shellCsp.replace(/; frame-ancestors 'none'$/, ""));
      assert.ok(html.indexOf("Content-Security-Policy") < html.indexOf("<script"), "the meta comes before any script");

      const expectations: ReadonlyArray<[path: string, csp: "shell" | "worker", cache: RegExp]> = [
        ["/", "shell", /^no-cache$/],
        ["/index.html", "shell", /^no-cache$/],
        ["/sw.js", "worker", /^no-cache$/],
        ["/manifest.webmanifest", "shell", /^no-cache$/],
        [`/${workerPath}`, "worker", /immutable/],
        ...assetPaths.map((p): [string, "shell" | "worker", RegExp] => [p, p.endsWith(".js") ? "worker" : "shell", /immutable/]),
      ];
      for (const [path, csp, cache] of expectations) {
        const response = await fetch(new URL(path, baseUrl));
        await response.body?.cancel();
        assert.equal(response.status, 200, path);
        const h = (name: string) => response.headers.get(name) ?? "";
        assert.equal(h("x-content-type-options"), "nosniff", path);
        assert.equal(h("referrer-policy"), "no-referrer", path);
        for (const feature of ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"])
          assert.ok(h("permissions-policy").includes(feature), `${path}: ${feature}`);
        assert.match(h("cache-control"), cache, `${path} cache-control`);
        if (csp === "shell") assert.equal(h("content-security-policy"), shellCsp, path);
        else {
          const worker = directives(h("content-security-policy"));
          assert.deepEqual(worker.get("default-src"), ["'none'"], path);
          assert.deepEqual(worker.get("script-src"), ["'self'"], path);
          assert.deepEqual(worker.get("connect-src"), ["'self'"], path);
        }
      }
    },
  },
  {
    name: "the CSP blocks an inline script and every connection to a non-allowed origin, on the page and in the node worker",
    timeoutMs: 90_000,
    async run(ctx) {
      const trap = await startTrap();
      try {
        const page = await person(ctx, "Ada");
        await waitForServiceWorkerControl(page);
        const outcome = await page.evaluate(
          async ({ origin, port }) => {
            const violations: string[] = [];
            document.addEventListener("securitypolicyviolation", (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
            const w = window as unknown as Record<string, unknown>;
            const inline = document.createElement("script");
            inline.textContent = "window.__inlineRan = true";
            document.body.append(inline);
            const holder = document.createElement("div");
            holder.innerHTML = `<button onclick="window.__attributeRan = true">x</button>`;
            document.body.append(holder);
            holder.querySelector("button")!.click();
            // No named helper: the test's TypeScript build would wrap it in a __name the page lacks.
            const [fetched, image, socket, events] = await Promise.all(
              [
                fetch(`${origin}/fetch`, { mode: "no-cors" }),
                new Promise((resolve, reject) => {
                  const img = new Image();
                  img.onload = resolve;
                  img.onerror = reject;
                  img.src = `${origin}/image.png`;
                }),
                // A WebSocket to a host the policy does not name (ws:// and wss:// to 127.0.0.1 are the
                // relay's allowance: the control at the end shows that one reaching the trap).
                new Promise((resolve, reject) => {
                  const ws = new WebSocket(`ws://[::1]:${port}/`);
                  ws.onopen = resolve;
                  ws.onerror = reject;
                }),
                new Promise((resolve, reject) => {
                  const source = new EventSource(`${origin}/events`);
                  source.onopen = resolve;
                  source.onerror = () => (source.close(), reject(new Error("error")));
                }),
              ].map((attempt) =>
                attempt.then(
                  () => "reached",
                  () => "blocked",
                ),
              ),
            );
            let beacon = "blocked";
            try {
              if (navigator.sendBeacon(`${origin}/beacon`, "x")) beacon = "queued";
            } catch {
              beacon = "blocked";
            }
            // Let any late violation event arrive (events are queued as tasks).
            await new Promise((resolve) => setTimeout(resolve, 0));
            return {
              inline: w["__inlineRan"] === true,
              attribute: w["__attributeRan"] === true,
              fetched,
              image,
              socket,
              events,
              beacon,
              sameOrigin: (await fetch("/manifest.webmanifest")).ok,
              violations,
            };
          },
          { origin: trap.origin, port: trap.port },
        );
        assert.equal(outcome.inline, false, "an inline script ran");
        assert.equal(outcome.attribute, false, "an inline event handler ran");
        assert.deepEqual([outcome.fetched, outcome.image, outcome.socket, outcome.events], ["blocked", "blocked", "blocked", "blocked"]);
        assert.equal(outcome.sameOrigin, true, "a same-origin fetch works");
        for (const directive of ["script-src-elem inline", "script-src-attr inline", "connect-src", "connect-src ws://[::1]", "img-src"])
          assert.ok(
            outcome.violations.some((v) => v.startsWith(directive)),
            `no ${directive} violation: ${outcome.violations.join(", ")}`,
          );

        // The node worker runs under its own policy: connect-src 'self' only.
        const worker = page.workers().find((w) => /node\.worker-[\w-]+\.js/.test(w.url()));
        assert.ok(worker, "the node worker is listed");
        const fromWorker = await worker.evaluate(async (port) => {
          return Promise.all(
            [
              fetch(`http://127.0.0.1:${port}/worker-fetch`, { mode: "no-cors" }),
              new Promise((resolve, reject) => {
                const ws = new WebSocket(`ws://127.0.0.1:${port}/worker-socket`);
                ws.onopen = resolve;
                ws.onerror = reject;
              }),
            ].map((attempt) =>
              attempt.then(
                () => "reached",
                () => "blocked",
              ),
            ),
          );
        }, trap.port);
        assert.deepEqual(fromWorker, ["blocked", "blocked"], "the worker reached a non-allowed origin");
        assert.equal(trap.connections(), 0, `the loopback trap was reached: ${trap.seen.join(", ")}`);

        // Control: the relay allowance (ws://127.0.0.1:*) does reach the same server, so the count counts.
        await page.evaluate((port) => void new WebSocket(`ws://127.0.0.1:${port}/relay`), trap.port);
        await waitForCount(() => trap.connections(), 1);
      } finally {
        trap.server.closeAllConnections();
        trap.server.close();
      }
    },
  },
];

/** The welcome form's name, then the recovery step at the width the sweep left. */
async function setViewAndCreate(page: Page): Promise<void> {
  await page.getByTestId("identity-name").fill(LONG_NAME);
  await page.getByTestId("identity-create").click();
  await page.waitForSelector('[data-testid="welcome"][data-state="recovery"]', { timeout: 20_000 });
}

/** Waits on the counter itself (the server's own event), bounded, never on a fixed time. */
async function waitForCount(read: () => number, target: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (read() < target) {
    if (Date.now() > until) throw new Error(`count is ${read()}, not ${target}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
