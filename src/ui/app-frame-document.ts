// The document a mini-app's iframe runs (DESIGN D9): the package's index.html behind a CSP that
// denies every network path, with the package's own scripts and styles inlined (the frame has an
// opaque origin and may load nothing, not even from its package). Our head comes first, so nothing
// in the package can loosen the policy: a later CSP can only add restrictions.

/** No fetch, XHR, WebSocket, beacon, EventSource (connect-src), no remote images, fonts, frames,
 *  workers, forms or base changes; only inline script and style, and data: images and fonts. */
export const APP_FRAME_CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
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

export function frameDocument(frontend: Readonly<Record<string, Uint8Array>>): string {
  const index = frontend["index.html"];
  const html = index === undefined ? "" : decoder.decode(index).replace(/^\uFEFF?\s*<!doctype[^>]*>/i, "");
  const text = (path: string): string | undefined => {
    const bytes = frontend[path.replace(/^\.\//, "")];
    return bytes === undefined ? undefined : decoder.decode(bytes);
  };
  const inlined = html
    .replace(/<script\b([^>]*)\ssrc=["']?([^"'\s>]+)["']?([^>]*)>\s*<\/script>/gi, (whole, _before: string, src: string) => {
      const code = text(src);
      // `</script` inside the code would end the element early; `<\/script` means the same in JS.
      return code === undefined ? whole : `<script>${code.replace(/<\/script/gi, "<\\/script")}</script>`;
    })
    .replace(/<link\b[^>]*\brel=["']?stylesheet["']?[^>]*\bhref=["']?([^"'\s>]+)["']?[^>]*>/gi, (whole, href: string) => {
      const css = text(href);
      return css === undefined ? whole : `<style>${css.replace(/<\/style/gi, "<\\/style")}</style>`;
    });
  const head = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${APP_FRAME_CSP}"></head>`;
  return head + inlined;
}
