// What `npm run signal` was asked for: host, port and every relay limit, from flags (`--max-depth 8`,
// `--max-depth=8`) over environment (`SIGNAL_MAX_DEPTH=8`) over the defaults. Pure: argv and env in,
// a config or one plain-words complaint out, so the relay starts only with limits it understood.
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from "./relay-protocol.ts";

export type RelayConfig = { readonly host: string; readonly port: number; readonly limits: RelayLimits };
export type ConfigResult = { readonly ok: true; readonly config: RelayConfig } | { readonly ok: false; readonly message: string };

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8787;
const MAX_LIMIT = 2 ** 40;

/** `maxSocketsPerAddress` → `max-sockets-per-address` (flag) and `SIGNAL_MAX_SOCKETS_PER_ADDRESS` (env). */
export function limitFlag(name: keyof RelayLimits): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
export function limitEnv(name: keyof RelayLimits): string {
  return `SIGNAL_${limitFlag(name).replace(/-/g, "_").toUpperCase()}`;
}

function flag(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) return args[i + 1] ?? "";
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

export function readRelayConfig(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const known = new Set(["host", "port", ...Object.keys(DEFAULT_RELAY_LIMITS).map((k) => limitFlag(k as keyof RelayLimits))]);
  for (const arg of args) {
    const name = /^--([a-z-]+)/.exec(arg)?.[1];
    if (arg.startsWith("--") && (name === undefined || !known.has(name)))
      return { ok: false, message: `unknown flag ${arg.split("=")[0]}` };
  }
  const host = flag(args, "host") ?? env["SIGNAL_HOST"] ?? DEFAULT_HOST;
  const portText = flag(args, "port") ?? env["SIGNAL_PORT"] ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) return { ok: false, message: `--port must be 0-65535, got "${portText}"` };
  if (host.length === 0) return { ok: false, message: "--host must not be empty" };
  const limits: Record<string, number> = { ...DEFAULT_RELAY_LIMITS };
  for (const key of Object.keys(DEFAULT_RELAY_LIMITS) as (keyof RelayLimits)[]) {
    const text = flag(args, limitFlag(key)) ?? env[limitEnv(key)];
    if (text === undefined) continue;
    const value = Number(text);
    if (!/^\d{1,15}$/.test(text) || value > MAX_LIMIT)
      return { ok: false, message: `--${limitFlag(key)} (${limitEnv(key)}) must be a whole number 0-${MAX_LIMIT}, got "${text}"` };
    limits[key] = value;
  }
  return { ok: true, config: { host, port, limits: limits as RelayLimits } };
}
