// `npm run signal`: runs the signaling relay until SIGINT or SIGTERM. Flags --host/--port win over
// SIGNAL_HOST/SIGNAL_PORT; the default is loopback 127.0.0.1:8787. Binding anything else is allowed
// but warned about: the relay is unauthenticated and meant for one machine or a trusted LAN.
import { startRelay } from "./relay-server.ts";

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8787;

function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) return args[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

function fail(message: string): never {
  console.error(`npm run signal: ${message}`);
  process.exit(2);
}

const host = flag("host") ?? process.env["SIGNAL_HOST"] ?? DEFAULT_HOST;
const portText = flag("port") ?? process.env["SIGNAL_PORT"] ?? String(DEFAULT_PORT);
const port = Number(portText);
if (!/^\d{1,5}$/.test(portText) || port > 65535) fail(`--port must be 0-65535, got "${portText}"`);
if (host.length === 0) fail("--host must not be empty");

if (!isLoopback(host)) {
  console.warn("!".repeat(78));
  console.warn(`!! WARNING: the signal relay binds ${host}, not loopback.`);
  console.warn("!! It has no authentication: anyone who reaches this address can join rooms and read the");
  console.warn("!! offers posted there. Nodes still authenticate each other, but expose this only on purpose.");
  console.warn("!".repeat(78));
}

try {
  const relay = await startRelay({ host, port });
  console.log(`signal relay listening on ${relay.url}`);
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
  fail(`could not listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
}
