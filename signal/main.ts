// The relay process itself (`npm run signal:once`; `npm run signal` runs it under
// scripts/signal-supervisor.mjs, which restarts it). Flags win over SIGNAL_* environment variables
// (relay-config.ts); the default is loopback 127.0.0.1:8787. Binding anything else is allowed but
// warned about: the relay is unauthenticated and meant for one machine or a trusted LAN.
// Exit codes: 0 stopped by a signal, 1 failed to close, 2 bad configuration (the supervisor gives up),
// 3 could not listen (the supervisor tries again).
import { readRelayConfig } from "./relay-config.ts";
import { startRelay } from "./relay-server.ts";

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

function fail(message: string, code = 2): never {
  console.error(`npm run signal: ${message}`);
  process.exit(code);
}

const read = readRelayConfig(process.argv.slice(2), process.env);
if (!read.ok) fail(read.message);
const { host, port, limits } = read.config;

if (!isLoopback(host)) {
  console.warn("!".repeat(78));
  console.warn(`!! WARNING: the signal relay binds ${host}, not loopback.`);
  console.warn("!! It has no authentication: anyone who reaches this address can join rooms and read the");
  console.warn("!! offers posted there. Nodes still authenticate each other, but expose this only on purpose.");
  console.warn("!".repeat(78));
}

try {
  const relay = await startRelay({ host, port, limits });
  console.log(`signal relay listening on ${relay.url} (pid ${process.pid})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`signal relay: ${signal}, closing`);
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`signal relay: close failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
} catch (error) {
  fail(`could not listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`, 3);
}
