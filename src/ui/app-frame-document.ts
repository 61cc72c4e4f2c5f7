// The document a mini-app's iframe runs (DESIGN D9): the package's index.html behind a CSP that
// denies every network path, with the package's own scripts and styles inlined (the frame has an
// opaque origin and may load nothing, not even from its package). Our head comes first, so nothing
// in the package can loosen the policy: a later CSP can only add restrictions.
//
// A srcdoc frame also inherits the shell's own policy (ADR 0020), which allows no inline script. So
// each package script travels as inert data (`<script type="text/x-twoway-app">`) followed by one
// fixed boot script, allowed by its hash, that writes it back in as a frame-made blob: script at the
// same place in the parse: order, `document.currentScript`-free code and DOMContentLoaded behave as
// with an inline script. Inline event-handler attributes (`onclick="…"`) do not run.

/** The boot script, verbatim: its SHA-256 is in both policies. It acts only in an opaque-origin
 *  frame, so copied into the shell it is no gadget. `<\/script>` keeps the element whole. */
export const APP_FRAME_BOOT =
  'if(self.origin==="null"){const s=document.currentScript.previousElementSibling;' +
  "document.write('<script src=\"'+URL.createObjectURL(new Blob([s.textContent],{type:\"text/javascript\"}))+'\"><\\/script>')}";

/** `'sha256-…'` of APP_FRAME_BOOT; app-frame-document.test.ts recomputes it. */
export const APP_FRAME_BOOT_HASH = "'sha256-vo+vhVENxfRNl0YE++E5sYbSRzcG3lXUGK9f4fKZ7VQ='";

export const APP_SCRIPT_TYPE = "text/x-twoway-app";

/** No fetch, XHR, WebSocket, beacon, EventSource (connect-src), no remote images, fonts, frames,
 *  workers, forms or base changes; only the boot script, the blob: scripts it makes, inline style,
 *  and data: images and fonts. */
export const APP_FRAME_CSP = [
  "default-src 'none'",
  `script-src ${APP_FRAME_BOOT_HASH} blob:`,
  "style-src 'unsafe-inline'",
  "img-src data:",
  "font-src data:",
  "connect-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
].join("; ");

/** The sandbox: scripts only. Never allow-same-origin (D9): the frame must not share the shell's origin. */
export const APP_FRAME_SANDBOX = "allow-scripts";

const decoder = new TextDecoder();

/** Scripts whose type runs as classic JavaScript (no type, or a JavaScript MIME type). */
function isClassicScript(attributes: string): boolean {
  const type = /\btype=["']?([^"'\s>]+)/i.exec(attributes)?.[1];
  return type === undefined || /^(text|application)\/(java|ecma)script$/i.test(type);
}

/** `</script` inside the code would end the element early; `<\/script` means the same in JS. */
function asAppScript(code: string): string {
  return `<script type="${APP_SCRIPT_TYPE}">${code.replace(/<\/script/gi, "<\\/script")}</script><script>${APP_FRAME_BOOT}</script>`;
}

export function frameDocument(frontend: Readonly<Record<string, Uint8Array>>): string {
  const index = frontend["index.html"];
  const html = index === undefined ? "" : decoder.decode(index).replace(/^\uFEFF?\s*<!doctype[^>]*>/i, "");
  const text = (path: string): string | undefined => {
    const bytes = frontend[path.replace(/^\.\//, "")];
    return bytes === undefined ? undefined : decoder.decode(bytes);
  };
  const inlined = html
    .replace(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi, (whole, attributes: string, body: string) => {
      const src = /\ssrc=["']?([^"'\s>]+)["']?/i.exec(` ${attributes}`)?.[1];
      if (src !== undefined) {
        const code = text(src);
        return code === undefined ? whole : asAppScript(code);
      }
      return isClassicScript(attributes) ? asAppScript(body) : whole;
    })
    .replace(/<link\b[^>]*\brel=["']?stylesheet["']?[^>]*\bhref=["']?([^"'\s>]+)["']?[^>]*>/gi, (whole, href: string) => {
      const css = text(href);
      return css === undefined ? whole : `<style>${css.replace(/<\/style/gi, "<\\/style")}</style>`;
    });
  const head = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${APP_FRAME_CSP}"></head>`;
  return head + inlined;
}
