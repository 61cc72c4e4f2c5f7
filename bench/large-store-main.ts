// Runs only the large-store bench (bench/large-store.ts) on the dist/ build already there:
// `npx vite build && unshare -n sh -c 'ip link set lo up; BENCH_LARGE_ENVELOPES=50000 BENCH_FLAT_STORED=50000 npx tsx bench/large-store-main.ts'`.
import { runLargeStoreBench } from "./large-store.ts";

console.log(`Large-store bench — ${new Date().toISOString()}`);
console.log(await runLargeStoreBench());
