// The rooms' replay logs (what a late joiner is sent): bounded in count and bytes per room and in
// bytes over all rooms. Bodies are kept as their JSON text, never as parsed objects, so the bytes
// counted are the bytes held. Past the overall budget the largest log gives up its oldest first, so
// one member filling logs trims its own rooms before anyone else's.

export type ReplayEntry = {
  readonly from: string;
  /** The body's JSON text. */
  readonly body: string;
  /** UTF-8 length of `body`. */
  readonly bytes: number;
};

export type RoomLog = {
  readonly entries: readonly ReplayEntry[];
  readonly bytes: number;
};

export type ReplayLogLimits = {
  readonly roomLogSize: number;
  readonly roomLogBytes: number;
  readonly totalLogBytes: number;
};

export type ReplayLogs = {
  open(): RoomLog;
  /** Keeps `entry` in `log` if it fits a room at all; trims oldest entries to stay in budget. */
  append(log: RoomLog, entry: ReplayEntry): void;
  /** Removes every entry `from` posted (it left: its offers are stale). */
  dropFrom(log: RoomLog, from: string): void;
  /** The room is gone: its bytes return to the budget. */
  free(log: RoomLog): void;
  totalBytes(): number;
};

type MutableLog = { entries: ReplayEntry[]; bytes: number };

export function createReplayLogs(limits: ReplayLogLimits): ReplayLogs {
  const logs = new Set<MutableLog>();
  let total = 0;

  function dropOldest(log: MutableLog): void {
    const gone = log.entries.shift();
    if (!gone) return;
    log.bytes -= gone.bytes;
    total -= gone.bytes;
  }

  function largest(): MutableLog | undefined {
    let found: MutableLog | undefined;
    for (const log of logs) if (!found || log.bytes > found.bytes) found = log;
    return found;
  }

  return {
    open() {
      const log: MutableLog = { entries: [], bytes: 0 };
      logs.add(log);
      return log;
    },
    append(roomLog, entry) {
      const log = roomLog as MutableLog;
      if (!logs.has(log) || limits.roomLogSize < 1 || entry.bytes > Math.min(limits.roomLogBytes, limits.totalLogBytes)) return;
      log.entries.push(entry);
      log.bytes += entry.bytes;
      total += entry.bytes;
      while (log.entries.length > limits.roomLogSize || log.bytes > limits.roomLogBytes) dropOldest(log);
      while (total > limits.totalLogBytes) dropOldest(largest()!);
    },
    dropFrom(roomLog, from) {
      const log = roomLog as MutableLog;
      const kept = log.entries.filter((e) => e.from !== from);
      const keptBytes = kept.reduce((sum, e) => sum + e.bytes, 0);
      total -= log.bytes - keptBytes;
      log.entries = kept;
      log.bytes = keptBytes;
    },
    free(roomLog) {
      const log = roomLog as MutableLog;
      if (!logs.delete(log)) return;
      total -= log.bytes;
      log.entries = [];
      log.bytes = 0;
    },
    totalBytes: () => total,
  };
}
