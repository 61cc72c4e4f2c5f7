// The mini-app frame document: our CSP first, the package's scripts and styles inlined.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { APP_FRAME_BOOT, APP_FRAME_BOOT_HASH, APP_FRAME_CSP, APP_SCRIPT_TYPE, frameDocument } from "./app-frame-document.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("frameDocument", () => {
  it("puts the CSP before anything of the package and inlines its scripts and styles", () => {
    const doc = frameDocument({
      "index.html": enc(
        '<!doctype html><html><head><link rel="stylesheet" href="app.css"></head><body><script src="./app.js"></script></body></html>',
      ),
      "app.js": enc('console.log("</script>")'),
      "app.css": enc("body{color:red}"),
    });
    expect(doc.indexOf(APP_FRAME_CSP)).toBeLessThan(doc.indexOf("<body>"));
    expect(doc.startsWith('<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy"')).toBe(true);
    expect(doc).toContain(`<script type="${APP_SCRIPT_TYPE}">console.log("<\\/script>")</script><script>${APP_FRAME_BOOT}</script>`);
    expect(doc).toContain("<style>body{color:red}</style>");
    expect(doc).not.toContain("app.js");
  });

  it("turns the package's inline classic scripts into data plus the boot script, and leaves data blocks alone", () => {
    const doc = frameDocument({
      "index.html": enc(
        '<script>var a = 1;</script><script type="text/javascript">b()</script><script type="application/json">{"x":1}</script>',
      ),
    });
    expect(doc).toContain(`<script type="${APP_SCRIPT_TYPE}">var a = 1;</script><script>${APP_FRAME_BOOT}</script>`);
    expect(doc).toContain(`<script type="${APP_SCRIPT_TYPE}">b()</script><script>${APP_FRAME_BOOT}</script>`);
    expect(doc).toContain('<script type="application/json">{"x":1}</script>');
    // Every inline script left that a browser would run is the boot script.
    const runnable = [...doc.matchAll(/<script(?![^>]*\btype=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(new Set(runnable)).toEqual(new Set([APP_FRAME_BOOT]));
  });

  it("names the boot script by its real SHA-256 (the shell's policy allows exactly that hash)", () => {
    const digest = createHash("sha256").update(APP_FRAME_BOOT).digest("base64");
    expect(APP_FRAME_BOOT_HASH).toBe(`'sha256-${digest}'`);
    expect(APP_FRAME_CSP).toContain(`script-src ${APP_FRAME_BOOT_HASH} blob:`);
    expect(APP_FRAME_CSP).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it("leaves references to files the package lacks alone (the CSP blocks them)", () => {
    const doc = frameDocument({ "index.html": enc('<script src="https://example.com/x.js"></script>') });
    expect(doc).toContain('<script src="https://example.com/x.js"></script>');
  });

  it("denies every network path in the policy", () => {
    for (const directive of ["default-src 'none'", "connect-src 'none'", "img-src data:", "frame-src 'none'", "form-action 'none'"])
      expect(APP_FRAME_CSP).toContain(directive);
    expect(APP_FRAME_CSP).not.toMatch(/https?:|\*/);
  });
});
