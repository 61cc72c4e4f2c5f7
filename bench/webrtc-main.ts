// Runs only the WebRTC sync bench (bench/webrtc-sync.ts), quiet and then beside BENCH_HOGS busy loops
// (default 0 here): `unshare -n sh -c 'ip link set lo up; npx tsx bench/webrtc-main.ts'`.
import { runWebRtcSyncBench } from "./webrtc-sync.ts";

console.log(`WebRTC sync bench — ${new Date().toISOString()}`);
console.log((await runWebRtcSyncBench({ build: process.env.BENCH_SKIP_BUILD !== "1" })).text);
const hogs = Number(process.env.BENCH_HOGS ?? 0);
if (hogs > 0) console.log((await runWebRtcSyncBench({ build: false, hogs })).text);
