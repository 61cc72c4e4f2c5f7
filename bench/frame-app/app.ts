// The bench's mini-app: in its sandboxed frame, times sequential SDK calls (frame → shell-made
// MessagePort → worker → node → back) and reports the samples in #results.
import { openApp } from "../../src/apps/sdk/index.ts";

declare const __CALLS__: number;

async function main(): Promise<void> {
  const app = await openApp();
  const out: Record<string, number[]> = {};
  for (const [label, call] of [
    ["whoAmI", () => app.whoAmI()],
    ["read", () => app.read({ target: "parent", limit: 10 })],
  ] as const) {
    await call(); // warm
    const samples: number[] = [];
    for (let i = 0; i < __CALLS__; i++) {
      const started = performance.now();
      const answer = await call();
      samples.push(performance.now() - started);
      if (!answer.ok) throw new Error(`${label}: ${answer.error.code}`);
    }
    out[label] = samples;
  }
  const results = document.getElementById("results")!;
  results.textContent = JSON.stringify(out);
  results.dataset["done"] = "true";
}

main().catch((error: unknown) => {
  const results = document.getElementById("results")!;
  results.textContent = JSON.stringify({ error: String(error) });
  results.dataset["done"] = "true";
});
