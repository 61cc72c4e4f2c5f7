// `npm run signal` configuration: flags over environment over defaults, every limit settable, and a
// plain-words refusal for anything it does not understand (the relay then exits 2 and is not restarted).
import { describe, expect, it } from "vitest";
import { DEFAULT_RELAY_LIMITS } from "./relay-protocol.ts";
import { limitEnv, limitFlag, readRelayConfig } from "./relay-config.ts";

describe("relay configuration", () => {
  it("defaults to loopback 127.0.0.1:8787 and the default limits", () => {
    expect(readRelayConfig([], {})).toEqual({ ok: true, config: { host: "127.0.0.1", port: 8787, limits: DEFAULT_RELAY_LIMITS } });
  });

  it("names each limit as a kebab-case flag and a SIGNAL_ variable", () => {
    expect([limitFlag("maxSocketsPerAddress"), limitEnv("maxSocketsPerAddress")]).toEqual([
      "max-sockets-per-address",
      "SIGNAL_MAX_SOCKETS_PER_ADDRESS",
    ]);
  });

  it("takes every limit from a flag (both spellings) or the environment; the flag wins", () => {
    const read = readRelayConfig(["--max-depth", "8", "--idle-timeout-ms=500", "--port=0"], {
      SIGNAL_MAX_DEPTH: "3",
      SIGNAL_TOTAL_LOG_BYTES: "1024",
      SIGNAL_HOST: "::1",
    });
    expect(read).toMatchObject({ ok: true, config: { host: "::1", port: 0 } });
    if (!read.ok) return;
    expect(read.config.limits).toEqual({ ...DEFAULT_RELAY_LIMITS, maxDepth: 8, idleTimeoutMs: 500, totalLogBytes: 1024 });
  });

  it.each([
    [["--max-depth", "-1"], "--max-depth (SIGNAL_MAX_DEPTH) must be a whole number"],
    [["--max-depth=1.5"], "--max-depth (SIGNAL_MAX_DEPTH) must be a whole number"],
    [["--max-depth"], "--max-depth (SIGNAL_MAX_DEPTH) must be a whole number"],
    [["--max-rooms=99999999999999"], "--max-rooms (SIGNAL_MAX_ROOMS) must be a whole number"],
    [["--max-dept=3"], "unknown flag --max-dept"],
    [["--port", "70000"], "--port must be 0-65535"],
    [["--host="], "--host must not be empty"],
  ])("refuses %j", (args, message) => {
    const read = readRelayConfig(args, {});
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.message).toContain(message);
  });

  it("refuses a malformed limit from the environment too", () => {
    expect(readRelayConfig([], { SIGNAL_IDLE_TIMEOUT_MS: "soon" })).toMatchObject({ ok: false });
  });
});
