// Runs only the WebRTC sync bench (bench/webrtc-sync.ts): quiet, then beside BENCH_HOGS busy loops
// (default 0 here; BENCH_HOGS_ONLY=1 skips the quiet run):
// `unshare -n sh -c 'ip link set lo up; BENCH_WEBRTC_ENVELOPES=2000 BENCH_HOGS=2 npx tsx bench/webrtc-main.ts'`.
import { runWebRtcSyncBench } from "./webrtc-sync.ts";

console.log(`WebRTC sync bench — ${new Date().toISOString()}`);
const hogs = Number(process.env.BENCH_HOGS ?? 0);
const build = process.env.BENCH_SKIP_BUILD !== "1";
if (process.env.BENCH_HOGS_ONLY !== "1") console.log((await runWebRtcSyncBench({ build })).text);
if (hogs > 0) console.log((await runWebRtcSyncBench({ build: build && process.env.BENCH_HOGS_ONLY === "1", hogs })).text);
