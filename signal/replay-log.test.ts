// Replay logs: count and byte bounds per room, the overall budget trimming the largest log first,
// and bytes returned when a member leaves or a room is freed.
import { describe, expect, it } from "vitest";
import { createReplayLogs, type ReplayEntry } from "./replay-log.ts";

const entry = (from: string, bytes: number): ReplayEntry => ({ from, body: "x".repeat(bytes), bytes });

describe("replay logs", () => {
  it("drops the oldest past roomLogSize or roomLogBytes", () => {
    const logs = createReplayLogs({ roomLogSize: 3, roomLogBytes: 100, totalLogBytes: 1_000 });
    const log = logs.open();
    for (let i = 0; i < 4; i++) logs.append(log, entry(`m${i}`, 10));
    expect(log.entries.map((e) => e.from)).toEqual(["m1", "m2", "m3"]);
    logs.append(log, entry("big", 90));
    expect(log.entries.map((e) => e.from)).toEqual(["m3", "big"]);
    expect([log.bytes, logs.totalBytes()]).toEqual([100, 100]);
  });

  it("refuses an entry larger than a room may hold, keeping what was there", () => {
    const logs = createReplayLogs({ roomLogSize: 8, roomLogBytes: 50, totalLogBytes: 40 });
    const log = logs.open();
    logs.append(log, entry("a", 10));
    logs.append(log, entry("huge", 41));
    expect(log.entries.map((e) => e.from)).toEqual(["a"]);
  });

  it("past totalLogBytes trims the largest log, not the one that is small", () => {
    const logs = createReplayLogs({ roomLogSize: 100, roomLogBytes: 100, totalLogBytes: 120 });
    const small = logs.open();
    const big = logs.open();
    logs.append(small, entry("honest", 10));
    for (let i = 0; i < 12; i++) logs.append(big, entry(`f${i}`, 10));
    expect(small.entries.map((e) => e.from)).toEqual(["honest"]);
    expect(logs.totalBytes()).toBeLessThanOrEqual(120);
    expect(big.bytes).toBe(logs.totalBytes() - 10);
  });

  it("returns a leaver's bytes and a freed room's bytes; a freed log takes no more entries", () => {
    const logs = createReplayLogs({ roomLogSize: 10, roomLogBytes: 100, totalLogBytes: 1_000 });
    const log = logs.open();
    logs.append(log, entry("a", 10));
    logs.append(log, entry("b", 20));
    logs.append(log, entry("a", 30));
    logs.dropFrom(log, "a");
    expect([log.entries.map((e) => e.from), log.bytes, logs.totalBytes()]).toEqual([["b"], 20, 20]);
    logs.free(log);
    logs.append(log, entry("c", 5));
    expect([log.entries.length, logs.totalBytes()]).toEqual([0, 0]);
  });
});
