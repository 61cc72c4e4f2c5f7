// The mini-app frame document: our CSP first, the package's scripts and styles inlined.
import { describe, expect, it } from "vitest";
import { APP_FRAME_CSP, frameDocument } from "./app-frame-document.ts";

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
    expect(doc).toContain('<script>console.log("<\\/script>")</script>');
    expect(doc).toContain("<style>body{color:red}</style>");
    expect(doc).not.toContain("app.js");
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
