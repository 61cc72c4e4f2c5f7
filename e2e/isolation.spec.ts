// The isolation attack suite (DESIGN D9): a hostile mini-app tries storage, cookies, the shell's
// document, top navigation, popups, every network path to a loopback server the test runs (which
// counts hits), workers, spoofed messages to the shell, another app's domains and data, posing as
// another app, a flood, and contacts without the person's consent (forged and repeated pick requests). Every attempt fails, nothing is written, the server sees nothing, and
// the shell and node stay responsive. WebRTC is the one path the browser cannot close (ADR 0015).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { publisher } from "./support/app-packages.ts";
import { hostilePackage } from "./support/hostile-app.ts";
import { addContactOps, createIdentityThroughUi, nodeValue } from "./support/shell.ts";

type Attempt = { name: string; blocked: boolean; detail: string };

export const cases: E2eCase[] = [
  {
    name: "a hostile mini-app cannot leave its frame, reach the network, or touch another app; the node stays responsive",
    timeoutMs: 120_000,
    async run({ baseUrl, launch, screenshot }) {
      const hits: string[] = [];
      const trap = createServer((request, response) => {
        hits.push(`${request.method} ${request.url}`);
        response.end("caught");
      });
      trap.on("upgrade", (request, socket) => {
        hits.push(`UPGRADE ${request.url}`);
        socket.destroy();
      });
      await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
      const origin = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
      try {
        const pkg = await hostilePackage(origin, await publisher(31));
        const { page } = await launch();
        watchPageErrors(page);
        await page.goto(baseUrl);
        await createIdentityThroughUi(page, "Ada");
        await nodeValue(page, "submit", addContactOps("grace_hopper", "Grace Hopper"));
        const install = (method: string) =>
          page.evaluate(async ([name, bytes, signature]) => window.twoway!.call(name, { zip: new Uint8Array(bytes), signature }), [
            method,
            Array.from(pkg.bytes),
            pkg.signature,
          ] as const);
        assert.equal((await install("trustPublisher")).ok, true);
        assert.equal((await install("installApp")).ok, true);
        const seqBefore = (await nodeValue(page, "stateDigest")).globalSeq;
        await page.getByTestId("nav-apps").click();
        await page.getByTestId("apps-page").waitFor();
        const shellUrl = page.url();
        await page.locator('[data-testid="app-row"][data-slug="hostile"]').getByTestId("open-app").click();
        const frame = page.frameLocator('[data-testid="app-iframe"]');
        await frame.locator('#results[data-done="true"]').waitFor({ timeout: 30_000 });
        const attempts = JSON.parse((await frame.locator("#results").textContent()) ?? "[]") as Attempt[];
        await screenshot(page, "hostile-app");

        const expected = [
          "indexeddb",
          "cookies",
          "local-storage",
          "session-storage",
          "parent-document",
          "top-navigation",
          "popup",
          "fetch",
          "websocket",
          "beacon",
          "image",
          "worker",
          "spoof-shell",
          "bound-app",
          "write-other-app",
          "pose-as-other-app",
          "read-other-app",
          "flood",
          "pick-flood",
          "webrtc",
        ];
        assert.deepEqual(
          attempts.map((a) => a.name),
          expected,
        );
        for (const a of attempts.filter((x) => x.name !== "webrtc")) assert.equal(a.blocked, true, `${a.name} got through: ${a.detail}`);
        // Named honestly: RTCPeerConnection exists in the frame; no CSP directive or sandbox flag removes it.
        const webrtc = attempts.find((a) => a.name === "webrtc")!;
        console.log(`      webrtc in the frame: ${webrtc.blocked ? "unavailable" : "available (not blockable; see ADR 0015)"}`);

        // The app's pick request opened the shell's dialog, naming the app; the forged one opened
        // none. The person declines, and the app learns only that.
        await page.getByTestId("contact-picker").waitFor();
        assert.equal(await page.getByTestId("contact-picker").count(), 1);
        assert.equal(await page.locator("#picker-title").textContent(), "Totally Harmless asks for one contact");
        await page.getByTestId("pick-cancel").click();
        await frame.locator('#pick[data-done="true"]').waitFor();
        assert.equal(await frame.locator("#pick").textContent(), "ERR_SVC_PICK_CANCELLED");

        assert.deepEqual(hits, [], "the loopback server was reached");
        assert.equal(page.url(), shellUrl, "the top window was navigated");
        await page.getByTestId("apps-page").waitFor();
        assert.equal((await nodeValue(page, "health")).ready, true);
        assert.equal((await nodeValue(page, "stateDigest")).globalSeq, seqBefore, "the hostile app wrote something");
      } finally {
        trap.close();
      }
    },
  },
];
