// Packs the bench's mini-app (bench/frame-app/app.ts) as a signed package with a throwaway
// publisher key, and runs it inside the shell's real sandboxed iframe (issue 12's round trip).
import { join } from "node:path";
import { build } from "esbuild";
import type { Page } from "playwright-core";
import { buildPackage, createSigner, utf8 } from "../src/core/index.ts";
import { benchAppSource } from "./bench-app-source.ts";

async function benchPackage(calls: number): Promise<{ zip: number[]; signature: string }> {
  const bundled = await build({
    entryPoints: [join(import.meta.dirname, "frame-app", "app.ts")],
    bundle: true,
    format: "iife",
    target: "es2022",
    write: false,
    define: { __CALLS__: String(calls) },
  });
  const html = '<!doctype html><html><body><pre id="results"></pre><script src="app.js"></script></body></html>';
  const frontend = { "index.html": utf8(html), "app.js": bundled.outputFiles[0]!.contents };
  const signer = await createSigner({ seed: new Uint8Array(32).fill(61), engine: "noble" });
  const built = await buildPackage(
    benchAppSource("benchframe", frontend),
    { signer, name: "Bench", chain: [] },
    "2026-12-01T12:00:00.000Z",
  );
  if (!built.ok) throw new Error(built.error.message);
  return { zip: Array.from(built.value.zip), signature: built.value.signature };
}

/** Installs the bench app through the page's port, opens it from the Apps page, returns its samples. */
export async function frameRoundTrips(page: Page, calls: number): Promise<Record<string, number[]>> {
  const pkg = await benchPackage(calls);
  for (const method of ["trustPublisher", "installApp"]) {
    const done = await page.evaluate(
      async ([name, bytes, signature]) => window.twoway!.call(name, { zip: new Uint8Array(bytes), signature }),
      [method, pkg.zip, pkg.signature] as const,
    );
    if (!done.ok) throw new Error(`bench: ${method} failed: ${done.error.code}`);
  }
  // A reload: the shell decides at load whether the person has an identity (made above by the port).
  await page.goto(new URL("#/apps", page.url()).href);
  await page.reload();
  await page.getByTestId("apps-page").waitFor({ timeout: 120_000 });
  await page.locator('[data-testid="app-row"][data-slug="benchframe"]').getByTestId("open-app").click();
  const results = page.frameLocator('[data-testid="app-iframe"]').locator('#results[data-done="true"]');
  await results.waitFor({ timeout: 120_000 });
  const parsed = JSON.parse((await results.textContent()) ?? "{}") as Record<string, number[]> & { error?: string };
  if (typeof parsed.error === "string") throw new Error(`bench frame: ${parsed.error}`);
  return parsed;
}
