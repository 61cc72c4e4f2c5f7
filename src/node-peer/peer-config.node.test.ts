// The peer's command line, config file and kept rooms are untrusted input: each refusal names its
// reason and starts (or writes) nothing; rooms given once are kept for the next start.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keepRooms, parsePeerArgs, parseRoom, ROOMS_FILE } from "./peer-config.ts";

const dir = mkdtempSync(join(tmpdir(), "twoway-peer-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reason = (result: { ok: boolean; error?: { code: string; data: Record<string, unknown> } }) =>
  result.ok ? "accepted" : `${result.error!.code}/${String(result.error!.data["reason"])}`;

describe("parsePeerArgs", () => {
  it("takes rooms and invites from the command line and a config file, in that order of files first", () => {
    const file = join(dir, "peer.json");
    writeFileSync(file, JSON.stringify({ rooms: [{ url: "ws://127.0.0.1:8787", room: "home" }], invites: ["twoway1.o.x"], statusPort: 0 }));
    const parsed = parsePeerArgs(["--data", dir, "--config", file, "--room", "ws://127.0.0.1:9000/#kitchen", "--loopback-only"]);
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        rooms: [
          { url: "ws://127.0.0.1:8787", room: "home" },
          { url: "ws://127.0.0.1:9000/", room: "kitchen" },
        ],
        invites: ["twoway1.o.x"],
        statusPort: 0,
        loopbackOnly: true,
        statusOnly: false,
      },
    });
  });

  it.each([
    [["--name", "x"], "ERR_STRUCT_INVALID_TYPE/usage"],
    [["--data", dir, "--bogus"], "ERR_STRUCT_INVALID_TYPE/usage"],
    [["--data", dir, "--room", "ws://127.0.0.1:1"], "ERR_STRUCT_INVALID_TYPE/room_invalid"],
    [["--data", dir, "--room", "http://127.0.0.1:1#r"], "ERR_STRUCT_INVALID_TYPE/relay_url_invalid"],
    [["--data", dir, "--room", "nothing#r"], "ERR_STRUCT_INVALID_TYPE/relay_url_invalid"],
    [["--data", dir, "--room", "ws://127.0.0.1:1#"], "ERR_STRUCT_INVALID_TYPE/room_invalid"],
    [["--data", dir, "--status-port", "70000"], "ERR_STRUCT_INVALID_TYPE/status_port_invalid"],
    [["--data", dir, "--status-port=-1"], "ERR_STRUCT_INVALID_TYPE/status_port_invalid"],
    [["--data", dir, "--config", join(dir, "missing.json")], "ERR_STRUCT_INVALID_TYPE/config_unreadable"],
    [["--data", dir, "--max-bytes", "0"], "ERR_STRUCT_INVALID_TYPE/max_bytes_invalid"],
    [["--data", dir, "--max-bytes", "1e9"], "ERR_STRUCT_INVALID_TYPE/max_bytes_invalid"],
    [["--data", dir, "--max-envelopes=-5"], "ERR_STRUCT_INVALID_TYPE/max_envelopes_invalid"],
    [["--data", dir, "--pair", "ws://127.0.0.1:1"], "ERR_STRUCT_INVALID_TYPE/room_invalid"],
    [["--data", dir, "--pair", "ws://127.0.0.1:1#r", "--label", ""], "ERR_STRUCT_INVALID_TYPE/label_invalid"],
    [["--data", dir, "--pair", "ws://127.0.0.1:1#r", "--label", "x".repeat(65)], "ERR_STRUCT_INVALID_TYPE/label_invalid"],
  ])("refuses %j (%s)", (argv, expected) => {
    expect(reason(parsePeerArgs(argv))).toBe(expected);
  });

  it.each([
    [{ rooms: [], extra: 1 }, "config_unknown_field"],
    [[1, 2], "config_invalid"],
    [{ rooms: "ws://x#y" }, "config_invalid"],
    [{ invites: [1] }, "config_invalid"],
    [{ rooms: [{ url: "ws://127.0.0.1:1", room: "a\u0001b" }] }, "room_invalid"],
    [{ statusPort: 1.5 }, "status_port_invalid"],
    [{ maxBytes: "lots" }, "max_bytes_invalid"],
    [{ maxEnvelopes: 2.5 }, "max_envelopes_invalid"],
  ])("refuses the config file %j (%s)", (content, expected) => {
    const file = join(dir, `bad-${expected}.json`);
    writeFileSync(file, JSON.stringify(content));
    expect(reason(parsePeerArgs(["--data", dir, "--config", file]))).toBe(`ERR_STRUCT_INVALID_TYPE/${expected}`);
  });

  it("takes storage budgets from the config file, the command line winning, and a pairing room with its label", () => {
    const file = join(dir, "budget.json");
    writeFileSync(file, JSON.stringify({ maxBytes: 4_194_304, maxEnvelopes: 500 }));
    expect(parsePeerArgs(["--data", dir, "--config", file, "--max-envelopes", "20"])).toMatchObject({
      ok: true,
      value: { maxBytes: 4_194_304, maxEnvelopes: 20, pair: undefined },
    });
    expect(parsePeerArgs(["--data", dir, "--pair", "ws://127.0.0.1:9/#pair-me", "--label", "Always-on peer"])).toMatchObject({
      ok: true,
      value: { maxBytes: undefined, maxEnvelopes: undefined, pair: { url: "ws://127.0.0.1:9/", room: "pair-me" }, label: "Always-on peer" },
    });
  });

  it("refuses a room name longer than 128 characters", () => {
    expect(reason(parseRoom({ url: "ws://127.0.0.1:1", room: "r".repeat(129) }))).toBe("ERR_STRUCT_INVALID_TYPE/room_invalid");
  });
});

describe("keepRooms", () => {
  it("keeps rooms across starts, without repeats", () => {
    const data = mkdtempSync(join(dir, "keep-"));
    const home = { url: "ws://127.0.0.1:8787", room: "home" };
    const work = { url: "ws://127.0.0.1:8787", room: "work" };
    expect(keepRooms(data, [home])).toEqual({ ok: true, value: [home] });
    expect(keepRooms(data, [])).toEqual({ ok: true, value: [home] });
    expect(keepRooms(data, [work, home])).toEqual({ ok: true, value: [home, work] });
    expect(JSON.parse(readFileSync(join(data, ROOMS_FILE), "utf8"))).toEqual([home, work]);
  });

  it("refuses a kept file that is not a list of rooms, and leaves it as it was", () => {
    const data = mkdtempSync(join(dir, "broken-"));
    for (const [text, expected] of [
      ["{not json", "rooms_file_invalid"],
      ['{"url": "ws://x"}', "rooms_file_invalid"],
      ['[{"url": "ftp://x", "room": "r"}]', "relay_url_invalid"],
    ] as const) {
      writeFileSync(join(data, ROOMS_FILE), text);
      expect(reason(keepRooms(data, [{ url: "ws://127.0.0.1:1", room: "r" }]))).toBe(`ERR_STRUCT_INVALID_TYPE/${expected}`);
      expect(readFileSync(join(data, ROOMS_FILE), "utf8")).toBe(text);
    }
  });
});
